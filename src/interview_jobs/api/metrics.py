"""Prometheus metrics of one app (its own registry, so several apps can share a process)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

__all__ = ["CONTENT_TYPE_LATEST", "Metrics"]

# Methods are labels as sent; anything else is "other", so that a client inventing methods cannot
# grow the label set (and the children cached below) without bound.
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "interview_jobs_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "interview_jobs_http_request_seconds",
            "HTTP request latency by route",
            ["route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )
        self.jobs_created = Counter(
            "interview_jobs_jobs_created", "Jobs created", registry=self.registry
        )
        self.callbacks = Counter(
            "interview_jobs_callbacks",
            "Callbacks by outcome (applied, repeat, conflict, …)",
            ["outcome"],
            registry=self.registry,
        )
        self.results = Counter(
            "interview_jobs_results_applied",
            "Terminal results of the AI backend applied to a job (counted after commit); a "
            "result applied twice would show as more COMPLETED here than COMPLETED jobs",
            ["status"],
            registry=self.registry,
        )
        self.forwards = Counter(
            "interview_jobs_forwards",
            "Forwards to the AI backend by outcome (accepted, retry, rejected)",
            ["outcome"],
            registry=self.registry,
        )
        self.deadlines = Counter(
            "interview_jobs_deadlines",
            "Jobs past their deadline by action (reforwarded, failed)",
            ["action"],
            registry=self.registry,
        )

        # (method, route, status) -> the labelled children: ``labels()`` costs as much as the rest
        # of recording a request.
        self._request_children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """One HTTP request: ``route`` is its template ("unmatched" when no route matched)."""
        method = method if method in _METHODS else "other"
        key = (method, route, status)
        children = self._request_children.get(key)
        if children is None:
            children = self._request_children[key] = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(route),
            )
        children[0].inc()
        children[1].observe(seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)
