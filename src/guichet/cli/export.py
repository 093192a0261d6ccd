"""`guichet export`: write a CSV export from the configured database (R-AN-6, R-AN-8).

It runs as a user of the organization (``--user``), whose statistics scope limits the rows
(R-A-2), or as the organization's first administrator. The event log is folded into the
projection first, as the API does; a Rich progress bar counts rows on stderr.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from guichet.domain.enums import Channel

err = Console(stderr=True)

KINDS = (
    "interactions",
    "agent_states",
    "callers_in_queue",
    "agent_performance",
    "resolved_conversations",
)


class CliError(Exception):
    """A problem the command reports in one line (exit code 1)."""


async def _export(
    *,
    kind: str,
    out: Path,
    start: str | None,
    end: str | None,
    queues: list[int],
    channels: list[str],
    agents: list[int],
    skills: list[int],
    delimiter: str,
    org_slug: str | None,
    email: str | None,
    quiet: bool,
) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
    from sqlalchemy import func, select

    from guichet.analytics import exports
    from guichet.analytics.jobs import write_csv
    from guichet.cli.main import load_settings
    from guichet.errors import GuichetError
    from guichet.persistence.db import create_engine, read_session_factory, session_factory
    from guichet.persistence.models import Organization, User
    from guichet.queries.access import load_subject

    settings = load_settings()
    engine = create_engine(settings.effective_database_url, search_path=settings.database_schema)
    sessions, readers = session_factory(engine), read_session_factory(engine)
    try:
        async with sessions() as s:
            if org_slug is not None:
                org = await s.scalar(select(Organization).where(Organization.slug == org_slug))
                if org is None:
                    raise CliError(f"no organization {org_slug!r}")
            else:
                orgs = list(await s.scalars(select(Organization).limit(2)))
                if len(orgs) != 1:
                    raise CliError("say which organization with --org SLUG")
                org = orgs[0]
            if email is not None:
                user = await s.scalar(
                    select(User).where(
                        User.org_id == org.id, func.lower(User.email) == email.lower()
                    )
                )
                if user is None:
                    raise CliError(f"no user {email!r} in {org.slug}")
                if not user.is_active:
                    raise CliError(f"{email!r} is deactivated: export as an active user")
            else:
                admins = [
                    u
                    for u in await s.scalars(
                        select(User)
                        .where(User.org_id == org.id, User.is_active.is_(True))
                        .order_by(User.id)
                    )
                    if "administrator" in u.roles
                ]
                if not admins:
                    raise CliError(f"{org.slug} has no administrator: give --user EMAIL")
                user = admins[0]
            subject = await load_subject(s, user)
            exports.statistics_scope(subject)
            filters = await exports.resolve_filters(
                s,
                org.id,
                start=start,
                end=end,
                queue_ids=queues,
                channels=channels,
                agent_ids=agents,
                skill_ids=skills,
                dashboard=kind in exports.DASHBOARD_KINDS,
            )
            request = exports.Request(subject, filters)
            await exports.prepare(s, org.id)
            total = int(await exports.EXPORTS[kind].count(s, request))
        with Progress(
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            disable=quiet,
            transient=True,
        ) as bar:
            task = bar.add_task(f"exporting {kind}", total=total)

            async def progress(done: int) -> None:
                bar.update(task, completed=done)

            await write_csv(
                readers,
                kind=kind,
                request=request,
                delimiter=delimiter,
                path=out,
                progress=progress,
                every=1000,
            )
        return total
    except GuichetError as exc:
        rule = f" ({exc.rule})" if exc.rule else ""
        raise CliError(f"{exc.field or exc.code}: {exc.detail}{rule}") from exc
    finally:
        await engine.dispose()


def export(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.")],
    out: Annotated[Path, typer.Option("--out", help="The CSV file to write.")],
    start: Annotated[
        str | None,
        typer.Option("--from", help="Period start: ISO-8601 time or date (organization's zone)."),
    ] = None,
    end: Annotated[str | None, typer.Option("--to", help="Period end (exclusive).")] = None,
    queue: Annotated[list[int] | None, typer.Option(help="Queue id (repeatable).")] = None,
    channel: Annotated[list[Channel] | None, typer.Option(help="Channel (repeatable).")] = None,
    agent: Annotated[list[int] | None, typer.Option(help="Agent (user) id (repeatable).")] = None,
    skill: Annotated[list[int] | None, typer.Option(help="Skill id (repeatable).")] = None,
    delimiter: Annotated[str, typer.Option(help="',' or ';' (French spreadsheets).")] = ",",
    org: Annotated[str | None, typer.Option(help="Organization slug (if several).")] = None,
    user: Annotated[
        str | None,
        typer.Option(help="Export as this user (their statistics scope applies, R-A-2)."),
    ] = None,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Write a CSV export (R-AN-6) of the configured database to --out."""
    from guichet.analytics.exports import EXPORTS

    if kind not in EXPORTS:
        available = ", ".join(k for k in KINDS if k in EXPORTS)
        err.print(f"[red]error:[/red] unknown export {kind!r}; one of: {available}")
        raise typer.Exit(2)
    if delimiter not in (",", ";"):
        err.print("[red]error:[/red] --delimiter must be ',' or ';'")
        raise typer.Exit(2)
    try:
        rows = asyncio.run(
            _export(
                kind=kind,
                out=out,
                start=start,
                end=end,
                queues=queue or [],
                channels=[c.value for c in channel or []],
                agents=agent or [],
                skills=skill or [],
                delimiter=delimiter,
                org_slug=org,
                email=user,
                quiet=quiet,
            )
        )
    except CliError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(1) from exc
    err.print(f"{rows} rows written to {out}")


def register(app: typer.Typer) -> None:
    """Add ``guichet export`` to the command."""
    app.command("export")(export)
