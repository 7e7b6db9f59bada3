"""Serving a stored file's bytes over HTTP, with Range, from whichever store holds them.

One path for the disk and S3: the size comes from the store, the requested ranges are parsed
here (malformed → 400, outside the file → 416 with ``Content-Range: bytes */size``, both in the
API's error shape), and the bytes are streamed from ``store.open_read`` — a single range as 206,
several as ``multipart/byteranges`` (RFC 9110 14.6), no Range as 200. A ``<video>`` seeking
through a long interview asks for one range at a time; the store is asked for just those bytes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator
from urllib.parse import quote

from starlette.responses import Response, StreamingResponse

from interview_jobs.api.errors import BadRequest, RangeNotSatisfiable
from interview_jobs.api.files.store import ObjectStore

_RANGE_ITEM = re.compile(r"^(\d*)-(\d*)$")


def parse_ranges(header: str | None, size: int) -> list[tuple[int, int]] | None:
    """The ``Range`` header as sorted, merged inclusive (start, end) pairs; None = whole file."""
    if header is None:
        return None
    unit, _, spec = header.strip().partition("=")
    items = [item.strip() for item in spec.split(",")] if unit.strip() == "bytes" else []
    ranges: list[tuple[int, int]] = []
    satisfiable = bool(items)
    for item in items:
        match = _RANGE_ITEM.match(item)
        if match is None:
            items = []
            break
        start, end = match.groups()
        if (not start and not end) or (start and end and int(end) < int(start)):
            items = []
            break
        if start:
            if int(start) >= size:
                satisfiable = False  # any range outside the file: 416 (as Starlette answers)
                continue
            ranges.append((int(start), min(int(end), size - 1) if end else size - 1))
        elif int(end) > 0:  # "-N": the last N bytes
            ranges.append((max(0, size - int(end)), size - 1))
        else:
            satisfiable = False
    if not items:
        raise BadRequest(f"The Range header {header!r} is malformed (expected bytes=start-end).")
    if not satisfiable:
        raise RangeNotSatisfiable(
            f"The range {header!r} is outside the file's {size} bytes.",
            headers={"Content-Range": f"bytes */{size}"},
        )
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def content_disposition(filename: str) -> str:
    quoted = quote(filename)
    if quoted != filename:
        return f"inline; filename*=utf-8''{quoted}"
    return f'inline; filename="{filename}"'


async def content_response(
    store: ObjectStore,
    key: str,
    size: int,
    *,
    media_type: str,
    filename: str,
    etag: str,
    range_header: str | None,
) -> Response:
    """The response of a GET of the stored object ``key`` of ``size`` bytes."""
    ranges = parse_ranges(range_header, size) if size else None
    headers = {
        "Accept-Ranges": "bytes",
        "Content-Disposition": content_disposition(filename),
        "ETag": f'"{etag}"',
    }
    if not ranges:
        headers["Content-Length"] = str(size)
        body = await store.open_read(key, 0, size - 1) if size else _empty()
        return StreamingResponse(body, status_code=200, media_type=media_type, headers=headers)
    if len(ranges) == 1:
        start, end = ranges[0]
        headers["Content-Range"] = f"bytes {start}-{end}/{size}"
        headers["Content-Length"] = str(end - start + 1)
        body = await store.open_read(key, start, end)
        return StreamingResponse(body, status_code=206, media_type=media_type, headers=headers)
    boundary = secrets.token_hex(13)
    part_heads = [
        (
            f"--{boundary}\r\nContent-Type: {media_type}\r\n"
            f"Content-Range: bytes {start}-{end}/{size}\r\n\r\n"
        ).encode()
        for start, end in ranges
    ]
    tail = f"--{boundary}--\r\n".encode()
    length = sum(len(h) + (e - s + 1) + 2 for h, (s, e) in zip(part_heads, ranges, strict=True))
    headers["Content-Length"] = str(length + len(tail))

    first = await store.open_read(key, *ranges[0])

    async def parts() -> AsyncIterator[bytes]:
        for i, (head, (start, end)) in enumerate(zip(part_heads, ranges, strict=True)):
            yield head
            async for chunk in first if i == 0 else await store.open_read(key, start, end):
                yield chunk
            yield b"\r\n"
        yield tail

    return StreamingResponse(
        parts(),
        status_code=206,
        media_type=f"multipart/byteranges; boundary={boundary}",
        headers=headers,
    )


async def _empty() -> AsyncIterator[bytes]:
    return
    yield  # an async generator with nothing in it
