"""The serving commands as an operator runs them (issue 13, "fail fast, fail clearly"):

* ``up`` beside a running system stops at once with "port N is in use" (before: it read the
  other instance's /health, said "up", and its own API restarted forever), and so do ``api`` and
  ``ai`` on a taken port;
* a supervised child whose failure a restart cannot fix stops the supervisor;
* a normal shutdown (Ctrl-C: SIGINT to the whole process group) after a job prints no
  "leaked semaphore objects".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from interview_jobs.supervise import EXIT_PORT_IN_USE, Program, Supervisor
from interview_jobs.system import PortInUse, bind_port
from tests.media.generate import make_clip
from tests.support.servers import free_port
from tests.support.system import TEST_SECRETS, Client, Process, wait_http

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("processes-media") / "clip.mp4"
    make_clip(path, 5)
    return path


def _run(args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "interview_jobs.cli", *args],
        env={**os.environ, **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    return done.returncode, done.stdout + done.stderr


def test_bind_port_tells_a_taken_port(tmp_path: Path) -> None:
    taken = bind_port("127.0.0.1", 0)
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(PortInUse, match=f"port {port} is in use"):
            bind_port("127.0.0.1", port)
    finally:
        taken.close()
    bind_port("127.0.0.1", port).close()  # free again


@pytest.fixture(scope="module")
def running_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Process, int, int]]:
    workdir = tmp_path_factory.mktemp("processes-up")
    port, ai_port = free_port(), free_port()
    env = {
        **TEST_SECRETS,
        "INTERVIEW_JOBS_DATA_DIR": str(workdir / "data"),
        "INTERVIEW_JOBS_ASR_MODEL": "tiny.en",
        "INTERVIEW_JOBS_WORKER_PROCESSES": "1",
        "INTERVIEW_JOBS_ARGON2_TIME_COST": "1",
        "INTERVIEW_JOBS_ARGON2_MEMORY_KIB": "8192",
        "INTERVIEW_JOBS_ARGON2_PARALLELISM": "1",
    }
    up = Process("up", ["up", "--port", str(port), "--ai-port", str(ai_port)], env, workdir)
    up.start()
    try:
        wait_http(f"http://127.0.0.1:{port}/health", proc=up)
        wait_http(f"http://127.0.0.1:{ai_port}/ready", proc=up)
        yield up, port, ai_port
    finally:
        up.stop()


def test_a_second_up_and_api_and_ai_stop_on_a_taken_port(
    running_up: tuple[Process, int, int], tmp_path: Path
) -> None:
    up, port, ai_port = running_up
    env = {k: v for k, v in up.env.items() if k.startswith("INTERVIEW_JOBS_")}
    code, output = _run(["up", "--port", str(port), "--ai-port", str(ai_port)], env, tmp_path)
    assert code == EXIT_PORT_IN_USE, output
    assert f"port {port} is in use" in output
    assert "is up" not in output
    code, output = _run(
        ["up", "--port", str(free_port()), "--ai-port", str(ai_port)], env, tmp_path
    )
    assert code == EXIT_PORT_IN_USE and f"port {ai_port} is in use" in output, output
    code, output = _run(["api", "--port", str(port)], env, tmp_path)
    assert code == EXIT_PORT_IN_USE and f"port {port} is in use" in output, output
    code, output = _run(["ai", "--port", str(ai_port)], env, tmp_path)
    assert code == EXIT_PORT_IN_USE and f"port {ai_port} is in use" in output, output
    assert up.alive(), "the running system is untouched"


def test_ctrl_c_after_a_job_stops_cleanly(running_up: tuple[Process, int, int], clip: Path) -> None:
    up, port, _ = running_up
    client = Client(f"http://127.0.0.1:{port}").signup("shutdown")
    try:
        job = client.analyze(fileId=client.upload(clip)["id"], analysisType="speech")
        assert client.wait(job["jobId"], timeout=180)["status"] == "COMPLETED", up.log_tail()
    finally:
        client.close()
    assert up.proc is not None
    os.killpg(up.pid, signal.SIGINT)  # what a terminal's Ctrl-C does
    assert up.proc.wait(timeout=60) == 0, up.log_tail()
    log = up.log_path.read_text()
    assert "Application shutdown complete" in log
    assert "leaked semaphore" not in log, up.log_tail(20)
    assert "resource_tracker" not in log, up.log_tail(20)


def test_a_child_that_cannot_start_stops_the_supervisor() -> None:
    """A child exiting "port in use" is not restarted forever: the others are stopped and the
    supervisor returns that code."""
    supervisor = Supervisor(
        [
            Program("taken", [sys.executable, "-c", f"raise SystemExit({EXIT_PORT_IN_USE})"]),
            Program("other", [sys.executable, "-c", "import time; time.sleep(120)"]),
        ],
        stop_timeout=10,
    )
    result: list[int] = []
    runner = threading.Thread(target=lambda: result.append(supervisor.run()), daemon=True)
    runner.start()
    runner.join(timeout=30)
    if runner.is_alive():
        supervisor.stop()
        runner.join(timeout=30)
        pytest.fail("the supervisor kept restarting a child that cannot start")
    assert result == [EXIT_PORT_IN_USE]
    assert supervisor.pids() == {}, "the other child was stopped too"


def test_a_child_that_dies_otherwise_is_restarted(tmp_path: Path) -> None:
    marker = tmp_path / "starts"
    script = (
        "import pathlib, sys, time\n"
        f"p = pathlib.Path({str(marker)!r})\n"
        "n = int(p.read_text()) if p.exists() else 0\n"
        "p.write_text(str(n + 1))\n"
        "sys.exit(1) if n == 0 else time.sleep(120)\n"
    )
    supervisor = Supervisor([Program("flaky", [sys.executable, "-c", script])], stop_timeout=10)
    runner = threading.Thread(target=supervisor.run, daemon=True)
    runner.start()
    try:
        deadline = time.monotonic() + 20
        while not (marker.exists() and marker.read_text() == "2" and supervisor.all_running()):
            assert time.monotonic() < deadline, "the crashed child was not restarted"
            time.sleep(0.2)
    finally:
        supervisor.stop()
        runner.join(timeout=30)


@pytest.mark.parametrize("command", [["up"], ["ai"]])
def test_a_bad_unkeyed_source_stops_the_command_naming_the_setting(
    command: list[str], tmp_path: Path
) -> None:
    env = {
        "INTERVIEW_JOBS_DATA_DIR": str(tmp_path / "data"),
        "INTERVIEW_JOBS_AI_UNKEYED_FORWARD_FROM": "java-backend",
    }
    code, output = _run([*command, "--port", str(free_port())], env, tmp_path)
    assert code == 2, output
    assert "configuration error" in output and "ai_unkeyed_forward_from" in output
    assert "'java-backend' does not appear to be an IPv4 or IPv6 network" in output
