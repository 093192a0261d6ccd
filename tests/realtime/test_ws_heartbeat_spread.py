"""Sockets opened together spread their heartbeats (issue 12 finding 13), over a real server
on SQLite and PostgreSQL.

Each heartbeat also re-checks the socket's session in the database. When every socket beat on
the same period from its opening, all the agents reconnecting together (after a restart, at
shift start) queried the database in the same second, every period. The first beat now comes
at a random moment of the second half of the first period, then one every period.
"""

from __future__ import annotations

import asyncio
import json
import time

from websockets.asyncio.client import ClientConnection

from tests.realtime.test_ws_uvicorn import Served, served

__all__ = ["served"]

SOCKETS = 20
PERIOD_S = 2.0


async def first_heartbeat_after(served: Served) -> float:
    """Seconds from a socket's opening to its first heartbeat."""
    ws: ClientConnection = await served.socket()
    try:
        opened = time.monotonic()
        async with asyncio.timeout(PERIOD_S * 3):
            while json.loads(await ws.recv())["op"] != "heartbeat":
                pass
        return time.monotonic() - opened
    finally:
        await ws.close()


async def test_sockets_opened_together_do_not_recheck_their_sessions_together(
    served: Served,
) -> None:
    # Every socket reads the period when it opens: a longer one than the fixture's makes the
    # spread stand far above the timing noise of a loaded machine.
    served.state.settings.ws_heartbeat_s = PERIOD_S
    firsts = await asyncio.gather(*(first_heartbeat_after(served) for _ in range(SOCKETS)))
    # Never later than one period (clients count two silent periods as a dead connection)...
    assert max(firsts) < PERIOD_S * 1.25, firsts
    assert min(firsts) > PERIOD_S * 0.45, firsts
    # ...and spread over it: all at one period from the opening before (within 0.25 s of
    # noise here). Twenty uniform draws over half a period fall within a quarter of the period
    # with odds of about 4e-5.
    assert max(firsts) - min(firsts) > PERIOD_S / 4, sorted(firsts)
