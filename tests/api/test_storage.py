"""The S3 store against a real SeaweedFS: the bucket made at start-up (or start-up stopped saying
why), and a store that goes down — 503 in the error shape, nothing half-written left behind,
everything working again once it is back; an account's erasure on S3. (The file tests that both
stores pass are in test_files.py.)"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
import pytest
from fastapi import FastAPI

from interview_jobs.api.app import create_app
from interview_jobs.api.files.store import S3Store, build_store
from interview_jobs.config import ConfigError, Settings
from tests.api.conftest import PASSWORD, login, make_settings, mp4_bytes, running, upload
from tests.conftest import SHARED_BUCKET, require_weed, s3_bucket_name
from tests.support.seaweed import Seaweed, running_seaweed
from tests.support.servers import free_port

PART = 5 * 1024 * 1024


def s3_settings(
    data_dir: Path, database_url: str, server: Seaweed, bucket: str, **overrides: Any
) -> Settings:
    return make_settings(
        data_dir,
        database_url,
        storage_url=f"s3://{bucket}/v",
        s3_part_size_bytes=PART,
        **{**server.settings(), **overrides},
    )


async def bucket_names(settings: Settings, remove: str | None = None) -> set[str]:
    """The server's buckets, seen through a store on the shared bucket (``remove``: delete
    that bucket, emptied, afterwards)."""
    store = build_store(settings)
    assert isinstance(store, S3Store)
    await store.start()
    try:
        answer = await store.client.list_buckets()
        names = {b["Name"] for b in answer.get("Buckets", [])}
        if remove in names:
            listed = await store.client.list_objects_v2(Bucket=remove)
            for item in listed.get("Contents", []):
                await store.client.delete_object(Bucket=remove, Key=item["Key"])
            await store.client.delete_bucket(Bucket=remove)
        return names
    finally:
        await store.aclose()


async def test_a_missing_bucket_is_created_at_start_up(
    seaweed: Seaweed, tmp_path: Path, fresh_db: str
) -> None:
    bucket = s3_bucket_name("new")
    settings = s3_settings(tmp_path, fresh_db, seaweed, bucket)
    shared = s3_settings(tmp_path, fresh_db, seaweed, SHARED_BUCKET)
    assert bucket not in await bucket_names(shared)
    try:
        async with running(create_app(settings)) as app:
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
                r = await client.get("/ready")
                assert r.status_code == 200 and r.json()["storage"] == "ok"
        assert bucket in await bucket_names(shared)
        # A second process finds it there and starts as well.
        async with running(create_app(settings)):
            pass
    finally:
        await bucket_names(shared, remove=bucket)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"s3_secret_access_key": "not-the-secret-key-000"}, "cannot be used"),
        ({"bucket": "Not_A_Valid_Bucket"}, "is missing and cannot be created"),
        ({"s3_endpoint_url": "closed"}, "does not answer"),
        ({"s3_access_key_id": None, "s3_secret_access_key": None}, "No credentials"),
    ],
)
async def test_a_store_that_cannot_be_used_stops_start_up_saying_why(
    seaweed: Seaweed,
    tmp_path: Path,
    fresh_db: str,
    change: dict[str, Any],
    words: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # botocore's own credential chain finds nothing either (and never asks a metadata address).
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    change = dict(change)
    bucket = change.pop("bucket", s3_bucket_name("bad"))
    if change.get("s3_endpoint_url") == "closed":
        change["s3_endpoint_url"] = f"http://127.0.0.1:{free_port()}"  # nothing listens
    settings = s3_settings(tmp_path, fresh_db, seaweed, bucket, **change)
    with pytest.raises(ConfigError, match=words) as raised:
        async with running(create_app(settings)):
            pass
    assert "STORAGE_URL" in str(raised.value)


# ---- the store goes down and comes back ----
@pytest.fixture
def own_seaweed(tmp_path: Path) -> Iterator[Seaweed]:
    """A SeaweedFS of this test's own: it is stopped and started again."""
    require_weed()
    with running_seaweed(tmp_path) as server:
        yield server


@pytest.fixture
async def s3_app(own_seaweed: Seaweed, tmp_path: Path, fresh_db: str) -> AsyncIterator[FastAPI]:
    settings = s3_settings(tmp_path / "data", fresh_db, own_seaweed, s3_bucket_name("down"))
    async with running(create_app(settings)) as app:
        yield app


async def test_a_store_that_is_down_is_503_and_nothing_half_written_is_left(
    s3_app: FastAPI, own_seaweed: Seaweed
) -> None:
    transport = httpx.ASGITransport(app=s3_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        alice = await login(client, "alice")
        kept = await upload(client, alice, mp4_bytes(20_000))
        content = f"/api/files/{kept['id']}/content"
        data = mp4_bytes(2 * PART)

        async def body() -> AsyncIterator[bytes]:
            # One part reaches the store, then the store goes down mid-upload.
            yield (
                b'--sb\r\nContent-Disposition: form-data; name="file"; filename="a.mp4"\r\n'
                b"Content-Type: video/mp4\r\n\r\n"
            )
            half = PART + 65_536
            for i in range(0, half, 65_536):
                yield data[i : i + 65_536]
            await anyio.to_thread.run_sync(own_seaweed.stop)
            for i in range(half, len(data), 65_536):
                yield data[i : i + 65_536]
            yield b"\r\n--sb--\r\n"

        r = await client.post(
            "/api/files",
            content=body(),
            headers={**alice, "Content-Type": "multipart/form-data; boundary=sb"},
        )
        assert r.status_code == 503, r.text
        assert r.json()["error"] == "ServiceUnavailable"
        assert r.json()["details"] == {"storage": "unavailable"}
        assert "Retry-After" in r.headers

        # Down: every path that needs the store says so, in the error shape.
        r = await client.post(
            "/api/files", files={"file": ("b.mp4", mp4_bytes(), "video/mp4")}, headers=alice
        )
        assert r.status_code == 503 and r.json()["error"] == "ServiceUnavailable"
        r = await client.get(content, headers=alice)
        assert r.status_code == 503 and r.json()["error"] == "ServiceUnavailable"
        r = await client.delete(f"/api/files/{kept['id']}", headers=alice)
        assert r.status_code == 503
        r = await client.get("/ready")
        assert r.status_code == 503 and r.json()["details"]["storage"] == "unavailable"
        # The file whose delete failed is still listed, with its bytes (deleting again works).
        r = await client.get("/api/files", headers=alice)
        assert [f["id"] for f in r.json()] == [kept["id"]]

        await anyio.to_thread.run_sync(own_seaweed.start)
        r = await client.get("/ready")  # also finishes the abort that failed while down
        assert r.status_code == 200, r.text
        assert await s3_app.state.ctx.store.list_keys() == [kept["fileName"]]
        r = await client.get(content, headers={**alice, "Range": "bytes=0-99"})
        assert r.status_code == 206 and r.content == mp4_bytes(20_000)[:100]
        assert (await client.delete(f"/api/files/{kept['id']}", headers=alice)).status_code == 204
        assert await s3_app.state.ctx.store.list_keys() == []


async def test_deleting_an_account_removes_its_objects_and_waits_for_a_store_that_is_down(
    s3_app: FastAPI, own_seaweed: Seaweed
) -> None:
    store = s3_app.state.ctx.store
    transport = httpx.ASGITransport(app=s3_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api.test") as client:
        alice, bob = await login(client, "alice"), await login(client, "bob")
        mine = [(await upload(client, alice))["fileName"] for _ in range(2)]
        theirs = (await upload(client, bob))["fileName"]
        assert set(await store.list_keys()) == {*mine, theirs}
        erase = {"password": PASSWORD}

        await anyio.to_thread.run_sync(own_seaweed.stop)
        r = await client.request("DELETE", "/api/auth/me", json=erase, headers=alice)
        assert r.status_code == 503 and r.json()["error"] == "ServiceUnavailable"
        r = await client.get("/api/files", headers=alice)
        assert len(r.json()) == 2, "nothing of the account was deleted"

        await anyio.to_thread.run_sync(own_seaweed.start)
        r = await client.request("DELETE", "/api/auth/me", json=erase, headers=alice)
        assert r.status_code == 204, r.text
        assert await store.list_keys() == [theirs]
