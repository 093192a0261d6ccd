"""Settings read from the environment (prefix ``GUICHET_``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SECRET_KEY = "change-me-guichet-dev-secret"


class SettingsError(ValueError):
    """Raised when the settings cannot run a server safely."""


class Settings(BaseSettings):
    """Everything the server needs to start; one instance per app."""

    model_config = SettingsConfigDict(env_prefix="GUICHET_", extra="ignore")

    database_url: str = Field(
        default="",
        description="SQLAlchemy async URL; empty means a SQLite file under data_dir.",
    )
    database_schema: str | None = Field(
        default=None,
        description="PostgreSQL schema to use (search_path); ignored on SQLite.",
        pattern=r"^[a-z_][a-z0-9_]{0,62}$",
    )
    data_dir: Path = Path("data")
    secret_key: str = DEFAULT_SECRET_KEY
    dev: bool = False
    session_ttl_s: int = Field(default=12 * 3600, gt=0)
    # argon2id cost; tests lower these to keep the suite fast.
    argon2_time_cost: int = Field(default=3, ge=1)
    argon2_memory_kib: int = Field(default=65536, ge=8)
    # Worker threads that hash and verify passwords off the event loop (each running hash holds
    # argon2_memory_kib of memory); more than the cores would not go faster.
    argon2_threads: int = Field(default=2, ge=1, le=64)
    # Login throttling (per process): failed attempts allowed per account (the e-mail, known or
    # not) and per client address within the sliding window, before answers turn to 429.
    login_max_failures_per_account: int = Field(default=5, ge=1)
    login_max_failures_per_address: int = Field(default=20, ge=1)
    login_window_s: float = Field(default=900.0, gt=0)
    # Database connection pool (docs/operations.md): connections kept open, extra ones opened
    # under load (closed again when handed back), and how long a request waits for one before
    # it is answered 503 with Retry-After. Each organization's routing loop holds one pool
    # connection for as long as it runs.
    db_pool_size: int = Field(default=20, ge=1, le=1000)
    db_max_overflow: int = Field(default=10, ge=0, le=1000)
    db_pool_timeout_s: float = Field(default=5.0, gt=0, le=300)
    host: str = "127.0.0.1"
    port: int = 8000
    auto_migrate: bool = True
    # Real-time: WebSocket heartbeat period and the bounds of each client's event queue.
    ws_heartbeat_s: float = Field(default=25.0, gt=0)
    event_queue_max_events: int = Field(default=1000, ge=1)
    event_queue_idle_s: float = Field(default=600.0, gt=0)
    # Routing overload limits: commands queued per organization's loop before 503, and how long
    # a command may wait in that queue before it is dropped unrun (503, nothing written).
    routing_queue_max: int = Field(default=2000, ge=1)
    routing_command_timeout_s: float = Field(default=10.0, gt=0)
    # CSV exports (R-AN-6): a larger export is refused with 413 and made by an export job.
    export_sync_max_rows: int = Field(default=100_000, ge=0)
    # Request bodies (issue 12 finding 6): larger ones are answered 413 before being parsed
    # (docs/api/README.md "Input rules and limits"). The WebSocket path is not affected.
    max_request_body_bytes: int = Field(default=1_048_576, ge=1024)

    @model_validator(mode="after")
    def _check_secret(self) -> Settings:
        if not self.dev and self.secret_key == DEFAULT_SECRET_KEY:
            raise SettingsError(
                "GUICHET_SECRET_KEY is left at its default; set a long random value "
                "(or GUICHET_DEV=1 for a development server)"
            )
        if len(self.secret_key) < 16:
            raise SettingsError("GUICHET_SECRET_KEY must be at least 16 characters")
        return self

    @property
    def effective_database_url(self) -> str:
        """The database URL, defaulting to ``sqlite+aiosqlite:///<data_dir>/guichet.db``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'guichet.db').resolve()}"
