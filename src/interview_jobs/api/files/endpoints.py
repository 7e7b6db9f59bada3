"""HTTP of the files domain."""

from __future__ import annotations

import re
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import FileResponse

from interview_jobs.api.deps import ContextDep, CurrentUser, OptionalUser, SessionDep
from interview_jobs.api.errors import BadRequest, NotFound, RangeNotSatisfiable, Unauthorized
from interview_jobs.api.files import service, signing
from interview_jobs.api.files.schemas import FileOut
from interview_jobs.api.models import FileUpload

router = APIRouter(prefix="/api/files", tags=["files"])

FileIdPath = Annotated[int, "file id"]


def _out(upload: FileUpload) -> FileOut:
    return FileOut.model_validate(upload, from_attributes=True)


@router.post("", status_code=201, response_model=FileOut)
async def upload_file(
    request: Request, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> FileOut:
    return _out(await service.upload(ctx, session, user, request))


@router.get("", response_model=list[FileOut])
async def list_files(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[FileOut]:
    return [_out(u) for u in await service.list_owned(session, user, limit)]


@router.get("/{file_id}", response_model=FileOut)
async def get_file(file_id: int, user: CurrentUser, session: SessionDep) -> FileOut:
    return _out(await service.get_owned(session, user, file_id))


_RANGE_ITEM = re.compile(r"^(\d*)-(\d*)$")


@router.get("/{file_id}/content", response_class=Response)
async def get_file_content(
    file_id: int,
    request: Request,
    user: OptionalUser,
    session: SessionDep,
    ctx: ContextDep,
    expires: str | None = None,
    signature: str | None = None,
) -> Response:
    """The bytes, for the owner's token or a valid signed URL (Range supported)."""
    if expires is not None or signature is not None:
        signing.check_signature(ctx.url_signing_key, file_id, expires, signature)
        upload = await service.get_any(session, file_id)
    elif user is not None:
        upload = await service.get_owned(session, user, file_id)
    else:
        raise Unauthorized("Authentication required: a bearer token or a signed URL.")
    path = service.stored_path(ctx, upload)
    try:
        stat = await anyio.to_thread.run_sync(path.stat)
    except FileNotFoundError:
        raise NotFound(f"The content of file {file_id} is missing from storage.") from None
    _check_range(request.headers.get("range"), stat.st_size)
    return FileResponse(
        path,
        media_type=upload.content_type,
        filename=upload.original_file_name,
        content_disposition_type="inline",
        stat_result=stat,
    )


def _check_range(header: str | None, size: int) -> None:
    """Starlette serves ranges itself; its errors are plain text, so malformed and unsatisfiable
    ranges are answered here, in the API's error shape."""
    if not header:
        return
    unit, _, spec = header.strip().partition("=")
    items = [item.strip() for item in spec.split(",")] if unit.strip() == "bytes" else []
    satisfiable = False
    for item in items:
        match = _RANGE_ITEM.match(item)
        if match is None:
            items = []
            break
        start, end = match.groups()
        if (not start and not end) or (start and end and int(end) < int(start)):
            items = []
            break
        if (start and int(start) < size) or (not start and end and int(end) > 0):
            satisfiable = True
    if not items:
        raise BadRequest(f"The Range header {header!r} is malformed (expected bytes=start-end).")
    if not satisfiable:
        raise RangeNotSatisfiable(
            f"The range {header!r} is outside the file's {size} bytes.",
            headers={"Content-Range": f"bytes */{size}"},
        )


@router.delete("/{file_id}", status_code=204, response_class=Response)
async def delete_file(
    file_id: int, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    await service.delete(ctx, session, user, file_id)
    return Response(status_code=204)
