"""The answer of the liveness and readiness check."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from guichet.api.schemas.common import Output


class HealthRead(Output):
    """The server answers and so does its database."""

    status: Literal["ok"]
    version: str = Field(description="the version of Guichet serving")
    database: str = Field(description="the database dialect: sqlite or postgresql")
