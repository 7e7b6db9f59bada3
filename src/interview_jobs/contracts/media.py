"""Which videos the system accepts, decided from their first bytes (never from a file name).

Shared by the API (upload) and the AI backend (download) so both accept exactly the same files.
"""

from __future__ import annotations

# ISO base media / QuickTime files are a sequence of boxes: 4-byte size, 4-byte type. MP4 starts
# with `ftyp`; QuickTime .mov files may start with one of the older atoms instead.
_ISO_FIRST_BOXES = {b"ftyp", b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"}
_EBML_MAGIC = b"\x1a\x45\xdf\xa3"  # Matroska and WebM
SNIFF_BYTES = 64

ACCEPTED_DESCRIPTION = "an MP4, MOV, WebM or MKV video"


def sniff_container(head: bytes) -> str | None:
    """``"mp4"`` (ISO/QuickTime family), ``"matroska"`` (WebM/MKV), or None for anything else."""
    if len(head) >= 8 and head[4:8] in _ISO_FIRST_BOXES:
        return "mp4"
    if head.startswith(_EBML_MAGIC):
        return "matroska"
    return None


def content_type_for(container: str, head: bytes) -> str:
    """A Content-Type for a sniffed container (WebM is told apart from MKV by its DocType)."""
    if container == "matroska":
        return "video/webm" if b"webm" in head[:SNIFF_BYTES] else "video/x-matroska"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] == b"qt  ":
        return "video/quicktime"
    return "video/mp4"
