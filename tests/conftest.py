"""Shared test plumbing.

Tests that need an outside service (PostgreSQL, a broker, a system tool) call
:func:`require` : locally they skip with the reason, in CI (``CI=true``) they fail, so that a CI
machine with a service down can never pass by skipping.
"""

from __future__ import annotations

import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def require(available: bool, reason: str) -> None:
    """Skip (locally) or fail (in CI) when a needed service or tool is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"CI needs this: {reason}", pytrace=False)
    pytest.skip(reason)
