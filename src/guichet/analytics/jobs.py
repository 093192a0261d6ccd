"""CSV export jobs (R-AN-6): large exports run in the server process, files kept 7 days.

A job is an ``export_jobs`` row (queued -> running -> done | failed) and, once done, a file
under ``<data dir>/exports/<org id>/``. :class:`ExportRunner` runs each job as an asyncio task
of the server, writing ``rows_done`` every :data:`PROGRESS_EVERY` rows; at startup it marks the
jobs a previous process left queued or running as failed (their task died with it), and every
hour (and at startup) it deletes the jobs past ``expires_at`` with their files. The clock is
injected, so tests move time instead of waiting.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from guichet.analytics.csv import check_delimiter, stream_csv
from guichet.analytics.exports import EXPORTS, ExportFilters, Record, Request, prepare
from guichet.authz.access import Area, Scope, Subject
from guichet.domain.times import iso
from guichet.errors import NotFound, invalid
from guichet.persistence.models import ExportJob, User
from guichet.persistence.models.base import utcnow
from guichet.queries.access import load_subject

log = logging.getLogger(__name__)

#: How long a finished (or failed) job and its file are kept (R-AN-6).
RETENTION = timedelta(days=7)
#: ``rows_done`` is written every this many rows.
PROGRESS_EVERY = 5000
#: Seconds between two cleanups while the server runs.
CLEANUP_EVERY_S = 3600.0
INTERRUPTED = "interrupted: the server stopped while the export ran; start a new export job"

Clock = Callable[[], datetime]
Sessions = async_sessionmaker[AsyncSession]
Progress = Callable[[int], Awaitable[None]]


def job_dict(job: ExportJob) -> dict[str, Any]:
    """The API's view of a job."""
    total = job.rows_total
    if job.status == "done":
        progress: float | None = 1.0
    elif total:
        progress = min(1.0, job.rows_done / total)
    else:
        progress = 0.0 if total == 0 and job.status != "done" else None
    params = job.params or {}
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "rows_done": job.rows_done,
        "rows_total": total,
        "progress": progress,
        "delimiter": params.get("delimiter", ","),
        "filters": params.get("filters", {}),
        "size_bytes": job.size_bytes,
        "error": job.error,
        "created_at": iso(job.created_at),
        "finished_at": iso(job.finished_at),
        "expires_at": iso(job.expires_at),
        "file_url": f"/api/v1/export-jobs/{job.id}/file" if job.status == "done" else None,
    }


def file_path(directory: Path, job: ExportJob) -> Path:
    """Where a job's file lives."""
    return directory / str(job.org_id) / f"export-{job.id}-{job.kind}.csv"


async def _counted(
    rows: AsyncIterator[Record], progress: Progress | None, every: int
) -> AsyncIterator[Record]:
    done = 0
    async for row in rows:
        yield row
        done += 1
        if progress is not None and done % every == 0:
            await progress(done)
    if progress is not None and done % every:
        await progress(done)


async def write_csv(
    readers: Sessions,
    *,
    kind: str,
    request: Request,
    delimiter: str,
    path: Path,
    progress: Progress | None = None,
    every: int = PROGRESS_EVERY,
) -> int:
    """Write the export to ``path`` (through ``path.part``, renamed at the end); its size."""
    export = EXPORTS[kind]
    # Exports hold personal data: readable by the server's account only.
    path.parent.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.parent.mkdir(mode=0o700, exist_ok=True)
    part = path.with_name(path.name + ".part")
    size = 0
    try:
        os.close(os.open(part, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
        with part.open("wb") as out:
            rows = _counted(export.rows(readers, request), progress, every)
            async for chunk in stream_csv(export.columns, rows, delimiter=delimiter):
                out.write(chunk)
                size += len(chunk)
        part.replace(path)
    finally:
        part.unlink(missing_ok=True)
    return size


async def create_job(
    session: AsyncSession,
    *,
    user: User,
    kind: str,
    filters: ExportFilters,
    delimiter: str,
) -> ExportJob:
    """A queued job of ``user`` (the caller checked their statistics scope); committed."""
    if kind not in EXPORTS:
        raise invalid("kind", f"unknown export {kind!r}", "R-AN-6")
    try:
        check_delimiter(delimiter)
    except ValueError as exc:
        raise invalid("delimiter", str(exc), "R-AN-6") from exc
    job = ExportJob(
        org_id=user.org_id,
        user_id=user.id,
        kind=kind,
        params={"filters": filters.to_params(), "delimiter": delimiter},
        status="queued",
        rows_done=0,
    )
    session.add(job)
    await session.commit()
    return job


async def own_job(session: AsyncSession, *, user: User, job_id: int) -> ExportJob:
    """The caller's job; 404 for another user's or another organization's (R-AN-6)."""
    job = None
    if 1 <= job_id <= 2**31 - 1:
        job = await session.scalar(
            select(ExportJob).where(
                ExportJob.id == job_id,
                ExportJob.org_id == user.org_id,
                ExportJob.user_id == user.id,
            )
        )
    if job is None:
        raise NotFound(f"export job {job_id} not found")
    return job


async def list_jobs(session: AsyncSession, *, user: User) -> list[ExportJob]:
    """The caller's jobs, newest first."""
    rows = await session.scalars(
        select(ExportJob)
        .where(ExportJob.org_id == user.org_id, ExportJob.user_id == user.id)
        .order_by(ExportJob.id.desc())
    )
    return list(rows)


async def _set(sessions: Sessions, job_id: int, **values: Any) -> None:
    async with sessions() as s:
        await s.execute(update(ExportJob).where(ExportJob.id == job_id).values(**values))
        await s.commit()


async def run_job(
    sessions: Sessions, readers: Sessions, *, job_id: int, directory: Path, clock: Clock
) -> None:
    """Run one job to its end: done with its file, or failed with the reason."""
    async with sessions() as s:
        job = await s.get(ExportJob, job_id)
        if job is None or job.status != "queued":
            return
        user = await s.get(User, job.user_id)
        if user is None:
            return
        subject = await load_subject(s, user)
        kind, params, path = job.kind, dict(job.params or {}), file_path(directory, job)
        # The reach the file is written with: a later, narrower one may not download it.
        job.params = {**params, "scope": int(subject.scope(Area.STATISTICS))}
        job.status = "running"
        await s.commit()
    try:
        request = Request(subject, ExportFilters.from_params(params.get("filters") or {}))
        async with sessions() as s:
            await prepare(s, request.org_id)
            total = await EXPORTS[kind].count(s, request)
        await _set(sessions, job_id, rows_total=total)

        async def progress(done: int) -> None:
            await _set(sessions, job_id, rows_done=done)

        size = await write_csv(
            readers,
            kind=kind,
            request=request,
            delimiter=str(params.get("delimiter", ",")),
            path=path,
            progress=progress,
        )
        now = clock()
        await _set(
            sessions,
            job_id,
            status="done",
            file_name=path.name,
            size_bytes=size,
            finished_at=now,
            expires_at=now + RETENTION,
        )
    except asyncio.CancelledError:
        path.unlink(missing_ok=True)
        now = clock()
        with contextlib.suppress(Exception):
            await _set(
                sessions,
                job_id,
                status="failed",
                error=INTERRUPTED,
                finished_at=now,
                expires_at=now + RETENTION,
            )
        raise
    except Exception as exc:  # the job fails, the server goes on
        log.exception("export job %s failed", job_id)
        path.unlink(missing_ok=True)
        now = clock()
        reason = f"{type(exc).__name__}: {exc}"[:500]
        await _set(
            sessions,
            job_id,
            status="failed",
            error=reason,
            finished_at=now,
            expires_at=now + RETENTION,
        )


async def recover_interrupted(sessions: Sessions, *, clock: Clock) -> int:
    """Mark the jobs a stopped process left queued or running as failed; how many."""
    now = clock()
    async with sessions() as s:
        result = await s.execute(
            update(ExportJob)
            .where(ExportJob.status.in_(("queued", "running")))
            .values(status="failed", error=INTERRUPTED, finished_at=now, expires_at=now + RETENTION)
        )
        await s.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def check_download(job: ExportJob, subject: Subject) -> None:
    """404 when the owner's statistics scope is now narrower than the one the file was
    written with (R-A-2, R-A-6): rights taken away also close the files made with them."""
    written = int((job.params or {}).get("scope", int(Scope.ALL)))
    if int(subject.scope(Area.STATISTICS)) < written:
        raise NotFound(f"export job {job.id} was written with wider access rights than yours")


async def delete_job(session: AsyncSession, job: ExportJob, *, directory: Path) -> None:
    """Delete the job's file and its row; committed."""
    file_path(directory, job).unlink(missing_ok=True)
    await session.delete(job)
    await session.commit()


async def cleanup(sessions: Sessions, *, directory: Path, now: datetime) -> int:
    """Delete the jobs whose ``expires_at`` has passed, with their files (R-AN-6); how many."""
    async with sessions() as s:
        expired = list(
            await s.scalars(
                select(ExportJob).where(
                    ExportJob.expires_at.is_not(None), ExportJob.expires_at <= now
                )
            )
        )
        for job in expired:
            file_path(directory, job).unlink(missing_ok=True)
            await s.delete(job)
        await s.commit()
        await _sweep(s, directory=directory, now=now)
    return len(expired)


_FILE = re.compile(r"export-(\d+)-[a-z_]+\.csv(\.part)?")


def _files(directory: Path) -> dict[Path, float]:
    """The files of every organization's export directory, with their modification times."""
    if not directory.is_dir():
        return {}
    return {p: p.stat().st_mtime for p in directory.glob("*/*") if p.is_file()}


async def _sweep(session: AsyncSession, *, directory: Path, now: datetime) -> None:
    """Delete the files no job accounts for (R-AN-6: nothing outlives its 7 days): files of
    jobs deleted with their user or organization, ``.part`` files of jobs that no longer run
    (a killed server), and anything else in the directory older than the retention."""
    files = _files(directory)
    ids = {int(m.group(1)) for p in files if (m := _FILE.fullmatch(p.name))}
    status: dict[int, str] = {}
    for chunk in range(0, len(ids), 500):
        part = sorted(ids)[chunk : chunk + 500]
        rows = await session.execute(
            select(ExportJob.id, ExportJob.status).where(ExportJob.id.in_(part))
        )
        status.update({int(i): str(st) for i, st in rows})
    oldest = (now - RETENTION).timestamp()
    for p, mtime in files.items():
        m = _FILE.fullmatch(p.name)
        if m is None:
            stale = mtime < oldest
        elif m.group(2):  # a file being written: only while its job runs
            stale = status.get(int(m.group(1))) != "running"
        else:
            stale = int(m.group(1)) not in status
        if stale:
            p.unlink(missing_ok=True)


class ExportRunner:
    """The server's export jobs: one asyncio task per running job, and the hourly cleanup."""

    def __init__(
        self, sessions: Sessions, readers: Sessions, *, directory: Path, clock: Clock = utcnow
    ) -> None:
        self.sessions = sessions
        self.readers = readers
        self.directory = directory
        self.clock = clock
        self.tasks: dict[int, asyncio.Task[None]] = {}
        self._cleaner: asyncio.Task[None] | None = None

    def start(self, job_id: int) -> asyncio.Task[None]:
        """Run job ``job_id`` in the background."""
        task = asyncio.create_task(
            run_job(
                self.sessions,
                self.readers,
                job_id=job_id,
                directory=self.directory,
                clock=self.clock,
            ),
            name=f"export-job-{job_id}",
        )
        self.tasks[job_id] = task
        task.add_done_callback(lambda _t: self.tasks.pop(job_id, None))
        return task

    async def cancel(self, job_id: int) -> None:
        """Stop job ``job_id`` if it runs here."""
        task = self.tasks.pop(job_id, None)
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def cleanup(self) -> int:
        """Delete the expired jobs and files now."""
        return await cleanup(self.sessions, directory=self.directory, now=self.clock())

    async def startup(self) -> None:
        """Fail the jobs a previous process left behind, clean up, and clean up every hour.

        A failure here (a database not migrated yet, say) is logged and never stops the
        server; the hourly cleanup tries again."""
        try:
            await recover_interrupted(self.sessions, clock=self.clock)
            await self.cleanup()
        except Exception:
            log.exception("export jobs: startup recovery and cleanup failed")
        self._cleaner = asyncio.create_task(self._every_hour(), name="export-cleanup")

    async def _every_hour(self) -> None:
        while True:
            await asyncio.sleep(CLEANUP_EVERY_S)
            try:
                await self.cleanup()
            except Exception:  # a failed cleanup is retried next hour
                log.exception("export cleanup failed")

    async def stop(self) -> None:
        """Cancel the cleanup and every running job (they are marked failed)."""
        tasks = [t for t in (self._cleaner, *self.tasks.values()) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks.clear()
        self._cleaner = None
