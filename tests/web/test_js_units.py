"""The page's pure JS modules (SSE parser, file checks) run under Node, with the same cases as
the Python client's parser."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from interview_jobs.api.web import STATIC_DIR
from tests.conftest import require


def run_module(source: str) -> object:
    node = shutil.which("node")
    require(node is not None, "Node.js is not installed")
    assert node is not None
    done = subprocess.run(
        [node, "--input-type=module", "-e", source],
        cwd=STATIC_DIR / "js",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


SSE = (STATIC_DIR / "js" / "sse.js").as_uri()
MEDIA = (STATIC_DIR / "js" / "media.js").as_uri()


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_sse_parser_any_line_ending_and_chunking(newline: str) -> None:
    n = newline
    text = (
        f"retry: 2000{n}{n}: keep-alive{n}{n}event: status{n}data: a{n}{n}"
        f"data: one{n}data:two{n}id: 7{n}{n}event: deleted{n}data{n}{n}"
    )
    source = f"""
        import {{ SSEParser }} from {json.dumps(SSE)};
        const text = {json.dumps(text)};
        const out = {{}};
        for (const size of [1, 2, 3, 7, text.length]) {{
          const p = new SSEParser();
          let events = [];
          for (let i = 0; i < text.length; i += size) {{
            events = events.concat(p.feed(text.slice(i, i + size)));
          }}
          out[size] = {{ events, retry: p.retry }};
        }}
        console.log(JSON.stringify(out));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    expected = [
        {"event": "status", "data": "a", "id": ""},
        {"event": "message", "data": "one\ntwo", "id": "7"},
        {"event": "deleted", "data": "", "id": "7"},
    ]
    for size, parsed in result.items():
        assert parsed == {"events": expected, "retry": 2000}, size


def test_video_sniffing_matches_the_server() -> None:
    from interview_jobs.contracts.media import sniff_container

    samples = {
        "mp4": b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00",
        "mov": b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00",
        "old_mov": b"\x00\x00\x00\x08wide\x00\x00\x00\x00",
        "webm": b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01webm",
        "text": b"These are my notes, not a video.",
        "png": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "short": b"\x00\x00",
    }
    source = f"""
        import {{ sniffContainer, checkVideoUrl }} from {json.dumps(MEDIA)};
        const samples = {json.dumps({k: list(v) for k, v in samples.items()})};
        const out = {{}};
        for (const [name, bytes] of Object.entries(samples)) {{
          out[name] = sniffContainer(Uint8Array.from(bytes));
        }}
        out.urls = ["https://x.example/a.mp4", "ftp://x/a.mp4", "not a url"].map(checkVideoUrl);
        console.log(JSON.stringify(out));
    """
    result = run_module(source)
    assert isinstance(result, dict)
    for name, head in samples.items():
        assert result[name] == sniff_container(head), name
    ok, ftp, garbage = result["urls"]
    assert ok is None
    assert "http:// or https://" in ftp
    assert "not a valid address" in garbage
