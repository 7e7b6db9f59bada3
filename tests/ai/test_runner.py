"""The warm analysis child: it lives as long as its parent process (not its starting thread),
ends cleanly when closed idle, and does not outlive a parent that was killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from interview_jobs.ai.runner import AnalysisProcess
from interview_jobs.config import get_settings

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


def _options(tmp_path: Path) -> dict[str, object]:
    return get_settings(data_dir=tmp_path, asr_model="tiny.en").analysis_options()


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_child_started_from_a_thread_that_ended_lives_on(tmp_path: Path) -> None:
    # `prestart` starts children from short-lived threads; they must serve jobs afterwards.
    process = AnalysisProcess(_options(tmp_path))
    starter = threading.Thread(target=process.start)
    starter.start()
    starter.join()
    try:
        time.sleep(1.5)
        assert process.pid is not None, f"the child died with its thread: {process.exit_code}"
    finally:
        process.close()
    assert process.exit_code == 0, "an idle child asked to stop exits by itself, not killed"


def test_the_child_does_not_outlive_a_killed_parent(tmp_path: Path) -> None:
    script = (
        "import sys, time\n"
        "from interview_jobs.ai.runner import AnalysisProcess\n"
        "from interview_jobs.config import get_settings\n"
        "if __name__ == '__main__':\n"
        f"    p = AnalysisProcess(get_settings(data_dir={str(tmp_path)!r}, asr_model='tiny.en')"
        ".analysis_options())\n"
        "    p.start()\n"
        "    print(p.pid, flush=True)\n"
        "    time.sleep(600)\n"
    )
    path = tmp_path / "parent.py"
    path.write_text(script)
    with subprocess.Popen(
        [sys.executable, str(path)], stdout=subprocess.PIPE, cwd=ROOT, text=True
    ) as parent:
        try:
            assert parent.stdout is not None
            child = int(parent.stdout.readline())
            assert _alive(child)
            os.kill(parent.pid, signal.SIGKILL)
            parent.wait(timeout=10)
            deadline = time.monotonic() + 20
            while _alive(child) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _alive(child), "the analysis child outlived its parent"
        finally:
            if parent.poll() is None:
                parent.kill()
