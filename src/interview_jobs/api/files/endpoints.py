"""HTTP of the files domain."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Header, Path, Query, Request, Response

from interview_jobs.api.deps import ContextDep, CurrentUser, OptionalUser, SessionDep
from interview_jobs.api.errors import NotFound, Unauthorized, error_responses
from interview_jobs.api.files import content, service, signing, storage
from interview_jobs.api.files.schemas import MAX_ID, FileLinkOut, FileOut
from interview_jobs.api.models import FileUpload

router = APIRouter(prefix="/api/files", tags=["files"], responses=error_responses(401, 422, 503))

# Ids are 64-bit database keys: a larger number is a 422, not an overflow inside the driver.
FileId = Annotated[int, Path(ge=1, le=MAX_ID, description="file id")]

# The upload is streamed by storage.receive_upload, not parsed by FastAPI: declared here.
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


def _out(upload: FileUpload) -> FileOut:
    return FileOut.model_validate(upload, from_attributes=True)


@router.post(
    "",
    status_code=201,
    response_model=FileOut,
    responses=error_responses(400, 413, 415, 503),
    openapi_extra=_UPLOAD_BODY,
)
async def upload_file(
    request: Request, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> FileOut:
    stored = await storage.receive_upload(request, ctx.store, ctx.settings.max_upload_bytes)
    return _out(await service.upload(ctx, session, user, stored))


@router.get("", response_model=list[FileOut])
async def list_files(
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[FileOut]:
    return [_out(u) for u in await service.list_owned(session, user, limit)]


@router.get("/{file_id}", response_model=FileOut, responses=error_responses(404))
async def get_file(file_id: FileId, user: CurrentUser, session: SessionDep) -> FileOut:
    return _out(await service.get_owned(session, user, file_id))


@router.get("/{file_id}/link", response_model=FileLinkOut, responses=error_responses(404))
async def get_file_link(
    file_id: FileId, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> FileLinkOut:
    """(ext) A signed URL of the content for the owner, valid SIGNED_URL_TTL_SECONDS: the web
    page plays the video from it (streamed, seekable) instead of downloading it whole first."""
    upload = await service.get_owned(session, user, file_id)
    now = time.time()
    ttl = ctx.settings.signed_url_ttl_seconds
    url = signing.signed_content_url(ctx.url_signing_key, "", upload.id, ttl, now=now)
    return FileLinkOut(url=url, expires_at=datetime.fromtimestamp(int(now + ttl), UTC))


@router.get(
    "/{file_id}/content",
    response_class=Response,
    responses={
        200: {"content": {"video/*": {}}, "description": "The file's bytes"},
        206: {"content": {"video/*": {}}, "description": "The requested range"},
        **error_responses(400, 403, 404, 416, 503),
    },
)
async def get_file_content(
    file_id: FileId,
    user: OptionalUser,
    session: SessionDep,
    ctx: ContextDep,
    expires: str | None = None,
    signature: str | None = None,
    range_header: Annotated[str | None, Header(alias="Range")] = None,
) -> Response:
    """The bytes, for the owner's token or a valid signed URL (Range supported)."""
    if expires is not None or signature is not None:
        signing.check_signature(ctx.url_signing_keys, file_id, expires, signature)
        upload = await service.get_any(session, file_id)
    elif user is not None:
        upload = await service.get_owned(session, user, file_id)
    else:
        raise Unauthorized("Authentication required: a bearer token or a signed URL.")
    size = await ctx.store.size(upload.file_name)
    if size is None:
        raise NotFound(f"The content of file {file_id} is missing from storage.")
    return await content.content_response(
        ctx.store,
        upload.file_name,
        size,
        media_type=upload.content_type,
        filename=upload.original_file_name,
        etag=upload.sha256,
        range_header=range_header,
    )


@router.delete(
    "/{file_id}", status_code=204, response_class=Response, responses=error_responses(404, 409)
)
async def delete_file(
    file_id: FileId, user: CurrentUser, session: SessionDep, ctx: ContextDep
) -> Response:
    await service.delete(ctx, session, user, file_id)
    return Response(status_code=204)
