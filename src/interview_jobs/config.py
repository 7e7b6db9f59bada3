"""One Settings class for every process (API, AI backend, workers, CLI).

Configuration is environment variables with the prefix ``INTERVIEW_JOBS_`` (a ``.env`` file works
too). In the embedded default (``ENVIRONMENT=development``) secrets that are not set are generated
once and kept in ``DATA_DIR/secrets.json`` so that every process started on the same data directory
agrees on them. With ``ENVIRONMENT=production`` a missing or placeholder secret stops start-up.
"""

from __future__ import annotations

import base64
import json
import os
import re
import secrets
from functools import cached_property
from ipaddress import IPv4Network, IPv6Network, ip_network
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

SECRET_FIELDS = (
    "jwt_secret",
    "ai_api_key",
    "callback_api_key",
    "webhook_secret",
    "url_signing_secret",
)
# Values that someone copied from an example file and never changed.
PLACEHOLDER_SECRETS = frozenset({"", "changeme", "change-me", "secret", "please-change", "xxx"})
MIN_SECRET_LENGTH = 16
# A browser origin: scheme://host[:port] (an IPv6 host in brackets), nothing more.
_ORIGIN = re.compile(r"https?://([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which variable and why."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="INTERVIEW_JOBS_", env_file=".env", extra="ignore", validate_default=True
    )

    environment: Literal["development", "production"] = "development"
    data_dir: Path = Path("./data")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite file under DATA_DIR"
    )

    # --- addresses ---
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    ai_host: str = "127.0.0.1"
    ai_port: int = 8001
    ai_url: str = "http://127.0.0.1:8001"
    api_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Base URL the AI backend calls back to, and signed file URLs are built on",
    )
    broker_url: str | None = Field(
        default=None, description="amqp://… or redis://…; unset = embedded queue"
    )

    # --- secrets ---
    jwt_secret: SecretStr | None = None
    ai_api_key: SecretStr | None = None
    callback_api_key: SecretStr | None = None
    webhook_secret: SecretStr | None = Field(
        default=None, description="Standard Webhooks whsec_… secret"
    )
    url_signing_secret: SecretStr | None = Field(
        default=None, description="HMAC key of signed file-content URLs (defaults to a derived key)"
    )

    # --- auth ---
    jwt_expires_seconds: int = Field(default=3600, gt=0)
    login_rate_limit_per_minute: int = Field(default=10, gt=0)

    # --- a front end hosted elsewhere (issue 16) ---
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="origins (scheme://host[:port], a JSON list or comma-separated) whose pages "
        "may call the API from a browser; empty = none (same origin only)",
    )

    # --- files ---
    max_upload_bytes: int = Field(default=2 * 1024**3, gt=0)
    signed_url_ttl_seconds: int = Field(default=6 * 3600, gt=0)
    # --- storage of uploads (api/files/store.py) ---
    storage_url: str | None = Field(
        default=None,
        description="unset or file://DIR: the local disk (DATA_DIR/files by default); "
        "s3://BUCKET[/prefix]: an S3-compatible object store",
    )
    s3_endpoint_url: str | None = Field(
        default=None, description="e.g. http://127.0.0.1:8333 (SeaweedFS, MinIO); unset = AWS"
    )
    s3_access_key_id: SecretStr | None = Field(
        default=None, description="unset: botocore's usual chain (AWS_* variables, instance role)"
    )
    s3_secret_access_key: SecretStr | None = None
    s3_region: str = "us-east-1"
    s3_addressing_style: Literal["auto", "path", "virtual"] = Field(
        default="auto", description="'path' for most self-hosted servers"
    )
    s3_part_size_bytes: int = Field(
        default=8 * 1024**2,
        ge=5 * 1024**2,
        description="multipart part size; an upload in progress holds up to two parts",
    )

    # --- retention ---
    video_retention_days: int | None = Field(
        default=None, ge=1, description="uploads older than this are deleted; unset = kept"
    )
    purge_interval_seconds: float = Field(
        default=3600.0, gt=0, description="how often each API process runs the retention purge"
    )

    # --- sharing ---
    share_default_days: int = Field(default=7, ge=1, le=365)
    share_max_days: int = Field(default=90, ge=1, le=365)
    share_video_ttl_seconds: int = Field(
        default=900, gt=0, description="lifetime of a shared report's signed video URL"
    )
    comment_rate_limit_per_minute: int = Field(
        default=10, gt=0, description="comments per share link and client address"
    )

    # --- jobs ---
    job_deadline_seconds: int = Field(
        default=1800, gt=0, description="No callback by then: forward again with attempt+1"
    )
    max_attempts: int = Field(default=3, ge=1)
    dispatch_interval_seconds: float = Field(default=1.0, gt=0)
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    # --- API service internals (issue 2) ---
    db_pool_size: int | None = Field(
        default=None, ge=1, description="default: 1 on SQLite, 10 on PostgreSQL"
    )
    gc_freeze_on_start: bool = Field(
        default=True, description="API: keep start-up objects out of full GC scans (tests: off)"
    )
    dispatcher_enabled: bool = Field(
        default=True, description="run the outbox dispatcher in the API process"
    )
    dispatch_batch_size: int = Field(default=50, ge=1)
    dispatch_backoff_base_seconds: float = Field(default=1.0, gt=0)
    dispatch_backoff_max_seconds: float = Field(default=300.0, gt=0)
    dispatch_lease_seconds: float = Field(
        default=60.0, gt=0, description="a claimed forward's lease"
    )
    forward_timeout_seconds: float = Field(default=10.0, gt=0)
    sse_heartbeat_seconds: float = Field(default=15.0, gt=0)
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    argon2_parallelism: int = Field(default=4, ge=1)
    estimate_default_seconds: float = Field(
        default=120.0, gt=0, description="processing time of a job before any has completed"
    )
    estimate_seconds_per_video_second: float = Field(default=0.2, gt=0)
    estimate_parallelism: int = Field(
        default=1, ge=1, description="jobs the AI backend runs at once"
    )

    # --- AI backend / workers ---
    allow_private_urls: bool = False
    trusted_video_hosts: list[str] = Field(
        default_factory=list,
        description="host:port pairs the AI backend may download from even when private",
    )
    max_download_bytes: int = Field(default=2 * 1024**3, gt=0)
    ai_unkeyed_forward_from: Annotated[list[IPv4Network | IPv6Network], NoDecode] = Field(
        default_factory=list,
        description="addresses/CIDRs (JSON list or comma-separated) whose forwards need no "
        "X-API-Key, e.g. the original Java backend; empty = the key is always required",
    )
    callback_format: Literal["ext", "seed"] = Field(
        default="ext",
        description="'ext': our API's callbacks (object, progress); 'seed': the original's "
        "(analysisData a JSON string, COMPLETED/FAILED only)",
    )
    worker_processes: int = Field(default_factory=lambda: os.cpu_count() or 1, ge=1)
    queue_name: str = Field(default="interview_jobs", pattern=r"^[A-Za-z0-9_.-]{1,100}$")
    task_time_limit_seconds: int = Field(default=3600, gt=0)
    task_max_retries: int = Field(default=5, ge=0, description="retries of transient failures")
    task_min_backoff_seconds: float = Field(default=5.0, gt=0)
    task_max_backoff_seconds: float = Field(default=300.0, gt=0)
    max_deliveries: int = Field(
        default=3, ge=1, description="a task interrupted this many times (worker died) is FAILED"
    )
    callback_give_up_seconds: float = Field(
        default=3600.0,
        ge=0,
        description="how long a final callback is retried while the API is down",
    )
    worker_shutdown_grace_seconds: float = Field(
        default=60.0,
        ge=0,
        description="on SIGTERM the task in hand may finish this long, then is handed back",
    )

    # --- analysis ---
    asr_model: str = Field(
        default="base",
        description="'base' or 'tiny.en' (bundled pip packages) or a local faster-whisper dir",
    )
    model_cache_dir: Path | None = Field(
        default=None, description="Where the base model's parts are joined (default: user cache)"
    )
    analysis_cpu_threads: int | None = Field(
        default=None, ge=1, description="threads per analysis; default: cores / worker processes"
    )
    analysis_beam_size: int = Field(default=5, ge=1, description="Whisper beam size (1 = greedy)")
    analysis_filler_asr_model: Literal["tiny.en", "base", "none"] = Field(
        default="tiny.en",
        description="the filler pass' Whisper, or 'none': faster, fewer fillers found",
    )
    analysis_frame_sample_fps: float = Field(
        default=2.0, gt=0, le=30, description="Frames per second given to the face mesh"
    )
    analysis_max_duration_seconds: float = Field(
        default=3 * 3600.0, gt=0, description="Longer videos are refused (too_long)"
    )

    @field_validator("ai_unkeyed_forward_from", mode="before")
    @classmethod
    def _networks(cls, value: object) -> object:
        # "10.0.0.5, 192.168.1.0/24" or a JSON list; a host address is its own /32 (or /128).
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else re.split(r"[\s,]+", text)
        if isinstance(value, list):
            return [ip_network(v, strict=False) if isinstance(v, str) else v for v in value if v]
        return value

    @field_validator("cors_allow_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            value = json.loads(text) if text.startswith("[") else re.split(r"[\s,]+", text)
        if not isinstance(value, list):
            return value
        origins = []
        for item in value:
            origin = str(item).strip().rstrip("/")
            if not origin:
                continue
            # Never "any origin": a list of the front ends' own origins, exactly.
            if not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"{origin!r} is not an origin: give scheme://host[:port] of each front end "
                    "('*' is not accepted)"
                )
            origins.append(origin.lower())
        return origins

    @field_validator("storage_url")
    @classmethod
    def _storage_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        scheme, _, rest = value.partition("://")
        if scheme == "s3" and rest.split("/", 1)[0]:
            return value
        if scheme == "file" and rest:
            return value
        raise ValueError(f"{value!r}: use file:///DIR or s3://BUCKET[/prefix]")

    @field_validator("ai_url", "api_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    # ---- derived values ----
    @cached_property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'interview_jobs.db').resolve()}"

    @property
    def is_embedded(self) -> bool:
        return self.broker_url is None

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    def analysis_options(self) -> dict[str, object]:
        """Keyword arguments of ``interview_jobs.analysis.AnalysisOptions`` (kept as plain data so
        this module never imports the analysis stack)."""
        # Each worker process analyses one video at a time: share the cores between them rather
        # than have every process start a thread per core (measured: 2 processes x 2 threads on 2
        # cores ran slower than 1 process).
        cores = os.cpu_count() or 1
        threads = self.analysis_cpu_threads or max(1, cores // self.worker_processes)
        options: dict[str, object] = {"asr_model": self.asr_model, "cpu_threads": threads}
        if self.model_cache_dir is not None:
            options["model_cache_dir"] = self.model_cache_dir
        options["beam_size"] = self.analysis_beam_size
        options["filler_asr_model"] = self.analysis_filler_asr_model
        options["frame_sample_fps"] = self.analysis_frame_sample_fps
        options["max_duration_seconds"] = self.analysis_max_duration_seconds
        return options

    def secret(self, name: str) -> str:
        """The value of a secret field; raises ConfigError if it was never resolved."""
        value: SecretStr | None = getattr(self, name)
        if value is None:
            raise ConfigError(f"INTERVIEW_JOBS_{name.upper()} is not set")
        return value.get_secret_value()

    def accepted_secrets(self, name: str) -> list[str]:
        """Every value of a secret: during a rotation a secret may list several, separated by
        spaces or commas — the new one first. Receivers accept any of them (SECURITY.md)."""
        return split_secrets(self.secret(name))

    def current_secret(self, name: str) -> str:
        """The value to send or sign with: the first one listed."""
        return self.accepted_secrets(name)[0]

    # ---- secrets ----
    def with_secrets(self) -> Settings:
        """Return settings whose secrets are all set.

        Development: missing secrets are generated once and stored in DATA_DIR/secrets.json
        (mode 0600). Production: a missing, short or placeholder secret raises ConfigError.
        """
        if self.environment == "production":
            problems = []
            for name in SECRET_FIELDS:
                if name == "url_signing_secret":
                    continue  # derived from JWT_SECRET when unset
                value = getattr(self, name)
                values = split_secrets(value.get_secret_value() if value else "") or [""]
                if any(
                    raw.lower() in PLACEHOLDER_SECRETS or len(raw) < MIN_SECRET_LENGTH
                    for raw in values
                ):
                    problems.append(f"INTERVIEW_JOBS_{name.upper()}")
            if problems:
                raise ConfigError(
                    "ENVIRONMENT=production needs real secrets (at least "
                    f"{MIN_SECRET_LENGTH} characters, not a placeholder): set {', '.join(problems)}"
                )
            return self
        missing = [name for name in SECRET_FIELDS if getattr(self, name) is None]
        if not missing:
            return self
        stored = _load_or_create_secret_file(self.data_dir / "secrets.json")
        return self.model_copy(update={name: SecretStr(stored[name]) for name in missing})


def split_secrets(value: str) -> list[str]:
    """``"new old"`` or ``"new,old"`` → ``["new", "old"]`` (no secret contains a space or comma:
    ours are URL-safe base64 or ``whsec_`` + base64)."""
    return [part for part in re.split(r"[\s,]+", value.strip()) if part]


def _new_secret(name: str) -> str:
    if name == "webhook_secret":
        return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    return secrets.token_urlsafe(32)


def _load_or_create_secret_file(path: Path) -> dict[str, str]:
    path.parent.mkdir(parents=True, exist_ok=True)
    stored: dict[str, str] = {}
    if path.exists():
        try:
            stored = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise ConfigError(
                f"{path} is not readable JSON ({exc}); delete it to regenerate"
            ) from exc
    changed = False
    for name in SECRET_FIELDS:
        if not stored.get(name):
            stored[name] = _new_secret(name)
            changed = True
    if changed:
        # Write-then-rename so two processes starting together never read a half-written file;
        # O_EXCL on the temp name keeps them from clobbering each other's temp file.
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            json.dump(stored, fh, indent=2)
        if path.exists():
            # Another process may have won the race: keep its values, they may be in use already.
            try:
                winner = json.loads(path.read_text())
                if all(winner.get(n) for n in SECRET_FIELDS):
                    tmp.unlink(missing_ok=True)
                    return dict(winner)
            except (OSError, ValueError):
                pass
        os.replace(tmp, path)
    return stored


def get_settings(**overrides: object) -> Settings:
    """Settings from the environment (plus overrides), with secrets resolved."""
    return Settings(**overrides).with_secrets()  # type: ignore[arg-type]
