"""Per-app state: what ``create_app`` builds once and the request handlers share.

Kept on ``app.state.ctx``; reached from endpoints through :mod:`interview_jobs.api.deps`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field

from argon2 import PasswordHasher

from interview_jobs.api.auth.ratelimit import RateLimiter
from interview_jobs.api.auth.tokens import Tokens
from interview_jobs.api.db import Database
from interview_jobs.api.files.store import ObjectStore, build_store
from interview_jobs.api.jobs.estimate import QueueStats
from interview_jobs.api.jobs.feed import JobFeed
from interview_jobs.api.metrics import Metrics
from interview_jobs.config import Settings


@dataclass
class AppContext:
    settings: Settings
    db: Database
    metrics: Metrics
    password_hasher: PasswordHasher
    login_limiter: RateLimiter
    comment_limiter: RateLimiter
    feed: JobFeed
    store: ObjectStore  # where uploads' bytes are (STORAGE_URL); started by the lifespan
    queue_stats: QueueStats = field(default_factory=QueueStats)
    # Set by the lifespan when the dispatcher runs: forward right after a commit instead of at
    # the next poll.
    wake_dispatcher: Callable[[], None] = field(default=lambda: None)
    # Each secret may list several values while it is rotated (SECURITY.md): the first signs,
    # any of them is accepted. ``jwt_key``/``url_signing_key`` are the signing (first) keys.
    jwt_keys: list[bytes] = field(init=False)
    tokens: Tokens = field(init=False)
    url_signing_keys: list[bytes] = field(init=False)
    callback_api_keys: list[bytes] = field(init=False)
    webhook_secret: str | None = field(init=False)

    @property
    def jwt_key(self) -> bytes:
        return self.jwt_keys[0]

    @property
    def url_signing_key(self) -> bytes:
        return self.url_signing_keys[0]

    def __post_init__(self) -> None:
        s = self.settings
        jwt_secrets = s.accepted_secrets("jwt_secret")
        # A 32-byte key derived from JWT_SECRET: HS256 wants at least 32 bytes (RFC 7518 3.2),
        # and the setting may be as short as 16 characters.
        self.jwt_keys = [
            hmac.new(one.encode(), b"interview-jobs/access-tokens", hashlib.sha256).digest()
            for one in jwt_secrets
        ]
        self.tokens = Tokens(self.jwt_keys, s.jwt_expires_seconds)
        if s.url_signing_secret is not None:
            self.url_signing_keys = [k.encode() for k in s.accepted_secrets("url_signing_secret")]
        else:
            # A key of its own, derived so that a leaked signed URL says nothing about JWT_SECRET.
            self.url_signing_keys = [
                hmac.new(one.encode(), b"interview-jobs/signed-file-urls", hashlib.sha256).digest()
                for one in jwt_secrets
            ]
        self.callback_api_keys = [k.encode() for k in s.accepted_secrets("callback_api_key")]
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
            login_limiter=RateLimiter(settings.login_rate_limit_per_minute),
            comment_limiter=RateLimiter(settings.comment_rate_limit_per_minute),
            feed=JobFeed(db),
            store=build_store(settings),
        )
