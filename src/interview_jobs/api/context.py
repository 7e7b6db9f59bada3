"""Per-app state: what ``create_app`` builds once and the request handlers share.

Kept on ``app.state.ctx``; reached from endpoints through :mod:`interview_jobs.api.deps`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from argon2 import PasswordHasher

from interview_jobs.api.auth.ratelimit import LoginRateLimiter
from interview_jobs.api.db import Database
from interview_jobs.api.jobs.estimate import QueueStats
from interview_jobs.api.metrics import Metrics
from interview_jobs.config import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    metrics: Metrics
    password_hasher: PasswordHasher
    login_limiter: LoginRateLimiter
    queue_stats: QueueStats = field(default_factory=QueueStats)
    # Set by the lifespan when the dispatcher runs: forward right after a commit instead of at
    # the next poll.
    wake_dispatcher: Callable[[], None] = field(default=lambda: None)
    # access token -> (user, expiry): see deps.decode_token
    token_cache: dict[str, tuple[Any, float]] = field(default_factory=dict)
    jwt_key: bytes = field(init=False)
    url_signing_key: bytes = field(init=False)
    callback_api_key: bytes = field(init=False)
    webhook_secret: str | None = field(init=False)

    def __post_init__(self) -> None:
        s = self.settings
        jwt_secret = s.secret("jwt_secret")
        # A 32-byte key derived from JWT_SECRET: HS256 wants at least 32 bytes (RFC 7518 3.2),
        # and the setting may be as short as 16 characters.
        self.jwt_key = hmac.new(
            jwt_secret.encode(), b"interview-jobs/access-tokens", hashlib.sha256
        ).digest()
        if s.url_signing_secret is not None:
            self.url_signing_key = s.url_signing_secret.get_secret_value().encode()
        else:
            # A key of its own, derived so that a leaked signed URL says nothing about JWT_SECRET.
            self.url_signing_key = hmac.new(
                jwt_secret.encode(), b"interview-jobs/signed-file-urls", hashlib.sha256
            ).digest()
        self.callback_api_key = s.secret("callback_api_key").encode()
        self.webhook_secret = (
            s.webhook_secret.get_secret_value() if s.webhook_secret is not None else None
        )

    @classmethod
    def build(cls, settings: Settings, db: Database) -> AppContext:
        return cls(
            settings=settings,
            db=db,
            metrics=Metrics(),
            password_hasher=PasswordHasher(
                time_cost=settings.argon2_time_cost,
                memory_cost=settings.argon2_memory_kib,
                parallelism=settings.argon2_parallelism,
            ),
            login_limiter=LoginRateLimiter(settings.login_rate_limit_per_minute),
        )
