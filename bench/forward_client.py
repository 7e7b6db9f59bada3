"""CPU per forward: the dispatcher's HTTP client, httpx against aiohttp (why the API uses aiohttp).

    .venv/bin/python bench/forward_client.py [--posts 3000] [--rounds 2]

Both clients POST a forward-sized JSON body to the stub AI backend of bench/api_throughput.py
(its own uvicorn process), four at a time as the dispatcher does, over kept-alive connections
on uvloop. Printed: this process's CPU time per POST (the stub's is not counted), alternating
the clients for ``--rounds`` rounds. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp
import httpx
import uvloop
from api_throughput import free_port, server

CONCURRENCY = 4  # interview_jobs.api.dispatch.MAX_CONCURRENT_POSTS
BODY = {
    "jobId": "0f8fad5b-d9cb-469f-a165-70867728950e",
    "videoUrl": "http://127.0.0.1:8000/api/files/1/content?expires=1796563200&signature=abc",
    "analysisType": "comprehensive",
    "userId": "1",
    "fileId": 1,
    "callbackUrl": "http://127.0.0.1:8000/api/interview/callback",
    "attempt": 1,
}
HEADERS = {"X-API-Key": "bench-key"}


async def _cpu_per_post(post: Callable[[], Awaitable[int]], posts: int) -> float:
    gate = asyncio.Semaphore(CONCURRENCY)

    async def one() -> None:
        async with gate:
            status = await post()
            if status != 202:
                raise RuntimeError(f"stub answered {status}")

    await asyncio.gather(*(one() for _ in range(200)))  # warm-up: connections, caches
    started = time.process_time()
    await asyncio.gather(*(one() for _ in range(posts)))
    return (time.process_time() - started) / posts


async def with_httpx(url: str, posts: int) -> float:
    async with httpx.AsyncClient(timeout=10) as client:

        async def post() -> int:
            return (await client.post(url, json=BODY, headers=HEADERS)).status_code

        return await _cpu_per_post(post, posts)


async def with_aiohttp(url: str, posts: int) -> float:
    timeout = aiohttp.ClientTimeout(total=10)
    async with aiohttp.ClientSession(timeout=timeout) as session:

        async def post() -> int:
            async with session.post(url, json=BODY, headers=HEADERS) as response:
                await response.read()
                return response.status

        return await _cpu_per_post(post, posts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--posts", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    app_dir = ["--app-dir", str(Path(__file__).parent)]
    with server("api_throughput:stub_ai_app", free_port(), dict(os.environ), *app_dir) as stub:
        url = f"{stub}/api/v1/interview/analyze"
        results: dict[str, list[float]] = {"httpx": [], "aiohttp": []}
        for _ in range(args.rounds):
            results["httpx"].append(uvloop.run(with_httpx(url, args.posts)))
            results["aiohttp"].append(uvloop.run(with_aiohttp(url, args.posts)))
    for name, runs in results.items():
        rounds = ", ".join(f"{1e6 * r:.0f}" for r in runs)
        print(f"{name:8} CPU per POST: {1e6 * min(runs):6.0f} us (rounds: {rounds} us)")
    print(f"ratio httpx / aiohttp: {min(results['httpx']) / min(results['aiohttp']):.1f}x")


if __name__ == "__main__":
    main()
