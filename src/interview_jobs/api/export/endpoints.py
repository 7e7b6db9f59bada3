"""HTTP of the export: the whole account as a zip, and one report as an offline HTML page."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.responses import HTMLResponse, StreamingResponse

from interview_jobs.api.deps import ContextDep, CurrentUser, ReadsDep
from interview_jobs.api.errors import error_responses
from interview_jobs.api.export.archive import archive
from interview_jobs.api.export.report_html import render
from interview_jobs.api.jobs import service as job_service
from interview_jobs.api.jobs.schemas import JobDetailOut

router = APIRouter(tags=["export"], responses=error_responses(401, 422, 503))

# The report is the user's data shown as a page of this origin: it may run nothing and load
# nothing (its styles are inline), and it is downloaded, not opened in place.
REPORT_HEADERS = {
    "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'; img-src data:",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
}


@router.get(
    "/api/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "A zip, streamed"}},
)
async def export(
    user: CurrentUser,
    ctx: ContextDep,
    videos: Annotated[bool, Query(description="include the uploaded videos")] = False,
) -> StreamingResponse:
    """(ext) Everything of mine as a zip: jobs and analyses as JSON, an offline HTML report per
    job, and with ``videos=true`` the videos."""
    if videos:
        await ctx.store.ping()  # a store that is down: 503 now, not a broken zip later
    stamp = f"{datetime.now(UTC):%Y%m%d-%H%M}"
    return StreamingResponse(
        archive(ctx, user, videos=videos),
        media_type="application/zip",
        headers={
            "content-disposition": f'attachment; filename="interview-export-{stamp}.zip"',
            "cache-control": "no-store",
        },
    )


@router.get(
    "/api/interview/job/{job_id}/report.html",
    # Response, not HTMLResponse: the errors stay declared (and sent) as JSON.
    response_class=Response,
    responses={
        200: {"content": {"text/html": {}}, "description": "The report"},
        **error_responses(404),
    },
)
async def report_html(job_id: str, user: CurrentUser, reads: ReadsDep) -> Response:
    """(ext) The job's report as one self-contained HTML file (no script, no external asset;
    prints cleanly), to keep or to send."""
    job = await job_service.read_detail(reads, user, job_id)
    analysis = job_service.analysis_of(job)
    shown = JobDetailOut.of_detail(job, analysis).model_dump(mode="json", by_alias=True)
    return HTMLResponse(
        render(shown, analysis),
        headers={
            **REPORT_HEADERS,
            "content-disposition": f'attachment; filename="interview-report-{job_id}.html"',
        },
    )
