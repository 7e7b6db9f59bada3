"""``interview-jobs progress`` as a user runs it (a subprocess) against a real API over HTTP: the
table with its trend, --category, --json, a bad parameter, and no attempts yet."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from interview_jobs.api import migrate
from interview_jobs.api.app import create_app
from tests.api.conftest import PASSWORD, make_settings, running, serve
from tests.api.test_callback import post_callback
from tests.api.test_progress import answer, v1_analysis, v2_analysis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Api:
    def __init__(self, url: str, config_home: Path) -> None:
        self.url = url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("INTERVIEW_JOBS_")}
        self.env.update(XDG_CONFIG_HOME=str(config_home), COLUMNS="110", NO_COLOR="1")
        self.env["INTERVIEW_JOBS_API_URL"] = url

    async def cli(self, *args: str, stdin: str | None = None) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "interview_jobs.cli",
            *args,
            env=self.env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(stdin.encode() if stdin else None), 60)
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()


@pytest.fixture
async def api(tmp_path: Path) -> AsyncIterator[tuple[Api, httpx.AsyncClient]]:
    url = f"sqlite+aiosqlite:///{tmp_path / 'api.db'}"
    await asyncio.to_thread(migrate.upgrade, url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app = create_app(make_settings(tmp_path / "data", url, api_url=base))
    async with running(app), serve(app, port), httpx.AsyncClient(base_url=base) as client:
        yield Api(base, tmp_path / "config"), client


async def _complete(client: httpx.AsyncClient, auth: dict[str, str], analysis: Any) -> None:
    r = await client.post(
        "/api/interview/analyze", json={"videoUrl": "https://v.example.com/a.mp4"}, headers=auth
    )
    assert r.status_code == 202, r.text
    r = await post_callback(
        client,
        {"jobId": r.json()["jobId"], "status": "COMPLETED", "analysisData": json.dumps(analysis)},
    )
    assert r.status_code == 200, r.text


async def test_progress_table_category_json_and_errors(
    api: tuple[Api, httpx.AsyncClient],
) -> None:
    runner, client = api
    code, _, err = await runner.cli(
        "signup", "--username", "carol", "--password-stdin", stdin=PASSWORD + "\n"
    )
    assert code == 0, err
    code, out, err = await runner.cli("progress")
    assert code == 0, err
    assert "No completed interviews yet." in err and out == ""

    r = await client.post("/api/auth/login", json={"username": "carol", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {r.json()['accessToken']}"}
    await _complete(client, auth, v1_analysis(50))
    for score in (60, 80):
        beh = answer(
            0, question_id="beh-001", category="behavioural", start=0, end=75, score=score,
            text="Tell me about a time you fixed a problem.",
        )  # fmt: skip
        await _complete(client, auth, v2_analysis(score, [beh]))

    code, out, err = await runner.cli("progress")
    assert code == 0, err
    assert "Your progress (3 attempts" in out
    rows = {line.split("  ")[0].strip(): line for line in out.splitlines()}
    score_row = rows["Overall score"]
    # latest 80, average (50 + 60 + 80) / 3 = 63, +17 above it, best 80, a rising trend
    assert score_row.split()[2:6] == ["80", "63", "+17", "80"]
    assert score_row.rstrip().endswith("▁▃█")  # 50, 60, 80 on 8 levels
    assert "Content score" in rows and "STAR completeness" in rows
    assert "Tell me about a time you fixed a problem. (beh-001)" in out  # asked twice
    assert "1:15" in rows["Answer length"]

    code, out, err = await runner.cli("progress", "--category", "behavioural")
    assert code == 0, err
    assert "2 attempts · category behavioural" in out

    code, out, err = await runner.cli("progress", "--json", "--from", "2000-01-01")
    assert code == 0, err
    body = json.loads(out)
    assert body["attempts"] == 3 and body["series"]["score"] == [50, 60, 80]

    code, out, err = await runner.cli("progress", "--category", "cooking")
    assert code == 3
    assert "category" in err and out == ""
    code, out, err = await runner.cli("progress", "--to", "2001-01-01")
    assert code == 0
    assert "No completed interviews yet in that time." in err
