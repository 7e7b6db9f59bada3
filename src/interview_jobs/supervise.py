"""A small process supervisor: keeps a set of commands running, restarts one that dies (with a
backoff), forwards SIGTERM/SIGINT, and waits for a graceful stop. Used by ``interview-jobs up``
(API + AI backend) and ``interview-jobs worker --processes N``.

A child that exits with one of :data:`FATAL_EXIT_CODES` (its configuration is wrong, its port is
taken) would fail the same way again: the supervisor stops the others and exits with that code
instead of restarting it forever."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType

log = logging.getLogger(__name__)

# Exit codes of our commands that a restart cannot fix.
EXIT_CONFIG_ERROR = 2  # "configuration error: …" (also typer's usage errors)
EXIT_PORT_IN_USE = 3  # "port N is in use"
FATAL_EXIT_CODES = frozenset({EXIT_CONFIG_ERROR, EXIT_PORT_IN_USE})

BACKOFF_MIN = 1.0
BACKOFF_MAX = 30.0
HEALTHY_AFTER = 60.0  # a process that ran this long restarts with the minimum backoff again


@dataclass
class Program:
    name: str
    argv: Sequence[str]
    env: dict[str, str] | None = None
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = 0.0
    backoff: float = BACKOFF_MIN
    restart_at: float | None = None


class Supervisor:
    def __init__(self, programs: Sequence[Program], *, stop_timeout: float) -> None:
        self.programs = list(programs)
        self.stop_timeout = stop_timeout
        self._stopping = threading.Event()
        self._exit_code = 0

    def _start(self, program: Program) -> None:
        env = {**os.environ, **(program.env or {})}
        program.proc = subprocess.Popen(list(program.argv), env=env)  # noqa: S603
        program.started_at = time.monotonic()
        program.restart_at = None
        log.info("started %s (pid %d)", program.name, program.proc.pid)

    def pids(self) -> dict[str, int]:
        return {
            p.name: p.proc.pid
            for p in self.programs
            if p.proc is not None and p.proc.poll() is None
        }

    def all_running(self) -> bool:
        return all(p.proc is not None and p.proc.poll() is None for p in self.programs)

    def stop(self) -> None:
        self._stopping.set()

    def install_signal_handlers(self) -> None:
        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("%s received: stopping", signal.Signals(signum).name)
            self.stop()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)

    def run(self, on_tick: Callable[[], None] | None = None) -> int:
        for program in self.programs:
            self._start(program)
        while not self._stopping.wait(0.5):
            now = time.monotonic()
            for program in self.programs:
                assert program.proc is not None
                code = program.proc.poll()
                if code is None:
                    continue
                if code in FATAL_EXIT_CODES:
                    log.error(
                        "%s (pid %d) exited with %s, which a restart cannot fix; stopping",
                        program.name,
                        program.proc.pid,
                        code,
                    )
                    self._exit_code = code
                    self._stopping.set()
                    break
                if program.restart_at is None:
                    if now - program.started_at > HEALTHY_AFTER:
                        program.backoff = BACKOFF_MIN
                    program.restart_at = now + program.backoff
                    log.error(
                        "%s (pid %d) exited with %s; restarting in %.0f s",
                        program.name,
                        program.proc.pid,
                        code,
                        program.backoff,
                    )
                    program.backoff = min(BACKOFF_MAX, program.backoff * 2)
                elif now >= program.restart_at:
                    self._start(program)
            if on_tick is not None and not self._stopping.is_set():
                on_tick()
        self._shutdown()
        return self._exit_code

    def _shutdown(self) -> None:
        for program in self.programs:
            if program.proc is not None and program.proc.poll() is None:
                program.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_timeout
        for program in self.programs:
            if program.proc is None:
                continue
            try:
                program.proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("%s did not stop in time; killing it", program.name)
                program.proc.kill()
                program.proc.wait()
