"""A sliding-minute limiter of events per (subject, client address): failed logins per username
(a brute-force brake) and comments posted per share link.

In memory, per API process: with several replicas an attacker gets ``replicas x limit`` tries per
minute, which is still a brute-force brake; a shared store is the upgrade if that matters.
"""

from __future__ import annotations

import math
import time
from collections import deque


class RateLimiter:
    WINDOW_SECONDS = 60.0
    MAX_KEYS = 100_000  # bound the memory an attacker can make us use

    def __init__(self, limit_per_minute: int) -> None:
        self.limit = limit_per_minute
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, subject: str, client: str) -> int | None:
        """Seconds to wait if this pair is blocked now, else None."""
        window = self._window(subject, client, time.monotonic())
        if window is None or len(window) < self.limit:
            return None
        return max(1, math.ceil(window[0] + self.WINDOW_SECONDS - time.monotonic()))

    def hit(self, subject: str, client: str) -> None:
        """Count one event of this pair now."""
        now = time.monotonic()
        key = (subject.lower(), client)
        window = self._window(subject, client, now)
        if window is None:
            if len(self._failures) >= self.MAX_KEYS:
                self._evict(now)
            window = self._failures[key] = deque()
        window.append(now)

    def clear(self, subject: str, client: str) -> None:
        self._failures.pop((subject.lower(), client), None)

    def _window(self, subject: str, client: str, now: float) -> deque[float] | None:
        window = self._failures.get((subject.lower(), client))
        if window is not None:
            while window and window[0] <= now - self.WINDOW_SECONDS:
                window.popleft()
        return window

    def _evict(self, now: float) -> None:
        for key in [k for k, w in self._failures.items() if not w or w[-1] <= now - 60]:
            del self._failures[key]
        if len(self._failures) >= self.MAX_KEYS:
            self._failures.clear()
