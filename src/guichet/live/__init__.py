"""The live contact center: per-organization routing loops, recovery and snapshots.

`LiveRegistry` (registry.py) owns one `OrgRouter` (loop.py) per organization; actions hand it
commands; decisions are written (apply.py) before they are published (docs/events.md).
"""

from guichet.live.contracts import Outcome, RouterBroken
from guichet.live.loop import OrgRouter
from guichet.live.registry import LiveRegistry

__all__ = ["LiveRegistry", "OrgRouter", "Outcome", "RouterBroken"]
