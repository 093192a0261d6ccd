"""Access rights on conversations (R-A-1..R-A-6), as pure data and pure functions.

A role grants, per :class:`Area`, a :class:`Scope`; a user's roles add up area by area, the most
permissive scope winning (R-A-3). The policy answers two questions with one model:

- :func:`may` — may this subject do something in this area to this object (described by its
  facts)?
- :func:`conversation_filter`, :func:`queue_filter`, :func:`canned_filter` — which rows may
  this subject see? The answer is a small predicate tree (:data:`Filter`) that the persistence
  layer compiles into the SQL ``WHERE`` of a list, a search, a statistic or an export, and that
  :func:`matches` evaluates in memory. ``may(s, a, facts) == matches(filter(s, a), facts)`` for
  every subject, area and object: a property test holds the two answers together.

Nothing here touches a database: the callers load :class:`Subject` and the facts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum, StrEnum
from typing import TypeAlias


class Area(StrEnum):
    """What a role grants a scope on (R-A-2)."""

    CHANNELS_VIEW = "channels_view"
    CHANNELS_EDIT = "channels_edit"
    CHANNELS_CONNECT = "channels_connect"
    STATISTICS = "statistics"
    HISTORY = "history"
    JOIN = "join"
    EVALUATE = "evaluate"
    CANNED = "canned"
    ACCESS_RIGHTS = "access_rights"


class Scope(IntEnum):
    """How far a grant reaches, ordered from the least to the most permissive (R-A-2)."""

    DENIED = 0
    OWN = 1
    DEPARTMENT = 2
    ALL = 3

    @property
    def label(self) -> str:
        """The name used in the API and the docs."""
        return self.name.lower()

    @classmethod
    def parse(cls, value: str) -> Scope:
        """The scope named ``value`` (``own``, ``department``, ``all``, ``denied``)."""
        return cls[value.upper()]


AREAS: tuple[Area, ...] = tuple(Area)
Grants: TypeAlias = Mapping[Area, Scope]

#: Conversation areas: "own" means handled by the subject, "department" adds the conversations
#: handled by members of the subject's department and its sub-departments.
CONVERSATION_AREAS = frozenset({Area.STATISTICS, Area.HISTORY, Area.JOIN, Area.EVALUATE})
#: Channel areas apply to queues: "own" means a queue the subject is a member of.
CHANNEL_AREAS = frozenset({Area.CHANNELS_VIEW, Area.CHANNELS_EDIT, Area.CHANNELS_CONNECT})


def grants(default: Scope = Scope.DENIED, **by_area: Scope) -> dict[Area, Scope]:
    """A complete grant table: every area, ``default`` where not named."""
    return {a: by_area.get(a.value, default) for a in AREAS}


@dataclass(frozen=True)
class RoleDefinition:
    """A predefined role (R-A-1): a stable key, a name and its grant table."""

    key: str
    name: str
    grants: Mapping[Area, Scope]


ADMINISTRATOR_ROLE = RoleDefinition("administrator", "Administrator", grants(Scope.ALL))
DIRECTOR_ROLE = RoleDefinition(
    "director",
    "Director",
    grants(
        Scope.ALL,
        channels_edit=Scope.DENIED,
        channels_connect=Scope.DENIED,
        access_rights=Scope.DENIED,
    ),
)
MANAGER_ROLE = RoleDefinition(
    "manager",
    "Manager",
    grants(
        Scope.DENIED,
        channels_view=Scope.OWN,
        statistics=Scope.OWN,
        history=Scope.OWN,
        join=Scope.OWN,
        canned=Scope.OWN,
    ),
)
PREDEFINED_ROLES: tuple[RoleDefinition, ...] = (ADMINISTRATOR_ROLE, DIRECTOR_ROLE, MANAGER_ROLE)


def union(tables: Iterable[Grants]) -> dict[Area, Scope]:
    """R-A-3: area by area, the most permissive scope of any of the roles (denied if none)."""
    out = dict.fromkeys(AREAS, Scope.DENIED)
    for table in tables:
        for area, scope in table.items():
            if scope > out[area]:
                out[area] = scope
    return out


@dataclass(frozen=True)
class Subject:
    """Who asks: a user with the union of their roles' grants.

    ``departments`` holds the user's department and every department below it (R-A-2
    "department" scope). ``administrator`` is the contact-center administrator (R-P-1), who
    holds the Administrator role whatever is assigned. ``member_queues`` are the queues the
    user belongs to (their "own" channels).
    """

    org_id: int
    user_id: int
    scopes: Mapping[Area, Scope] = field(default_factory=lambda: grants())
    departments: frozenset[int] = frozenset()
    administrator: bool = False
    member_queues: frozenset[int] = frozenset()

    def scope(self, area: Area) -> Scope:
        """The subject's scope in ``area`` (everything for an administrator)."""
        if self.administrator:
            return Scope.ALL
        return self.scopes.get(area, Scope.DENIED)


@dataclass(frozen=True)
class ConversationFacts:
    """What the policy needs to know of one conversation (interaction)."""

    org_id: int
    #: Every agent who handled it (the current one and earlier assignments).
    agents: frozenset[int] = frozenset()
    #: The departments of those agents (None for an agent without a department is left out).
    agent_departments: frozenset[int] = frozenset()
    contact_owner: int | None = None
    contact_department: int | None = None


@dataclass(frozen=True)
class QueueFacts:
    """What the policy needs to know of one queue (a channel)."""

    org_id: int
    members: frozenset[int] = frozenset()
    member_departments: frozenset[int] = frozenset()


@dataclass(frozen=True)
class CannedFacts:
    """What the policy needs to know of one canned message (R-Q-11, R-A-2 canned responses)."""

    org_id: int
    public: bool
    owner: int | None = None
    #: The queue it belongs to; None for a message of the whole organization.
    queue: int | None = None
    queue_members: frozenset[int] = frozenset()
    queue_member_departments: frozenset[int] = frozenset()


# --- Row filters: a predicate tree compiled to SQL by the persistence layer -------------------


@dataclass(frozen=True)
class AllRows:
    """Every row of the subject's organization."""


@dataclass(frozen=True)
class NoRows:
    """No row at all."""


@dataclass(frozen=True)
class HandledBy:
    """Conversations one of ``users`` handled."""

    users: frozenset[int]


@dataclass(frozen=True)
class HandledInDepartments:
    """Conversations handled by a member of one of ``departments``."""

    departments: frozenset[int]


@dataclass(frozen=True)
class ContactOwnedBy:
    """Conversations whose contact record belongs to ``user`` (R-A-4)."""

    user: int


@dataclass(frozen=True)
class ContactInDepartments:
    """Conversations whose contact record belongs to one of ``departments`` (R-A-4)."""

    departments: frozenset[int]


@dataclass(frozen=True)
class QueueHasMember:
    """Queues (or canned messages of queues) with one of ``users`` as a member."""

    users: frozenset[int]


@dataclass(frozen=True)
class QueueMemberInDepartments:
    """Queues (or canned messages of queues) with a member in one of ``departments``."""

    departments: frozenset[int]


@dataclass(frozen=True)
class OrgWide:
    """Canned messages that belong to no queue (the whole organization's)."""


@dataclass(frozen=True)
class Public:
    """Canned messages that are public (R-Q-11)."""


@dataclass(frozen=True)
class OwnedBy:
    """Canned messages written by ``user``."""

    user: int


@dataclass(frozen=True)
class AnyOf:
    """At least one of ``parts`` holds (no part: nothing)."""

    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class AllOf:
    """Every one of ``parts`` holds (no part: everything)."""

    parts: tuple[Filter, ...]


Filter: TypeAlias = (
    AllRows
    | NoRows
    | HandledBy
    | HandledInDepartments
    | ContactOwnedBy
    | ContactInDepartments
    | QueueHasMember
    | QueueMemberInDepartments
    | OrgWide
    | Public
    | OwnedBy
    | AnyOf
    | AllOf
)


def any_of(*parts: Filter) -> Filter:
    """``AnyOf`` without the trivial cases: AllRows wins, NoRows drops out."""
    kept = tuple(p for p in parts if not isinstance(p, NoRows))
    if any(isinstance(p, AllRows) for p in kept):
        return AllRows()
    if not kept:
        return NoRows()
    return kept[0] if len(kept) == 1 else AnyOf(kept)


def all_of(*parts: Filter) -> Filter:
    """``AllOf`` without the trivial cases: NoRows wins, AllRows drops out."""
    kept = tuple(p for p in parts if not isinstance(p, AllRows))
    if any(isinstance(p, NoRows) for p in kept):
        return NoRows()
    if not kept:
        return AllRows()
    return kept[0] if len(kept) == 1 else AllOf(kept)


def crm_filter(subject: Subject) -> Filter:
    """R-A-4: the contact records the subject may access: their own and their department's."""
    parts: list[Filter] = [ContactOwnedBy(subject.user_id)]
    if subject.departments:
        parts.append(ContactInDepartments(subject.departments))
    return any_of(*parts)


def _by_scope(subject: Subject, scope: Scope) -> Filter:
    if scope is Scope.ALL:
        return AllRows()
    if scope is Scope.DENIED:
        return NoRows()
    own: Filter = HandledBy(frozenset({subject.user_id}))
    if scope is Scope.DEPARTMENT and subject.departments:
        return any_of(own, HandledInDepartments(subject.departments))
    return own


def conversation_filter(subject: Subject, area: Area) -> Filter:
    """The conversations ``subject`` may see in ``area`` (R-A-2, R-A-4, R-A-5).

    History and join also reach the conversations of contact records the subject may access
    (CRM precedence, R-A-4). Evaluating needs both the evaluate scope and the right to read
    the history (R-A-5).
    """
    if area not in CONVERSATION_AREAS:
        raise ValueError(f"{area} is not a conversation area")
    own_scope = _by_scope(subject, subject.scope(area))
    if area in (Area.HISTORY, Area.JOIN):
        return any_of(own_scope, crm_filter(subject))
    if area is Area.EVALUATE:
        return all_of(own_scope, conversation_filter(subject, Area.HISTORY))
    return own_scope


def queue_filter(subject: Subject, area: Area) -> Filter:
    """The queues (channels) ``subject`` may see or change in ``area`` (R-A-2)."""
    if area not in CHANNEL_AREAS:
        raise ValueError(f"{area} is not a channel area")
    scope = subject.scope(area)
    if scope is Scope.ALL:
        return AllRows()
    if scope is Scope.DENIED:
        return NoRows()
    own: Filter = QueueHasMember(frozenset({subject.user_id}))
    if scope is Scope.DEPARTMENT and subject.departments:
        return any_of(own, QueueMemberInDepartments(subject.departments))
    return own


def canned_filter(subject: Subject) -> Filter:
    """The canned messages ``subject`` may read (R-Q-11, R-A-2 "canned responses").

    Private messages are their author's alone, whatever the role. Public ones of the whole
    organization are for everyone; a queue's public ones are for the queue's members, and
    reach further with the canned-responses scope (a transferred chat's new agent may need
    them). Everyone holds at least the "own" scope here: members always read their queues'.
    """
    scope = max(subject.scope(Area.CANNED), Scope.OWN)
    reach: Filter
    if scope is Scope.ALL:
        reach = AllRows()
    else:
        members: Filter = QueueHasMember(frozenset({subject.user_id}))
        if scope is Scope.DEPARTMENT and subject.departments:
            members = any_of(members, QueueMemberInDepartments(subject.departments))
        reach = any_of(OrgWide(), members)
    return any_of(OwnedBy(subject.user_id), all_of(Public(), reach))


Facts: TypeAlias = ConversationFacts | QueueFacts | CannedFacts


def matches(flt: Filter, facts: Facts) -> bool:
    """Evaluate ``flt`` on one object's facts: what the compiled SQL does for one row."""
    match flt:
        case AllRows():
            return True
        case NoRows():
            return False
        case AnyOf(parts):
            return any(matches(p, facts) for p in parts)
        case AllOf(parts):
            return all(matches(p, facts) for p in parts)
        case HandledBy(users):
            return isinstance(facts, ConversationFacts) and bool(users & facts.agents)
        case HandledInDepartments(departments):
            return isinstance(facts, ConversationFacts) and bool(
                departments & facts.agent_departments
            )
        case ContactOwnedBy(user):
            return isinstance(facts, ConversationFacts) and facts.contact_owner == user
        case ContactInDepartments(departments):
            return isinstance(facts, ConversationFacts) and facts.contact_department in departments
        case QueueHasMember(users):
            if isinstance(facts, QueueFacts):
                return bool(users & facts.members)
            return isinstance(facts, CannedFacts) and bool(users & facts.queue_members)
        case QueueMemberInDepartments(departments):
            if isinstance(facts, QueueFacts):
                return bool(departments & facts.member_departments)
            return isinstance(facts, CannedFacts) and bool(
                departments & facts.queue_member_departments
            )
        case OrgWide():
            return isinstance(facts, CannedFacts) and facts.queue is None
        case Public():
            return isinstance(facts, CannedFacts) and facts.public
        case OwnedBy(user):
            return isinstance(facts, CannedFacts) and facts.owner == user
    raise TypeError(f"not a filter: {flt!r}")  # pragma: no cover - exhaustive above


def may(subject: Subject, area: Area, facts: Facts) -> bool:
    """May ``subject`` act in ``area`` on the object described by ``facts``?

    Another organization's object is never reachable. Otherwise the answer is the row filter
    of the area applied to the object, so lists and single-object checks always agree.
    """
    if facts.org_id != subject.org_id:
        return False
    if isinstance(facts, ConversationFacts):
        return matches(conversation_filter(subject, area), facts)
    if isinstance(facts, QueueFacts):
        return matches(queue_filter(subject, area), facts)
    if area is not Area.CANNED:
        raise ValueError(f"{area} does not apply to canned messages")
    return matches(canned_filter(subject), facts)


def may_manage_access(subject: Subject) -> bool:
    """Whether the subject may change roles and their assignments (R-A-2 "change access rights").

    Any scope but denied allows it; an administrator always may.
    """
    return subject.scope(Area.ACCESS_RIGHTS) is not Scope.DENIED


def may_connect(subject: Subject) -> bool:
    """Whether the subject may create (connect) channels (R-A-2 "connect channels")."""
    return subject.scope(Area.CHANNELS_CONNECT) is not Scope.DENIED
