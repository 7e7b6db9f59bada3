"""Cross-origin requests from a front end hosted elsewhere (``CORS_ALLOW_ORIGINS``, issue 16).

Off by default: without the setting no CORS header is sent and a browser lets only the API's own
page call it. With it, the listed origins — and only those, compared exactly — may call every
endpoint with ``Authorization: Bearer …`` (the API's credentials are bearer tokens sent by the
page's script, never cookies: ``Access-Control-Allow-Credentials`` is never sent, so no origin
gets a cookie-authenticated request either). Preflights (``OPTIONS`` with
``Access-Control-Request-Method``) are answered here, before routing; a preflight from another
origin, or asking for a method or header that is not allowed, is a 400 in the API's error shape
with no CORS header at all.

Starlette's :class:`CORSMiddleware` does the work; this only renders its refusals like every other
error.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from interview_jobs.api.errors import error_response

ALLOWED_METHODS = ("GET", "POST", "DELETE")
ALLOWED_HEADERS = ("Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID")
# What a script of another origin may read beyond the CORS-safelisted response headers.
EXPOSED_HEADERS = ("Location", "Link", "Retry-After", "WWW-Authenticate")
PREFLIGHT_MAX_AGE_SECONDS = 600


class AllowlistCORS(CORSMiddleware):
    async def simple_response(
        self, scope: Scope, receive: Receive, send: Send, request_headers: Headers
    ) -> None:
        # Starlette adds Access-Control-Expose-Headers for any origin: another origin's request
        # is answered as if CORS were off — with "Vary: Origin", so that a cache never hands
        # that answer to a listed origin (or a listed origin's to another).
        if self.is_allowed_origin(request_headers.get("origin", "")):
            await super().simple_response(scope, receive, send, request_headers)
            return

        async def send_varying(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message).add_vary_header("Origin")
            await send(message)

        await self.app(scope, receive, send_varying)

    def preflight_response(self, request_headers: Headers) -> Response:
        response = super().preflight_response(request_headers)
        if response.status_code == 200:
            return response
        # Starlette's refusal is plain text ("Disallowed CORS origin, headers") and still carries
        # the allowed methods and headers: answer it as an API error, with no CORS header.
        reason = bytes(response.body).decode().removeprefix("Disallowed CORS ")
        origin = request_headers.get("origin", "")
        return error_response(
            400,
            "BadRequest",
            f"Cross-origin request from {origin!r} refused: {reason} not allowed.",
        )


def install_cors(app: FastAPI, origins: list[str]) -> None:
    """Answer the listed origins' cross-origin requests (none: nothing is installed)."""
    if not origins:
        return
    app.add_middleware(
        AllowlistCORS,
        allow_origins=origins,
        allow_methods=ALLOWED_METHODS,
        allow_headers=ALLOWED_HEADERS,
        expose_headers=EXPOSED_HEADERS,
        allow_credentials=False,
        max_age=PREFLIGHT_MAX_AGE_SECONDS,
    )
