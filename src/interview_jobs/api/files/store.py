"""Where the bytes of uploads are kept: the local disk or an S3-compatible object store.

``STORAGE_URL`` chooses (:func:`build_store`): unset or ``file://DIR`` is :class:`DiskStore`
(``DATA_DIR/files`` by default — the embedded default), ``s3://BUCKET[/prefix]`` is
:class:`S3Store` (AWS S3, SeaweedFS, MinIO, Ceph RGW…, reached at ``S3_ENDPOINT_URL``). Both are an
:class:`ObjectStore`; everything above this module (the upload receiver, content serving, deletes)
speaks only that protocol, and keys are the files' generated ``fileName`` (``<uuid hex>.<ext>``).

Writes are streamed: :meth:`ObjectStore.open_writer` gives a writer that takes chunks as they
arrive and either ``complete()``s — the object appears whole under its key — or ``abort()``s,
leaving nothing (the disk writes a temporary file renamed at the end; S3 sends the parts,
``S3_PART_SIZE_BYTES`` each, of a multipart upload — one in flight while the next is received —
and aborts it on failure). Reads are ranged (``open_read(key, start, end)``) for the page's
seeking video.

A store that does not answer (refused, timed out, a 5xx, credentials refused) is the API's
503 ``ServiceUnavailable`` (:class:`StoreUnavailable`), translated here where the client is
called, the way the database's errors are translated where the driver is called.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urlsplit

import anyio.from_thread
import anyio.to_thread

from interview_jobs.api.errors import ServiceUnavailable
from interview_jobs.config import ConfigError, Settings

if TYPE_CHECKING:
    from types_aiobotocore_s3 import S3Client

log = logging.getLogger(__name__)

READ_CHUNK = 256 * 1024
_PARTIAL_PREFIX = ".upload-"
_PARTIAL_SUFFIX = ".part"
# Our keys are generated names; anything else (a path, a dot file) never reaches a store.
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$")


class StoreUnavailable(ServiceUnavailable):
    """The file store does not answer (or refuses our credentials): 503, retry later."""

    def __init__(self, message: str = "The file store is unavailable; try again shortly.") -> None:
        super().__init__(message, details={"storage": "unavailable"}, headers={"Retry-After": "5"})


def check_key(key: str) -> str:
    if not _KEY.match(key):
        raise ValueError(f"not a storage key: {key!r}")
    return key


class ObjectWriter(Protocol):
    async def write(self, chunks: list[bytes]) -> None: ...

    async def complete(self) -> None:
        """Make the object visible under its key, whole."""

    async def abort(self) -> None:
        """Leave nothing behind (safe to call after a failure, and more than once)."""


class ObjectStore(Protocol):
    """The operations the files domain needs of a store (see the module docstring)."""

    description: str

    async def start(self) -> None:
        """Connect and make sure the place exists (creating it if missing), or raise ConfigError
        saying why it cannot be used."""

    async def aclose(self) -> None: ...

    async def ping(self) -> None:
        """Raise StoreUnavailable unless the store answers (readiness)."""

    def open_writer(self, key: str, content_type: str) -> ObjectWriter: ...

    async def size(self, key: str) -> int | None:
        """The object's size in bytes, or None if there is no such object."""

    async def open_read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        """Bytes ``start``..``end`` (inclusive) of the object, streamed. The request is made
        before this returns, so that a store that is down is a 503 before any byte is sent."""

    async def delete(self, key: str) -> None:
        """Remove the object (no error if it is already gone)."""

    def sync_reader(self, key: str, size: int) -> Callable[[], IO[bytes]]:
        """A factory of a seekable, blocking file object of the object, for code that runs in a
        worker thread (the container probe) — called in that thread."""

    async def list_keys(self) -> list[str]:
        """Every key stored, and every partial write (as ``<key> (partial)``): what an operator or
        a test checks when nothing must be left."""


# ---------------------------------------------------------------- disk
@dataclass
class _DiskWriter:
    final: Path
    tmp: Path
    fh: IO[bytes] | None = None

    async def write(self, chunks: list[bytes]) -> None:
        await anyio.to_thread.run_sync(self._write, chunks)

    def _write(self, chunks: list[bytes]) -> None:
        if self.fh is None:
            self.fh = open(self.tmp, "wb")  # noqa: SIM115 - closed by complete()/abort()
        for chunk in chunks:
            self.fh.write(chunk)

    async def complete(self) -> None:
        await anyio.to_thread.run_sync(self._complete)

    def _complete(self) -> None:
        if self.fh is None:
            self.fh = open(self.tmp, "wb")  # noqa: SIM115
        self.fh.close()
        os.replace(self.tmp, self.final)

    async def abort(self) -> None:
        await anyio.to_thread.run_sync(self._abort)

    def _abort(self) -> None:
        if self.fh is not None:
            self.fh.close()
        with contextlib.suppress(OSError):
            self.tmp.unlink()


class DiskStore:
    """Files in one directory (several API hosts need it on a shared file system)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.description = f"local disk {root}"

    async def start(self) -> None:
        try:
            await anyio.to_thread.run_sync(lambda: self.root.mkdir(parents=True, exist_ok=True))
        except OSError as exc:
            raise ConfigError(f"The storage directory {self.root} cannot be made: {exc}") from exc

    async def aclose(self) -> None:
        return None

    async def ping(self) -> None:
        if not await anyio.to_thread.run_sync(self.root.is_dir):
            raise StoreUnavailable(f"The storage directory {self.root} is missing.")

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def open_writer(self, key: str, content_type: str) -> ObjectWriter:
        tmp = self.root / f"{_PARTIAL_PREFIX}{uuid.uuid4().hex}{_PARTIAL_SUFFIX}"
        return _DiskWriter(self._path(key), tmp)

    async def size(self, key: str) -> int | None:
        try:
            stat = await anyio.to_thread.run_sync(self._path(key).stat)
        except FileNotFoundError:
            return None
        return stat.st_size

    async def open_read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        path = self._path(key)
        # Checked now (a missing file fails before any byte is sent), opened by the stream
        # itself: a response dropped before it starts (a <video> that aborts) holds no file.
        if not await anyio.to_thread.run_sync(path.is_file):
            raise FileNotFoundError(str(path))
        return self._chunks(path, start, end - start + 1)

    async def _chunks(self, path: Path, start: int, remaining: int) -> AsyncIterator[bytes]:
        fh = await anyio.to_thread.run_sync(path.open, "rb")
        try:
            await anyio.to_thread.run_sync(fh.seek, start)
            while remaining > 0:
                chunk = await anyio.to_thread.run_sync(fh.read, min(READ_CHUNK, remaining))
                if not chunk:
                    return
                remaining -= len(chunk)
                yield chunk
        finally:
            await anyio.to_thread.run_sync(fh.close)

    async def delete(self, key: str) -> None:
        path = self._path(key)
        await anyio.to_thread.run_sync(lambda: path.unlink(missing_ok=True))

    def sync_reader(self, key: str, size: int) -> Callable[[], IO[bytes]]:
        path = self._path(key)
        return lambda: open(path, "rb")

    async def list_keys(self) -> list[str]:
        def names() -> list[str]:
            if not self.root.is_dir():
                return []
            return sorted(
                f"{p.name} (partial)" if p.name.startswith(_PARTIAL_PREFIX) else p.name
                for p in self.root.iterdir()
            )

        return await anyio.to_thread.run_sync(names)


# ---------------------------------------------------------------- S3
def _is_unavailable(exc: BaseException) -> bool:
    """Errors that mean "the store does not answer / cannot serve us now"."""
    from botocore.exceptions import BotoCoreError, ClientError

    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or status in (401, 403)
    return isinstance(exc, BotoCoreError | OSError | TimeoutError)


def _is_missing(exc: BaseException) -> bool:
    from botocore.exceptions import ClientError

    if not isinstance(exc, ClientError):
        return False
    code = str(exc.response.get("Error", {}).get("Code", ""))
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return status == 404 or code in ("NoSuchKey", "NotFound", "404", "NoSuchBucket")


@contextlib.contextmanager
def _translated(action: str) -> Any:
    """The store's failures as StoreUnavailable (logged once, with the cause)."""
    try:
        yield
    except Exception as exc:
        if _is_unavailable(exc):
            log.warning("storage: %s failed: %s", action, exc)
            raise StoreUnavailable() from exc
        raise


@dataclass
class _S3Writer:
    store: S3Store
    key: str
    content_type: str
    buffer: bytearray
    upload_id: str | None = None
    parts: list[dict[str, Any]] = field(default_factory=list)
    in_flight: asyncio.Task[None] | None = None
    done: bool = False

    @property
    def object_name(self) -> str:
        return self.store.object_name(self.key)

    async def write(self, chunks: list[bytes]) -> None:
        for chunk in chunks:
            self.buffer += chunk
        while len(self.buffer) >= self.store.part_size:
            part = bytes(self.buffer[: self.store.part_size])
            del self.buffer[: self.store.part_size]
            # One part is sent while the next one is received (at most two in memory): the
            # request body and the store's writes overlap instead of taking turns.
            await self._settle()
            await self._begin()
            self.in_flight = asyncio.create_task(self._upload_part(part))

    async def _settle(self) -> None:
        """Wait for the part in flight (its failure is raised here)."""
        task, self.in_flight = self.in_flight, None
        if task is not None:
            await task

    async def _begin(self) -> None:
        if self.upload_id is None:
            with _translated("multipart upload"):
                created = await self.store.client.create_multipart_upload(
                    Bucket=self.store.bucket, Key=self.object_name, ContentType=self.content_type
                )
            self.upload_id = created["UploadId"]

    async def _upload_part(self, body: bytes) -> None:
        assert self.upload_id is not None
        number = len(self.parts) + 1
        with _translated("multipart upload"):
            answer = await self.store.client.upload_part(
                Bucket=self.store.bucket,
                Key=self.object_name,
                UploadId=self.upload_id,
                PartNumber=number,
                Body=body,
            )
        self.parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    async def complete(self) -> None:
        client, bucket, name = self.store.client, self.store.bucket, self.object_name
        await self._settle()
        if self.upload_id is None:  # smaller than one part: a single PUT
            with _translated("upload"):
                await client.put_object(
                    Bucket=bucket, Key=name, Body=bytes(self.buffer), ContentType=self.content_type
                )
        else:
            if self.buffer:
                await self._upload_part(bytes(self.buffer))
            with _translated("completing a multipart upload"):
                await client.complete_multipart_upload(
                    Bucket=bucket,
                    Key=name,
                    UploadId=self.upload_id,
                    MultipartUpload={"Parts": self.parts},  # type: ignore[typeddict-item]
                )
        self.buffer.clear()
        self.done = True
        await self.store.retry_aborts()

    async def abort(self) -> None:
        self.buffer.clear()
        task, self.in_flight = self.in_flight, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(BaseException):
                await task
        if self.upload_id is None or self.done:
            return
        upload_id, self.upload_id = self.upload_id, None
        await self.store.abort_upload(self.object_name, upload_id)


class _RangeReader(io.RawIOBase):
    """A blocking, seekable view of an S3 object for a worker thread: each read is a ranged GET
    run on the event loop (``anyio.from_thread``)."""

    def __init__(self, store: S3Store, key: str, size: int) -> None:
        self.store, self.key, self.size, self.position = store, key, size, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.position

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self.position, os.SEEK_END: self.size}[whence]
        self.position = max(0, base + offset)
        return self.position

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        if self.position >= self.size or not len(view):
            return 0
        end = min(self.size, self.position + len(view)) - 1
        data = anyio.from_thread.run(self.store.read_all, self.key, self.position, end)
        view[: len(data)] = data
        self.position += len(data)
        return len(data)


class S3Store:
    """Objects ``<prefix><key>`` in one bucket of an S3-compatible store.

    The client is aiobotocore: botocore itself (SigV4 signing, retries with backoff, presigning,
    the addressing styles every S3-compatible server needs) on aiohttp, so requests share the
    API's event loop; boto3 would block it (a thread per call) and a hand-written SigV4 client is
    a second S3 implementation to maintain.
    """

    def __init__(
        self,
        bucket: str,
        prefix: str,
        *,
        endpoint_url: str | None,
        access_key_id: str | None,
        secret_access_key: str | None,
        region: str,
        addressing_style: str,
        part_size: int,
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint_url = endpoint_url
        self._credentials = (access_key_id, secret_access_key)
        self.region = region
        self.addressing_style = addressing_style
        self.part_size = part_size
        self.description = f"s3://{bucket}/{prefix} at {endpoint_url or 'AWS'}"
        self._stack = contextlib.AsyncExitStack()
        self._client: S3Client | None = None
        self._unaborted: set[tuple[str, str]] = set()  # (object name, upload id)

    @property
    def client(self) -> S3Client:
        if self._client is None:
            raise RuntimeError("S3Store.start() was not called")
        return self._client

    def object_name(self, key: str) -> str:
        return f"{self.prefix}{check_key(key)}"

    async def start(self) -> None:
        from aiobotocore.config import AioConfig
        from aiobotocore.session import get_session

        config = AioConfig(
            region_name=self.region,
            s3={"addressing_style": self.addressing_style},
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            # Checksums only where S3 requires them: other S3-compatible servers reject or
            # mishandle the newer flexible-checksum headers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        key_id, secret = self._credentials
        self._client = await self._stack.enter_async_context(
            get_session().create_client(
                "s3",
                endpoint_url=self.endpoint_url,
                aws_access_key_id=key_id,
                aws_secret_access_key=secret,
                config=config,
            )
        )
        try:
            await self._check_bucket()
        except BaseException:
            await self.aclose()  # a start-up that fails leaves no open connection
            raise

    async def _check_bucket(self) -> None:
        from botocore.exceptions import ClientError, NoCredentialsError

        where = self.description
        try:
            await self.client.head_bucket(Bucket=self.bucket)
        except NoCredentialsError as exc:
            raise ConfigError(
                f"No credentials for STORAGE_URL ({where}): set INTERVIEW_JOBS_S3_ACCESS_KEY_ID "
                "and INTERVIEW_JOBS_S3_SECRET_ACCESS_KEY (or the AWS_* variables)"
            ) from exc
        except ClientError as exc:
            if not _is_missing(exc):
                raise ConfigError(
                    f"The bucket of STORAGE_URL ({where}) cannot be used: {exc}"
                ) from exc
            await self._create_bucket()
        except Exception as exc:
            raise ConfigError(
                f"The object store of STORAGE_URL ({where}) does not answer: {exc}"
            ) from exc
        await self._sweep_partial_uploads()

    async def _create_bucket(self) -> None:
        log.info("storage: creating the missing bucket %s", self.bucket)
        extra: dict[str, Any] = {}
        if self.region != "us-east-1":
            extra["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        try:
            await self.client.create_bucket(Bucket=self.bucket, **extra)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code in ("BucketAlreadyOwnedByYou",):  # another API process was first
                return
            raise ConfigError(
                f"The bucket {self.bucket!r} of STORAGE_URL is missing and cannot be created "
                f"({self.description}): {exc}"
            ) from exc

    async def _sweep_partial_uploads(self) -> None:
        """Abort multipart uploads that a crashed process left, older than a day (a younger one
        may be another API process's upload in progress)."""
        import datetime as dt

        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
        try:
            listed = await self.client.list_multipart_uploads(
                Bucket=self.bucket, Prefix=self.prefix
            )
            for upload in listed.get("Uploads", []):
                initiated = upload.get("Initiated")
                if initiated is not None and initiated < cutoff:
                    await self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
        except Exception as exc:  # not every S3-compatible server lists uploads
            log.info("storage: could not sweep partial uploads: %s", exc)

    async def abort_upload(self, name: str, upload_id: str) -> None:
        """Abort a multipart upload; if the store does not answer, remember it and try again
        after the next successful upload or readiness check (its parts are never visible as an
        object meanwhile; a process that dies first leaves them to the start-up sweep)."""
        try:
            await self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=name, UploadId=upload_id
            )
        except Exception as exc:
            if _is_missing(exc):  # gone already
                return
            log.warning("storage: aborting the multipart upload of %s failed: %s", name, exc)
            self._unaborted.add((name, upload_id))

    async def retry_aborts(self) -> None:
        pending, self._unaborted = self._unaborted, set()
        for name, upload_id in pending:
            await self.abort_upload(name, upload_id)

    async def aclose(self) -> None:
        await self.retry_aborts()
        await self._stack.aclose()
        self._client = None

    async def ping(self) -> None:
        with _translated("ping"):
            try:
                await self.client.head_bucket(Bucket=self.bucket)
            except Exception as exc:
                if _is_missing(exc):
                    raise StoreUnavailable(f"The bucket {self.bucket!r} is missing.") from exc
                raise
        await self.retry_aborts()

    def open_writer(self, key: str, content_type: str) -> ObjectWriter:
        check_key(key)
        return _S3Writer(self, key, content_type, bytearray())

    async def size(self, key: str) -> int | None:
        with _translated("head"):
            try:
                head = await self.client.head_object(Bucket=self.bucket, Key=self.object_name(key))
            except Exception as exc:
                if _is_missing(exc):
                    return None
                raise
        return int(head["ContentLength"])

    async def open_read(self, key: str, start: int, end: int) -> AsyncIterator[bytes]:
        with _translated("read"):
            answer = await self.client.get_object(
                Bucket=self.bucket, Key=self.object_name(key), Range=f"bytes={start}-{end}"
            )
        return self._chunks(answer["Body"])

    async def _chunks(self, body: Any) -> AsyncIterator[bytes]:
        try:
            with _translated("read"):
                async for chunk in body.iter_chunks(READ_CHUNK):
                    yield chunk
        finally:
            body.close()

    async def read_all(self, key: str, start: int, end: int) -> bytes:
        return b"".join([chunk async for chunk in await self.open_read(key, start, end)])

    async def delete(self, key: str) -> None:
        with _translated("delete"):
            await self.client.delete_object(Bucket=self.bucket, Key=self.object_name(key))

    def sync_reader(self, key: str, size: int) -> Callable[[], IO[bytes]]:
        return lambda: io.BufferedReader(_RangeReader(self, key, size), buffer_size=1024 * 1024)

    async def list_keys(self) -> list[str]:
        keys: list[str] = []
        with _translated("list"):
            paginator = self.client.get_paginator("list_objects_v2")
            async for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix):
                keys += [item["Key"][len(self.prefix) :] for item in page.get("Contents", [])]
            uploads = await self.client.list_multipart_uploads(
                Bucket=self.bucket, Prefix=self.prefix
            )
            keys += [
                f"{upload['Key'][len(self.prefix) :]} (partial)"
                for upload in uploads.get("Uploads", [])
            ]
        return sorted(keys)


# ---------------------------------------------------------------- choice
def build_store(settings: Settings) -> ObjectStore:
    """The store STORAGE_URL names (nothing connects before ``start()``)."""
    url = settings.storage_url
    if not url:
        return DiskStore(settings.files_dir)
    parts = urlsplit(url)
    if parts.scheme == "file":
        return DiskStore(Path(unquote(parts.netloc + parts.path)))
    if parts.scheme == "s3":
        prefix = parts.path.strip("/")
        return S3Store(
            parts.netloc,
            f"{prefix}/" if prefix else "",
            endpoint_url=settings.s3_endpoint_url,
            access_key_id=_secret(settings.s3_access_key_id),
            secret_access_key=_secret(settings.s3_secret_access_key),
            region=settings.s3_region,
            addressing_style=settings.s3_addressing_style,
            part_size=settings.s3_part_size_bytes,
        )
    raise ConfigError(f"INTERVIEW_JOBS_STORAGE_URL {url!r}: use file://DIR or s3://BUCKET[/prefix]")


def _secret(value: Any) -> str | None:
    return value.get_secret_value() if value is not None else None
