"""What the catalog list tests share (labels R-Q-10, pause reasons R-Q-9, dispositions R-W-3,
tags R-W-2): create a row and read a list's names back, asserting each answer's status."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import World


async def create(world: World, url: str, headers: dict[str, str], **body: Any) -> Any:
    """POST ``body`` to the list at ``url``; the answer must be 201. Returns the new row."""
    r = await world.client.post(url, json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


async def names(
    world: World, url: str, headers: dict[str, str], query: str = "", **params: Any
) -> list[str]:
    """The names of the list at ``url`` + ``query`` (``"?active=true"``) or with ``params``."""
    r = await world.client.get(url + query, params=params or None, headers=headers)
    assert r.status_code == 200, r.text
    return [row["name"] for row in r.json()]


@dataclass(frozen=True)
class NamedList:
    """One list, for tests that make rows by name: ``create(world, headers, name, **extra)``
    and ``names(world, headers, query="")``."""

    url: str

    async def create(self, world: World, headers: dict[str, str], name: str, **extra: Any) -> Any:
        return await create(world, self.url, headers, name=name, **extra)

    async def names(self, world: World, headers: dict[str, str], query: str = "") -> list[str]:
        return await names(world, self.url, headers, query)
