"""Real-time delivery: per-client event queues (register, snapshot, resume) and their tickets."""

from guichet.realtime.bus import (
    EventBus,
    QueueGone,
    QueueInfo,
    SnapshotProvider,
    default_snapshot,
)
from guichet.realtime.queue import Event

__all__ = ["Event", "EventBus", "QueueGone", "QueueInfo", "SnapshotProvider", "default_snapshot"]
