"""Upload and download throughput through the API — to S3 (a real SeaweedFS) and to the local
disk — and the API process's memory during a large upload.

    .venv/bin/python bench/storage_throughput.py               # a 500 MB file, 2 rounds each
    .venv/bin/python bench/storage_throughput.py --mb 100 --rounds 1

The path is the user's: an `interview-jobs api` process on loopback (SQLite, one process), the
file sent as multipart/form-data by httpx from disk (as the CLI does), then read back whole by a
GET of its content. Each store gets its own API process on a fresh data directory; SeaweedFS
(`weed mini`) runs on the same machine, in a temporary directory. Printed per store: upload and
download MB/s (the best of the rounds and the median), the ratio S3 / disk, and the API's
resident memory (RSS, sampled every 20 ms) before the upload and at its peak during the upload —
the upload is streamed, so the peak should stay flat whatever the file's size (one S3 part,
``S3_PART_SIZE_BYTES``, is held at a time). A baseline in the same run: the same file put into
SeaweedFS straight with aiobotocore (multipart, the same part size, no API in between), which
says how much of the S3 figure is SeaweedFS itself.

Measured on a shared, loaded machine (2 cores, other work running): compare the ratios, not the
absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.seaweed import running_seaweed  # noqa: E402
from tests.support.servers import free_port  # noqa: E402
from tests.support.system import TEST_SECRETS, Process, wait_http  # noqa: E402

MB = 1_000_000
PART = 8 * 1024 * 1024
MP4_HEAD = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"


def load_average() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def make_file(path: Path, size: int) -> None:
    """Sniffs as MP4; the rest incompressible bytes (no store gets an easy ride)."""
    block = os.urandom(4 * 1024 * 1024)
    with path.open("wb") as fh:
        fh.write(MP4_HEAD)
        written = len(MP4_HEAD)
        while written < size:
            piece = block[: size - written]
            fh.write(piece)
            written += len(piece)


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class RssSampler:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss_bytes(self.pid))
            time.sleep(0.02)


def api_process(workdir: Path, env: dict[str, str], name: str) -> tuple[Process, str]:
    port = free_port()
    full_env = {
        **TEST_SECRETS,
        "INTERVIEW_JOBS_DATA_DIR": str(workdir / f"data-{name}"),
        "INTERVIEW_JOBS_MAX_UPLOAD_BYTES": str(4 * 1024**3),
        "INTERVIEW_JOBS_DISPATCHER_ENABLED": "false",
        "INTERVIEW_JOBS_ARGON2_TIME_COST": "1",
        "INTERVIEW_JOBS_ARGON2_MEMORY_KIB": "8192",
        **env,
    }
    migrate = Process(f"migrate-{name}", ["db", "upgrade"], full_env, workdir).start()
    assert migrate.proc is not None and migrate.proc.wait(timeout=120) == 0, migrate.log_tail()
    api = Process(
        f"api-{name}", ["api", "--port", str(port), "--log-level", "warning"], full_env, workdir
    ).start()
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/ready", proc=api)
    return api, url


def token(url: str) -> str:
    body = {"username": "bench", "password": "bench-password-123"}
    httpx.post(f"{url}/api/auth/register", json=body, timeout=30).raise_for_status()
    r = httpx.post(f"{url}/api/auth/login", json=body, timeout=30)
    r.raise_for_status()
    return str(r.json()["accessToken"])


def measure(api: Process, url: str, path: Path, rounds: int) -> dict[str, list[float] | int]:
    headers = {"Authorization": f"Bearer {token(url)}"}
    size = path.stat().st_size
    ups: list[float] = []
    downs: list[float] = []
    baseline = rss_bytes(api.pid)
    peak = 0
    with httpx.Client(timeout=httpx.Timeout(600, connect=10)) as client:
        for _ in range(rounds):
            with path.open("rb") as fh, RssSampler(api.pid) as sampler:
                started = time.perf_counter()
                r = client.post(
                    f"{url}/api/files",
                    files={"file": ("big.mp4", fh, "video/mp4")},
                    headers=headers,
                )
                took = time.perf_counter() - started
            assert r.status_code == 201, r.text
            peak = max(peak, sampler.peak)
            ups.append(size / MB / took)
            file_id = r.json()["id"]
            started = time.perf_counter()
            received = 0
            with client.stream("GET", f"{url}/api/files/{file_id}/content", headers=headers) as s:
                assert s.status_code == 200
                for chunk in s.iter_bytes(1024 * 1024):
                    received += len(chunk)
            took = time.perf_counter() - started
            assert received == size, (received, size)
            downs.append(size / MB / took)
            client.delete(f"{url}/api/files/{file_id}", headers=headers).raise_for_status()
    return {"up": ups, "down": downs, "rss_before": baseline, "rss_peak": peak}


async def direct_put(settings: dict[str, str], bucket: str, path: Path) -> float:
    """MB/s of a multipart upload straight into SeaweedFS (no API): the store's own speed."""
    from aiobotocore.config import AioConfig
    from aiobotocore.session import get_session

    config = AioConfig(
        s3={"addressing_style": "path"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    async with get_session().create_client(
        "s3",
        endpoint_url=settings["s3_endpoint_url"],
        aws_access_key_id=settings["s3_access_key_id"],
        aws_secret_access_key=settings["s3_secret_access_key"],
        region_name="us-east-1",
        config=config,
    ) as s3:
        await s3.create_bucket(Bucket=bucket)
        started = time.perf_counter()
        upload = await s3.create_multipart_upload(Bucket=bucket, Key="direct")
        parts = []
        with path.open("rb") as fh:
            number = 1
            while chunk := fh.read(PART):
                answer = await s3.upload_part(
                    Bucket=bucket,
                    Key="direct",
                    UploadId=upload["UploadId"],
                    PartNumber=number,
                    Body=chunk,
                )
                parts.append({"PartNumber": number, "ETag": answer["ETag"]})
                number += 1
        await s3.complete_multipart_upload(
            Bucket=bucket,
            Key="direct",
            UploadId=upload["UploadId"],
            MultipartUpload={"Parts": parts},
        )
        took = time.perf_counter() - started
        await s3.delete_object(Bucket=bucket, Key="direct")
    return path.stat().st_size / MB / took


def summary(values: list[float]) -> str:
    return f"{max(values):7.1f} best {statistics.median(values):7.1f} median"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mb", type=int, default=500, help="file size in MB (10^6 bytes)")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"load average at start: {load_average()} ({os.cpu_count()} cores)", flush=True)
    results: dict[str, dict[str, list[float] | int]] = {}
    with tempfile.TemporaryDirectory(prefix="ij-storage-bench-") as tmp:
        workdir = Path(tmp)
        path = workdir / "big.mp4"
        make_file(path, args.mb * MB)
        with running_seaweed(workdir) as seaweed:
            direct = asyncio.run(direct_put(seaweed.settings(), "bench-direct", path))
            print(f"SeaweedFS direct multipart put (aiobotocore): {direct:.1f} MB/s", flush=True)
            stores = {
                "disk": {},
                "s3": {
                    **seaweed.env("s3://bench-api"),
                    "INTERVIEW_JOBS_S3_PART_SIZE_BYTES": str(PART),
                },
            }
            for name, env in stores.items():
                api, url = api_process(workdir, env, name)
                try:
                    results[name] = measure(api, url, path, args.rounds)
                finally:
                    api.stop()
                r = results[name]
                print(
                    f"{name:>5}: upload {summary(r['up'])}  download {summary(r['down'])}  MB/s"
                    f"  RSS {r['rss_before'] / 2**20:.0f} → peak {r['rss_peak'] / 2**20:.0f} MiB",
                    flush=True,
                )
    disk, s3 = results["disk"], results["s3"]
    print(f"\n{args.mb} MB file, {args.rounds} rounds; load average at end: {load_average()}")
    print(f"{'store':<7}{'upload MB/s':>12}{'download MB/s':>15}{'RSS before':>12}{'RSS peak':>10}")
    for name, r in results.items():
        print(
            f"{name:<7}{statistics.median(r['up']):>12.1f}{statistics.median(r['down']):>15.1f}"
            f"{r['rss_before'] / 2**20:>10.0f}Mi{r['rss_peak'] / 2**20:>8.0f}Mi"
        )
    up_ratio = statistics.median(s3["up"]) / statistics.median(disk["up"])
    down_ratio = statistics.median(s3["down"]) / statistics.median(disk["down"])
    print(f"S3 / disk: upload {up_ratio:.2f}×, download {down_ratio:.2f}×")
    print(f"S3 through the API / SeaweedFS direct: {statistics.median(s3['up']) / direct:.2f}×")
    for name, r in results.items():
        grew = (r["rss_peak"] - r["rss_before"]) / 2**20
        print(f"API RSS growth during a {args.mb} MB upload ({name}): {grew:+.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
