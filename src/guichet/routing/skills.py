"""The skill forest: descendants qualify (R-SK-2), overflow eligibility (R-SK-4)."""

from __future__ import annotations

from collections.abc import Mapping

from .config import SkillConfig
from .state import Requirement


class SkillCycleError(ValueError):
    """A parent link would make the skill forest cyclic (R-SK-2)."""

    code = "skill_cycle"


class SkillTree:
    """Precomputed ancestors per skill, so qualification is a dictionary lookup."""

    __slots__ = ("ancestors", "by_id")

    def __init__(self, skills: tuple[SkillConfig, ...]) -> None:
        self.by_id: dict[str, SkillConfig] = {s.id: s for s in skills}
        self.ancestors: dict[str, tuple[str, ...]] = {}
        for s in skills:
            chain = [s.id]
            parent = s.parent
            while parent is not None:
                if parent in chain:
                    raise SkillCycleError(f"skill {s.id!r} is its own ancestor")
                chain.append(parent)
                ps = self.by_id.get(parent)
                parent = None if ps is None else ps.parent
            self.ancestors[s.id] = tuple(chain)

    def effective(self, held: Mapping[str, int]) -> dict[str, int]:
        """Skill -> best proficiency over the held skills that are it or its descendants."""
        eff: dict[str, int] = {}
        for skill, prof in held.items():
            for anc in self.ancestors.get(skill, (skill,)):
                if eff.get(anc, 0) < prof:
                    eff[anc] = prof
        return eff

    def receives_overflow(self, held: Mapping[str, int]) -> bool:
        """R-SK-4: an agent with no skill, or with one skill marked `overflow_in`."""
        if not held:
            return True
        for skill in held:
            cfg = self.by_id.get(skill)
            if cfg is None or cfg.overflow_in:
                return True
        return False

    def overflow_rule(self, req: Requirement) -> tuple[bool, float]:
        """R-SK-4: whether a requirement may overflow, and after how many seconds."""
        if not req:
            return False, 0.0
        delay = 0.0
        for skill, _prof in req:
            cfg = self.by_id.get(skill)
            if cfg is None:
                continue
            if not cfg.overflow_out:
                return False, 0.0
            delay = max(delay, cfg.overflow_after_s)
        return True, delay


def qualifies(eff: Mapping[str, int], req: Requirement) -> bool:
    """R-SK-2, R-X-7: the agent holds every required skill (or a descendant) at the level."""
    for skill, prof in req:  # noqa: SIM110 - a plain loop beats all() on this hot path
        if eff.get(skill, 0) < prof:
            return False
    return True
