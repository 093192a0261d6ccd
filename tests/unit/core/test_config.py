"""Settings from the environment: the secret key guard and the default database."""

from __future__ import annotations

from pathlib import Path

import pytest

from guichet.config import DEFAULT_SECRET_KEY, Settings


def test_default_secret_refused_outside_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUICHET_SECRET_KEY", raising=False)
    monkeypatch.delenv("GUICHET_DEV", raising=False)
    with pytest.raises(ValueError, match="GUICHET_SECRET_KEY"):
        Settings()


def test_default_secret_allowed_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_DEV", "1")
    assert Settings().secret_key == DEFAULT_SECRET_KEY


def test_short_secret_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_SECRET_KEY", "short")
    with pytest.raises(ValueError, match="at least 16"):
        Settings()


def test_database_url_defaults_to_sqlite_under_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GUICHET_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("GUICHET_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("GUICHET_DATABASE_URL", raising=False)
    url = Settings().effective_database_url
    assert url == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'guichet.db'}"


def test_database_url_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUICHET_SECRET_KEY", "x" * 40)
    monkeypatch.setenv("GUICHET_DATABASE_URL", "postgresql+asyncpg://u@127.0.0.1/db")
    assert Settings().effective_database_url == "postgresql+asyncpg://u@127.0.0.1/db"
