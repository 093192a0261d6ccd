"""The ``guichet`` command."""

from __future__ import annotations

import asyncio
from typing import Annotated

import typer
from rich.console import Console

from guichet.config import Settings, SettingsError

app = typer.Typer(help="Guichet: self-hosted omnichannel contact center.", no_args_is_help=True)
user_app = typer.Typer(help="Manage users.", no_args_is_help=True)
app.add_typer(user_app, name="user")
console = Console()


def load_settings() -> Settings:
    """Settings from the environment, or a clear message and exit code 2."""
    try:
        settings = Settings()
    except (SettingsError, ValueError) as exc:
        console.print(f"[red]Configuration error:[/red] {exc}")
        raise typer.Exit(2) from exc
    if not settings.database_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


@app.command()
def migrate() -> None:
    """Apply pending database migrations."""
    from guichet.persistence.migrate import current_revision, upgrade

    settings = load_settings()
    url, schema = settings.effective_database_url, settings.database_schema
    asyncio.run(upgrade(url, search_path=schema))
    revision = asyncio.run(current_revision(url, search_path=schema))
    console.print(f"database at revision [bold]{revision}[/bold]")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on.")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on.")] = None,
) -> None:
    """Apply pending migrations, then serve the API and web UI.

    Refused (exit code 1) when another server already routes the same database: one routing
    process per database (a PostgreSQL advisory lock, or a lock file beside the SQLite file).
    """
    import uvicorn

    from guichet.api import create_app
    from guichet.persistence.migrate import upgrade
    from guichet.persistence.ownership import OwnershipRefused, probe

    settings = load_settings()
    # Asked before migrating, for a clear message; the server takes the lock itself at start-up
    # (the app's lifespan) and keeps it while it runs, so a race between two starts still ends
    # with one of them refused.
    try:
        asyncio.run(probe(settings.effective_database_url, search_path=settings.database_schema))
    except OwnershipRefused as exc:
        console.print(f"[red]Not starting:[/red] {exc}", soft_wrap=True)
        raise typer.Exit(1) from exc
    if settings.auto_migrate:
        asyncio.run(upgrade(settings.effective_database_url, search_path=settings.database_schema))
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_level="info",
    )


@app.command()
def demo() -> None:
    """Create or refresh the demo organization and print how to log in."""
    from guichet.actions.demo import DEMO_PASSWORD, seed_demo
    from guichet.persistence.migrate import upgrade

    settings = load_settings()
    asyncio.run(upgrade(settings.effective_database_url, search_path=settings.database_schema))
    summary = asyncio.run(seed_demo(settings))
    console.print(f"Demo organization [bold]{summary.org_name}[/bold] ready.")
    for email, roles in summary.users:
        console.print(f"  {email:<28} {', '.join(roles)}")
    console.print(f"Password for every demo user: [bold]{DEMO_PASSWORD}[/bold]")
    console.print(
        "Log in: curl -s -X POST http://127.0.0.1:8000/api/v1/auth/login "
        "-H 'content-type: application/json' "
        f"""-d '{{"email": "ada.admin@demo.guichet.test", "password": "{DEMO_PASSWORD}"}}'"""
    )


@user_app.command("create")
def user_create(
    email: Annotated[str, typer.Option(help="Login e-mail.")],
    org: Annotated[str, typer.Option(help="Organization slug (created if missing).")],
    name: Annotated[str, typer.Option(help="Display name.")] = "",
    role: Annotated[
        list[str] | None, typer.Option(help="administrator, supervisor or agent (repeatable).")
    ] = None,
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)
    ] = "",
) -> None:
    """Create a user; the first administrator of an organization is made here (R-P-1)."""
    from guichet.actions.demo import create_user_cli
    from guichet.errors import GuichetError
    from guichet.persistence.migrate import upgrade

    settings = load_settings()
    asyncio.run(upgrade(settings.effective_database_url, search_path=settings.database_schema))
    try:
        user_id = asyncio.run(
            create_user_cli(
                settings,
                org_slug=org,
                email=email,
                name=name,
                roles=role or ["agent"],
                password=password,
            )
        )
    except GuichetError as exc:
        console.print(f"[red]{exc.field or 'error'}:[/red] {exc.detail}")
        raise typer.Exit(1) from exc
    console.print(f"user {email} created (id {user_id})")


def _register_optional() -> None:
    """Commands that live in their own modules."""
    import importlib

    try:
        simulate = importlib.import_module("guichet.cli.simulate")
    except ModuleNotFoundError as exc:  # the simulator commands land separately
        if exc.name != "guichet.cli.simulate":
            raise
        return
    simulate.register(app)


def _register_export() -> None:
    from guichet.cli import export

    export.register(app)


_register_optional()
_register_export()
