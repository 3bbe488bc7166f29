"""The one HTTP layer for arXiv: network switch, a shared rate limit and default timeouts.

arXiv asks API users for no more than one request every three seconds; the limit is kept here for every request
(API pages and PDF downloads alike), not by each caller.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import requests

ARXIV_DELAY_S = 3.0
DEFAULT_TIMEOUT_S = 30.0
USER_AGENT = "claimcheck (research claim checker; one request per 3 s)"


class RateLimiter:
    """Blocks until at least `min_interval` seconds have passed since the previous call returned."""

    def __init__(
        self,
        min_interval: float = ARXIV_DELAY_S,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.min_interval = min_interval
        self._clock = clock
        self._sleep = sleep
        self._last: float | None = None
        self._lock = threading.Lock()

    def wait(self) -> None:
        with self._lock:
            if self._last is not None:
                remaining = self.min_interval - (self._clock() - self._last)
                if remaining > 0:
                    self._sleep(remaining)
            self._last = self._clock()


class PoliteSession(requests.Session):
    """A requests session that waits on the rate limiter and never waits forever for an answer."""

    def __init__(self, limiter: RateLimiter | None = None, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        super().__init__()
        self.limiter = limiter or RateLimiter()
        self.timeout = timeout
        self.headers["User-Agent"] = USER_AGENT

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        kwargs.setdefault("timeout", self.timeout)
        self.limiter.wait()
        return super().request(method, url, *args, **kwargs)
