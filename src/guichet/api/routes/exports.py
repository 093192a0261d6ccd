"""CSV exports (R-AN-6): small ones streamed directly, large ones as export jobs.

Every export is limited to the caller's statistics scope (R-A-2, R-A-6; 403 without one) and
the R-AN-5 filters. ``GET /exports/{kind}.csv`` answers 413 above
``GUICHET_EXPORT_SYNC_MAX_ROWS`` rows, pointing to ``POST /export-jobs``. A job is seen by its
owner only (404 for anyone else); its file is kept 7 days. Columns: docs/api/exports.md.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncSession

from guichet.analytics import exports, jobs
from guichet.analytics.csv import stream_csv
from guichet.analytics.exports import EXPORTS, ExportFilters, statistics_scope
from guichet.api.deps import CurrentUser, SessionDep, StateDep, SubjectDep
from guichet.api.routes.responses import CLIENT_ERRORS
from guichet.api.schemas.analytics import DashboardParams, dashboard_params
from guichet.api.schemas.exports import (
    Delimiter,
    ExportJobCreate,
    ExportJobList,
    ExportJobRead,
    ExportKind,
)
from guichet.authz.access import Subject
from guichet.errors import GuichetError, NotFound, invalid

router = APIRouter(tags=["exports"], responses=CLIENT_ERRORS)

CSV_TYPE = "text/csv; charset=utf-8"
#: A CSV body in the OpenAPI document (docs/api/exports.md lists the columns of each kind).
CSV_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The CSV file (UTF-8, a header line, then one line per row)",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    }
}
#: The R-AN-5 filters of the query string: the dashboards' own declaration (one set of limits).
Params = Annotated[DashboardParams, Depends(dashboard_params)]


class ExportTooLarge(GuichetError):
    """More rows than an export sends directly (HTTP 413)."""

    status = 413
    title = "Export too large"
    default_code = "export_too_large"


def _runner(request: Request) -> jobs.ExportRunner:
    runner: jobs.ExportRunner = request.app.state.export_runner
    return runner


RunnerDep = Annotated[jobs.ExportRunner, Depends(_runner)]


def _allowed(subject: SubjectDep) -> Subject:
    """The caller's access rights, if they hold a statistics scope (403 R-A-2 otherwise)."""
    statistics_scope(subject)
    return subject


StatisticsSubject = Annotated[Subject, Depends(_allowed)]


async def _filters(
    session: AsyncSession, org_id: int, kind: ExportKind, params: DashboardParams
) -> ExportFilters:
    """The filters, checked (R-AN-5: 422 naming the field)."""
    return await exports.resolve_filters(
        session,
        org_id,
        start=params.from_,
        end=params.to,
        queue_ids=list(params.queue_id),
        channels=[c.value for c in params.channel],
        agent_ids=list(params.agent_id),
        skill_ids=list(params.skill_id),
        service_level_s=params.service_level_s,
        dashboard=kind.value in exports.DASHBOARD_KINDS,
    )


def _export(kind: ExportKind) -> exports.Export:
    found = EXPORTS.get(kind.value)
    if found is None:
        raise invalid("kind", f"the {kind.value} export is not available", "R-AN-6")
    return found


@router.get("/exports/{kind}.csv", response_class=StreamingResponse, responses=CSV_ANSWER)
async def export_csv(
    kind: ExportKind,
    principal: CurrentUser,
    subject: StatisticsSubject,
    session: SessionDep,
    state: StateDep,
    params: Params,
    delimiter: Annotated[Delimiter, Query()] = ",",
) -> StreamingResponse:
    """R-AN-6: the export as CSV, streamed (413 above the direct-export limit: use a job)."""
    export = _export(kind)
    req = exports.Request(subject, await _filters(session, principal.org_id, kind, params))
    async with state.sessions() as writer:  # folding the log writes (SQLite: the writer)
        await exports.prepare(writer, principal.org_id)
        total = await export.count(writer, req)
    limit = state.settings.export_sync_max_rows
    if total > limit:
        raise ExportTooLarge(
            f"this export has {total} rows, more than the {limit} sent directly: start an "
            "export job with POST /api/v1/export-jobs and download its file when done",
            rule="R-AN-6",
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return StreamingResponse(
        stream_csv(export.columns, export.rows(state.readers(), req), delimiter=delimiter),
        media_type=CSV_TYPE,
        headers={
            "Content-Disposition": f'attachment; filename="guichet-{kind.value}-{stamp}.csv"',
            "X-Export-Rows": str(total),
        },
    )


@router.post("/export-jobs", status_code=202)
async def create_export_job(
    body: ExportJobCreate,
    principal: CurrentUser,
    subject: StatisticsSubject,
    session: SessionDep,
    runner: RunnerDep,
) -> ExportJobRead:
    """R-AN-6: start an export job; it runs in the server, its file is kept 7 days."""
    _export(body.kind)
    filters = await _filters(session, principal.org_id, body.kind, body.filters.params())
    job = await jobs.create_job(
        session,
        user=principal.user,
        kind=body.kind.value,
        filters=filters,
        delimiter=body.delimiter,
    )
    runner.start(job.id)
    return ExportJobRead.model_validate(jobs.job_dict(job))


@router.get("/export-jobs")
async def list_export_jobs(
    principal: CurrentUser, subject: StatisticsSubject, session: SessionDep
) -> ExportJobList:
    """The caller's own export jobs, newest first."""
    rows = await jobs.list_jobs(session, user=principal.user)
    return ExportJobList(items=[ExportJobRead.model_validate(jobs.job_dict(j)) for j in rows])


@router.get("/export-jobs/{job_id}")
async def read_export_job(
    job_id: int, principal: CurrentUser, subject: StatisticsSubject, session: SessionDep
) -> ExportJobRead:
    """One of the caller's jobs, with its progress (404 for anyone else's)."""
    job = await jobs.own_job(session, user=principal.user, job_id=job_id)
    return ExportJobRead.model_validate(jobs.job_dict(job))


@router.get("/export-jobs/{job_id}/file", response_class=FileResponse, responses=CSV_ANSWER)
async def download_export_job(
    job_id: int,
    principal: CurrentUser,
    subject: StatisticsSubject,
    session: SessionDep,
    runner: RunnerDep,
) -> FileResponse:
    """The file of one of the caller's finished jobs (404 until it is done, or once gone)."""
    job = await jobs.own_job(session, user=principal.user, job_id=job_id)
    jobs.check_download(job, subject)
    path = jobs.file_path(runner.directory, job)
    if job.status != "done" or not path.is_file():
        raise NotFound(f"export job {job_id} has no file (status {job.status})")
    return FileResponse(
        path,
        media_type=CSV_TYPE,
        filename=f"guichet-{job.kind}-{job.id}.csv",
        content_disposition_type="attachment",
    )


@router.delete("/export-jobs/{job_id}", status_code=204)
async def delete_export_job(
    job_id: int,
    principal: CurrentUser,
    subject: StatisticsSubject,
    session: SessionDep,
    runner: RunnerDep,
) -> None:
    """Delete one of the caller's jobs and its file (a running one is stopped first)."""
    job = await jobs.own_job(session, user=principal.user, job_id=job_id)
    await runner.cancel(job.id)
    await session.refresh(job)
    await jobs.delete_job(session, job, directory=runner.directory)
