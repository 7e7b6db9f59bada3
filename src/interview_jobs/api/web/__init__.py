"""The web page: a single-page app served by the API at ``/`` with its files under ``/static/``.

Everything the page needs ships inside this package (``static/``: HTML, JS modules, CSS and the
vendored uPlot chart library) — no build step at run time and no CDN, so it works offline. The page
talks to the same API as every other client (``/api/...`` with a bearer token).

``mount_web(app)`` adds the routes; the page's responses carry security headers: a
Content-Security-Policy without inline scripts or styles, ``frame-ancestors 'none'``,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` (set on the page's own
routes and by a wrapper around the static files, not by a middleware every API request would
pass through).
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATIC_DIR = Path(__file__).parent / "static"

# The page loads nothing from elsewhere: scripts and styles from this origin only (no inline code,
# no eval). Videos play from the API's signed content URL of the owner's upload, straight from
# the http(s) URL the user gave for a URL job, or — a practice take played back before it is
# sent — from a blob: URL of the recording in the page.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data: blob:",
        "media-src 'self' blob: http: https:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    # The practice view records with the camera and microphone: this origin only, never a frame.
    "permissions-policy": "camera=(self), microphone=(self), geolocation=()",
}


# No build step means no content hashes in file names: revalidate (ETag) always.
PAGE_HEADERS = {**SECURITY_HEADERS, "cache-control": "no-cache"}


class PageSecurityHeaders:
    """Adds :data:`PAGE_HEADERS` (those not set already) to the responses of the wrapped app:
    the static files (pure ASGI, so their streaming is untouched)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in PAGE_HEADERS.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def mount_web(app: FastAPI) -> None:
    """Serve the page at ``/`` and its files at ``/static/`` on ``app`` (made by ``create_app``)."""
    # The server's settings the page needs, as ``<meta>`` tags (no inline JS).
    limit = str(app.state.ctx.settings.max_upload_bytes)
    page = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    page = page.replace("{{MAX_UPLOAD_BYTES}}", html.escape(limit))

    @app.get("/", include_in_schema=False, response_class=HTMLResponse)
    async def index() -> HTMLResponse:
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/s/{token}", include_in_schema=False, response_class=HTMLResponse)
    async def shared(token: str) -> HTMLResponse:
        # A share link opens the same page, which reads the token from its own address (the
        # token is checked by GET /api/shared/{token}; no-referrer keeps it off other sites).
        return HTMLResponse(page, headers=PAGE_HEADERS)

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> RedirectResponse:
        return RedirectResponse("/static/favicon.svg", status_code=308, headers=PAGE_HEADERS)

    app.mount("/static", PageSecurityHeaders(StaticFiles(directory=STATIC_DIR)), name="static")
