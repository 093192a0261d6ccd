"""Small builders shared by the routing engine tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from guichet.domain.enums import AgentState, Channel
from guichet.routing import (
    AgentConfig,
    AgentStateChanged,
    Decision,
    InteractionArrived,
    OfferInteraction,
    QueueConfig,
    RoutingConfig,
    RoutingEngine,
    SkillConfig,
)

VOICE = Channel.VOICE
CHAT = Channel.CHAT


def engine(
    agents: Sequence[AgentConfig],
    queues: Sequence[QueueConfig] = (QueueConfig("q"),),
    skills: Sequence[SkillConfig] = (),
    *,
    available: Iterable[str] | None = None,
    seed: int = 0,
    **config: object,
) -> RoutingEngine:
    """An engine with these agents available at t=0 (all of them unless `available`)."""
    cfg = RoutingConfig(skills=tuple(skills), agents=tuple(agents), queues=tuple(queues), **config)  # type: ignore[arg-type]
    e = RoutingEngine(cfg, seed=seed)
    for aid in [a.id for a in agents] if available is None else available:
        e.handle(AgentStateChanged(aid, AgentState.AVAILABLE), 0.0)
    return e


def agent(
    aid: str, *queues: str, skills: dict[str, int] | None = None, **kw: object
) -> AgentConfig:
    """An agent in the given queues (default: `q`)."""
    return AgentConfig(aid, skills or {}, queues or ("q",), **kw)  # type: ignore[arg-type]


def arrive(
    e: RoutingEngine, iid: str, now: float, queue: str = "q", **kw: object
) -> list[Decision]:
    """A voice interaction (unless `channel=`) arrives in `queue`."""
    channel = kw.pop("channel", VOICE)
    return e.handle(InteractionArrived(iid, channel, queue, **kw), now)  # type: ignore[arg-type]


def offers(decisions: Iterable[Decision]) -> list[tuple[str, tuple[str, ...]]]:
    """(interaction, agents) of every offer among the decisions."""
    return [(d.interaction_id, d.agent_ids) for d in decisions if isinstance(d, OfferInteraction)]


def only(decisions: Iterable[Decision], kind: type) -> list[Decision]:
    """The decisions of one type."""
    return [d for d in decisions if isinstance(d, kind)]
