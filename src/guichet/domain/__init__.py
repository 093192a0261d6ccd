"""Pure domain vocabulary shared by every layer: enums and small value types.

Imports nothing from the rest of the package, so the routing engine, the flow walker, the
simulator and the authorization policy can all depend on it.
"""

from guichet.domain.enums import (
    AgentState,
    Channel,
    QueueKind,
    QueueType,
    Strategy,
)

__all__ = ["AgentState", "Channel", "QueueKind", "QueueType", "Strategy"]
