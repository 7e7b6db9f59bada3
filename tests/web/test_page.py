"""The page as the API serves it: routes, security headers, shipped assets, no inline code."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from interview_jobs.api.app import create_app
from interview_jobs.api.web import STATIC_DIR
from interview_jobs.config import get_settings


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = get_settings(
        data_dir=tmp_path, max_upload_bytes=123_456_789, gc_freeze_on_start=False
    )
    # No lifespan: the page needs neither the database nor the dispatcher.
    yield TestClient(create_app(settings))


def test_index_is_served_with_security_headers(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert response.headers["x-frame-options"] == "DENY"
    # The practice view may use the camera and microphone, on this origin only.
    assert response.headers["permissions-policy"] == (
        "camera=(self), microphone=(self), geolocation=()"
    )
    assert directives["media-src"] == "'self' blob: http: https:"
    # The server's upload limit reaches the page (for the check before an upload).
    assert '<meta name="ij-max-upload-bytes" content="123456789">' in response.text


def test_static_files_are_served_with_the_same_headers(client: TestClient) -> None:
    for path, kind in [
        ("/static/js/main.js", "javascript"),
        ("/static/app.css", "text/css"),
        ("/static/vendor/uplot/uPlot.iife.min.js", "javascript"),
        ("/static/favicon.svg", "image/svg+xml"),
    ]:
        response = client.get(path)
        assert response.status_code == 200, path
        assert kind in response.headers["content-type"], path
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "content-security-policy" in response.headers
    assert client.get("/static/nope.js").status_code == 404
    assert (
        client.get("/favicon.ico", follow_redirects=False)
        .headers["location"]
        .endswith("favicon.svg")
    )


def test_api_responses_keep_their_own_headers(client: TestClient) -> None:
    response = client.get("/health")
    assert "content-security-policy" not in response.headers


class _Inline(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.problems: list[str] = []
        self.local_refs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        for name, _ in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}=…> inline handler")
            if name == "style":
                self.problems.append(f"<{tag} style=…> inline style")
        if tag == "script" and not names.get("src"):
            self.problems.append("inline <script>")
        if tag == "style":
            self.problems.append("inline <style>")
        for ref in (names.get("src"), names.get("href")):
            if ref and ref.startswith("/static/"):
                self.local_refs.append(ref)
            elif ref and ref.startswith(("http:", "https:", "//")):
                self.problems.append(f"external reference {ref}")


def test_the_page_has_no_inline_code_and_loads_only_its_own_files(client: TestClient) -> None:
    parser = _Inline()
    parser.feed(client.get("/").text)
    assert parser.problems == []
    assert parser.local_refs
    for ref in parser.local_refs:
        assert client.get(ref).status_code == 200, ref


def test_js_modules_import_only_shipped_files() -> None:
    imports = re.compile(r"""(?:import|from)\s*\(?\s*["']([^"']+)["']""")
    for script in (STATIC_DIR / "js").rglob("*.js"):
        text = script.read_text()
        assert "innerHTML" not in text, f"{script.name}: build DOM nodes, not HTML strings"
        assert "eval(" not in text and "new Function" not in text, script.name
        for target in imports.findall(text):
            assert target.startswith(("./", "../")), f"{script.name} imports {target}"
            assert (script.parent / target).is_file(), f"{script.name} imports {target}"


def test_the_chart_library_ships_with_its_license_and_version() -> None:
    vendor = STATIC_DIR / "vendor" / "uplot"
    assert "MIT License" in (vendor / "LICENSE").read_text()
    assert (vendor / "VERSION").read_text().startswith("uplot 1.6.32")
    assert (
        (vendor / "uPlot.iife.min.js")
        .read_text()
        .startswith("/*! https://github.com/leeoniya/uPlot (v1.6.32)")
    )
