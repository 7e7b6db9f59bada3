"""Login brute-force limiter: failed logins per (username, client address) in a sliding minute.

In memory, per API process: with several replicas an attacker gets ``replicas x limit`` tries per
minute, which is still a brute-force brake; a shared store is the upgrade if that matters.
"""

from __future__ import annotations

import math
import time
from collections import deque


class LoginRateLimiter:
    WINDOW_SECONDS = 60.0
    MAX_KEYS = 100_000  # bound the memory an attacker can make us use

    def __init__(self, limit_per_minute: int) -> None:
        self.limit = limit_per_minute
        self._failures: dict[tuple[str, str], deque[float]] = {}

    def retry_after(self, username: str, client: str) -> int | None:
        """Seconds to wait if this pair is blocked now, else None."""
        window = self._window(username, client, time.monotonic())
        if window is None or len(window) < self.limit:
            return None
        return max(1, math.ceil(window[0] + self.WINDOW_SECONDS - time.monotonic()))

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        key = (username.lower(), client)
        window = self._window(username, client, now)
        if window is None:
            if len(self._failures) >= self.MAX_KEYS:
                self._evict(now)
            window = self._failures[key] = deque()
        window.append(now)

    def succeeded(self, username: str, client: str) -> None:
        self._failures.pop((username.lower(), client), None)

    def _window(self, username: str, client: str, now: float) -> deque[float] | None:
        window = self._failures.get((username.lower(), client))
        if window is not None:
            while window and window[0] <= now - self.WINDOW_SECONDS:
                window.popleft()
        return window

    def _evict(self, now: float) -> None:
        for key in [k for k, w in self._failures.items() if not w or w[-1] <= now - 60]:
            del self._failures[key]
        if len(self._failures) >= self.MAX_KEYS:
            self._failures.clear()
