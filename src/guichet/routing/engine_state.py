"""The engine's shared state: what every part reads, no behaviour of its own.

The containers here are created once and changed in place (a configuration change refills
`queues`, it does not replace it), so a part may keep a reference to them.
"""

from __future__ import annotations

from .config import RoutingConfig
from .returns import ReturnMemory
from .skills import SkillTree
from .state import AgentRt, Ix, QueueRt
from .wait_tracker import WaitTracker


class EngineState:
    """Configuration, skill tree, agents, queues and interactions of one engine."""

    __slots__ = ("agents", "config", "ixs", "queues", "returns", "tracker", "tree")

    def __init__(self, config: RoutingConfig) -> None:
        self.config = config
        self.tree = SkillTree(())
        self.agents: dict[str, AgentRt] = {}
        self.queues: dict[str, QueueRt] = {}
        self.ixs: dict[str, Ix] = {}
        #: Arrivals and departures of queues with callbacks enabled (R-Q-6).
        self.tracker = WaitTracker()
        #: Abandoned places kept for returning contacts (R-X-9).
        self.returns = ReturnMemory()
