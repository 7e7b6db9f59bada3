"""Access tokens: who a bearer token says the caller is (:class:`AuthUser`), issued and checked.

No HTTP here: reading the ``Authorization`` header is the dependency's job (``api/deps.py``);
services take an :class:`AuthUser`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import jwt

from interview_jobs.api.errors import Unauthorized

JWT_ALGORITHM = "HS256"
# Verified tokens, kept until they expire: a client polling a job sends the same token many times,
# and checking the signature again each time costs as much as the database read.
CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class AuthUser:
    id: int
    username: str


class Tokens:
    """Issues and verifies the API's JWTs. ``keys``: the signing key first, then any previous
    ones still accepted while JWT_SECRET is rotated (SECURITY.md)."""

    def __init__(self, keys: list[bytes], lifetime_seconds: int) -> None:
        self.keys = keys
        self.lifetime_seconds = lifetime_seconds
        self._verified: dict[str, tuple[AuthUser, float]] = {}

    def issue(self, user: AuthUser) -> tuple[str, int]:
        """A new access token for ``user`` and its lifetime in seconds."""
        now = int(time.time())
        claims = {
            "sub": str(user.id),
            "name": user.username,
            "iat": now,
            "exp": now + self.lifetime_seconds,
        }
        return jwt.encode(claims, self.keys[0], algorithm=JWT_ALGORITHM), self.lifetime_seconds

    def verify(self, token: str) -> AuthUser:
        """The user a token was issued to; Unauthorized if it is expired, forged or malformed."""
        cached = self._verified.get(token)
        if cached is not None and cached[1] > time.time():
            return cached[0]
        user, expires = self._check(token)
        if len(self._verified) >= CACHE_SIZE:
            self._verified.clear()  # crude but bounded; a client re-uses its token for an hour
        self._verified[token] = (user, expires)
        return user

    def _check(self, token: str) -> tuple[AuthUser, float]:
        try:
            claims = self._claims(token)
            user = AuthUser(id=int(claims["sub"]), username=str(claims.get("name", "")))
            return user, float(claims["exp"])
        except jwt.ExpiredSignatureError:
            raise Unauthorized("The access token has expired; log in again.") from None
        except (jwt.InvalidTokenError, ValueError, TypeError):
            raise Unauthorized("The access token is not valid.") from None

    def _claims(self, token: str) -> dict[str, Any]:
        """The claims, checked with the current key or (during a rotation) a previous one."""
        for key in self.keys[:-1]:
            try:
                return _decode(key, token)
            except jwt.InvalidSignatureError:
                continue
        return _decode(self.keys[-1], token)


def _decode(key: bytes, token: str) -> dict[str, Any]:
    claims: dict[str, Any] = jwt.decode(
        token, key, algorithms=[JWT_ALGORITHM], options={"require": ["exp", "sub"]}
    )
    return claims
