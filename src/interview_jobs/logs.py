"""Logging for every process: one format, a level from ``INTERVIEW_JOBS_LOG_LEVEL``, and a filter
that masks credentials (bearer tokens, API keys, URL signatures, webhook signatures) so that no
secret reaches a log file even when a library logs a full request."""

from __future__ import annotations

import logging
import os
import re

_PATTERNS = [
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"), r"\1***"),
    (
        re.compile(
            r"(?i)((?:x-api-key|api_key|apikey|password|secret)[\"']?\s*[:=]\s*[\"']?)[^\s\"',&]+"
        ),
        r"\1***",
    ),
    (re.compile(r"(?i)([?&]signature=)[^&\s\"']+"), r"\1***"),
    # share-link tokens: the path is the credential
    (re.compile(r"(/s/|/api/shared/)[A-Za-z0-9_-]+"), r"\1***"),
    (re.compile(r"v1,[A-Za-z0-9+/=]{20,}"), "v1,***"),
    (re.compile(r"whsec_[A-Za-z0-9+/=]+"), "whsec_***"),
]


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


# Their per-request INFO lines would drown ours; warnings still show.
NOISY_LOGGERS = ("pika", "httpx", "httpcore")


def _level() -> str:
    return os.environ.get("INTERVIEW_JOBS_LOG_LEVEL", "INFO").upper()


def _format(process: str) -> str:
    return f"%(asctime)s %(levelname)s [{process}:%(process)d] %(name)s: %(message)s"


def setup_logging(process: str) -> None:
    """Configure the root logger once per process (idempotent)."""
    root = logging.getLogger()
    if any(isinstance(f, RedactingFilter) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(_format(process)))
    handler.addFilter(RedactingFilter())
    root.handlers[:] = [handler]
    root.setLevel(_level())
    for noisy in NOISY_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)


def uvicorn_log_config(process: str) -> dict[str, object]:
    """A ``logging.config.dictConfig`` for ``uvicorn.run(log_config=…)``: every logger (uvicorn's
    access and error logs included) through one handler with :class:`RedactingFilter`. A dict,
    not a call of :func:`setup_logging`, so that uvicorn's worker processes apply it too."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": RedactingFilter}},
        "formatters": {"default": {"format": _format(process)}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["redact"],
            }
        },
        "root": {"handlers": ["default"], "level": _level()},
        "loggers": {
            "uvicorn": {"handlers": [], "propagate": True},
            "uvicorn.error": {"handlers": [], "propagate": True},
            "uvicorn.access": {"handlers": [], "propagate": True},
            **{n: {"level": "WARNING"} for n in NOISY_LOGGERS},
        },
    }
