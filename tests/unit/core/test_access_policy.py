"""The access-rights policy, pure (R-A-1..R-A-5): roles, scopes, union, row filters and ``may``.

Each rule is checked on hand-made facts against its wording; the property tests hold the row
filter (what becomes SQL) and the single-object answer together, and check them against a
reference written straight from the rules.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.authz.access import (
    AREAS,
    CHANNEL_AREAS,
    CONVERSATION_AREAS,
    PREDEFINED_ROLES,
    Area,
    CannedFacts,
    ConversationFacts,
    Facts,
    QueueFacts,
    Scope,
    Subject,
    canned_filter,
    conversation_filter,
    grants,
    matches,
    may,
    may_connect,
    may_manage_access,
    queue_filter,
    union,
)

ORG, OTHER_ORG = 1, 2
ME, COLLEAGUE, STRANGER = 10, 11, 12
MY_DEPT, SUB_DEPT, OTHER_DEPT = 100, 101, 200
ROLES = {role.key: role for role in PREDEFINED_ROLES}
SETTINGS_AREAS = {Area.CHANNELS_EDIT, Area.CHANNELS_CONNECT, Area.ACCESS_RIGHTS}
NOBODY = union([])


def subject(
    scopes: dict[Area, Scope] | None = None,
    *,
    administrator: bool = False,
    departments: frozenset[int] = frozenset({MY_DEPT, SUB_DEPT}),
) -> Subject:
    """Me, in MY_DEPT (with SUB_DEPT below it), holding ``scopes``."""
    return Subject(
        org_id=ORG,
        user_id=ME,
        scopes=scopes if scopes is not None else NOBODY,
        departments=departments,
        administrator=administrator,
    )


def only(area: Area, scope: Scope) -> dict[Area, Scope]:
    """A grant table with ``scope`` in ``area`` and everything else denied."""
    return {**NOBODY, area: scope}


def conv(
    *agents: int,
    depts: tuple[int, ...] = (),
    owner: int | None = None,
    contact_dept: int | None = None,
    org: int = ORG,
) -> ConversationFacts:
    """A conversation handled by ``agents`` (members of ``depts``) for a contact."""
    return ConversationFacts(
        org_id=org,
        agents=frozenset(agents),
        agent_departments=frozenset(depts),
        contact_owner=owner,
        contact_department=contact_dept,
    )


MINE = conv(ME, depts=(MY_DEPT,))
#: I handled it earlier; a colleague has it now (both are in the facts' agents).
MINE_EARLIER = conv(ME, COLLEAGUE, depts=(MY_DEPT,))
SUB_DEPARTMENT_S = conv(COLLEAGUE, depts=(SUB_DEPT,))
OTHER_DEPARTMENT_S = conv(STRANGER, depts=(OTHER_DEPT,))
UNHANDLED = conv()


# --- R-A-1 -----------------------------------------------------------------------------------


def test_r_a_1_predefined_roles_exact_grant_tables() -> None:
    """R-A-1: Administrator = every area all; Director = all but the settings areas (channels
    edit, connect channels, access rights) denied; Manager = own conversations only."""
    assert [r.key for r in PREDEFINED_ROLES] == ["administrator", "director", "manager"]
    assert dict(ROLES["administrator"].grants) == dict.fromkeys(AREAS, Scope.ALL)
    assert dict(ROLES["director"].grants) == {
        a: Scope.DENIED if a in SETTINGS_AREAS else Scope.ALL for a in AREAS
    }
    manager_own = {Area.CHANNELS_VIEW, Area.STATISTICS, Area.HISTORY, Area.JOIN, Area.CANNED}
    assert dict(ROLES["manager"].grants) == {
        a: Scope.OWN if a in manager_own else Scope.DENIED for a in AREAS
    }
    # Every table is complete: no area is left to a default.
    assert all(set(r.grants) == set(AREAS) for r in PREDEFINED_ROLES)


def test_r_a_1_manager_sees_only_own_conversations_and_director_all() -> None:
    """R-A-1: a manager sees only their own conversations; a director sees all, no settings."""
    manager = subject(dict(ROLES["manager"].grants))
    director = subject(dict(ROLES["director"].grants))
    for area in (Area.STATISTICS, Area.HISTORY, Area.JOIN):
        assert may(manager, area, MINE) and may(manager, area, MINE_EARLIER)
        assert not may(manager, area, SUB_DEPARTMENT_S)
        assert not may(manager, area, OTHER_DEPARTMENT_S)
        assert all(may(director, area, f) for f in (MINE, SUB_DEPARTMENT_S, OTHER_DEPARTMENT_S))
    assert not may(manager, Area.EVALUATE, MINE)
    assert may(director, Area.EVALUATE, OTHER_DEPARTMENT_S)
    assert not may_manage_access(director) and not may_connect(director)
    assert not may(director, Area.CHANNELS_EDIT, QueueFacts(ORG, members=frozenset({ME})))
    assert may(director, Area.CHANNELS_VIEW, QueueFacts(ORG))
    admin_role = subject(dict(ROLES["administrator"].grants))
    assert may_manage_access(admin_role) and may_connect(admin_role)


def test_contact_center_administrator_reaches_everything() -> None:
    """The contact-center administrator (R-P-1) holds every scope whatever is assigned."""
    admin = subject(NOBODY, administrator=True, departments=frozenset())
    assert all(admin.scope(a) is Scope.ALL for a in AREAS)
    for area in CONVERSATION_AREAS:
        for facts in (MINE, SUB_DEPARTMENT_S, OTHER_DEPARTMENT_S, UNHANDLED):
            assert may(admin, area, facts)
    for area in CHANNEL_AREAS:
        assert may(admin, area, QueueFacts(ORG))
    assert may(admin, Area.CANNED, CannedFacts(ORG, public=True, queue=7))
    assert may_manage_access(admin) and may_connect(admin)


# --- R-A-2 -----------------------------------------------------------------------------------


@pytest.mark.parametrize("area", sorted(CONVERSATION_AREAS))
def test_r_a_2_conversation_scopes(area: Area) -> None:
    """R-A-2: own = handled by me now or in an earlier assignment; department = + handled by a
    member of my department or one below it; all = every conversation; denied = none."""
    # Evaluating needs the history as well (R-A-5): give it fully, so the area alone decides.
    base = {**NOBODY, Area.HISTORY: Scope.ALL}

    def sees(scope: Scope) -> set[str]:
        s = subject({**base, area: scope})
        named = {
            "mine": MINE,
            "mine_earlier": MINE_EARLIER,
            "sub_department": SUB_DEPARTMENT_S,
            "other_department": OTHER_DEPARTMENT_S,
            "unhandled": UNHANDLED,
        }
        return {name for name, facts in named.items() if may(s, area, facts)}

    everything = {"mine", "mine_earlier", "sub_department", "other_department", "unhandled"}
    assert sees(Scope.DENIED) == set()
    assert sees(Scope.OWN) == {"mine", "mine_earlier"}
    assert sees(Scope.DEPARTMENT) == {"mine", "mine_earlier", "sub_department"}
    assert sees(Scope.ALL) == everything


def test_r_a_2_department_scope_without_a_department_is_own() -> None:
    """R-A-2: "department" is own + the department's; a user without one keeps their own."""
    s = subject(only(Area.STATISTICS, Scope.DEPARTMENT), departments=frozenset())
    assert may(s, Area.STATISTICS, MINE)
    assert not may(s, Area.STATISTICS, SUB_DEPARTMENT_S)


def test_r_a_2_a_parent_department_is_not_in_my_scope() -> None:
    """R-A-2: the department scope reaches down the tree, never up or sideways."""
    s = subject(only(Area.HISTORY, Scope.DEPARTMENT), departments=frozenset({SUB_DEPT}))
    assert may(s, Area.HISTORY, SUB_DEPARTMENT_S)
    assert not may(s, Area.HISTORY, conv(COLLEAGUE, depts=(MY_DEPT,)))


@pytest.mark.parametrize("area", sorted(CHANNEL_AREAS))
def test_r_a_2_channel_scopes(area: Area) -> None:
    """R-A-2 channels: own = queues I am a member of; department = + queues with a member in my
    department subtree; all = every queue; denied = none."""
    member = QueueFacts(ORG, members=frozenset({ME, STRANGER}), member_departments=frozenset())
    colleagues = QueueFacts(
        ORG, members=frozenset({COLLEAGUE}), member_departments=frozenset({SUB_DEPT})
    )
    strangers = QueueFacts(
        ORG, members=frozenset({STRANGER}), member_departments=frozenset({OTHER_DEPT})
    )
    empty = QueueFacts(ORG)
    queues = {"member": member, "colleagues": colleagues, "strangers": strangers, "empty": empty}

    def sees(scope: Scope) -> set[str]:
        s = subject(only(area, scope))
        return {name for name, facts in queues.items() if may(s, area, facts)}

    assert sees(Scope.DENIED) == set()
    assert sees(Scope.OWN) == {"member"}
    assert sees(Scope.DEPARTMENT) == {"member", "colleagues"}
    assert sees(Scope.ALL) == set(queues)


def test_r_a_2_channel_areas_are_separate() -> None:
    """R-A-2: channels view, channels edit and connect channels are granted separately."""
    s = subject(only(Area.CHANNELS_VIEW, Scope.ALL))
    assert may(s, Area.CHANNELS_VIEW, QueueFacts(ORG))
    assert not may(s, Area.CHANNELS_EDIT, QueueFacts(ORG, members=frozenset({ME})))
    assert not may_connect(s)
    assert may_connect(subject(only(Area.CHANNELS_CONNECT, Scope.OWN)))
    assert may_manage_access(subject(only(Area.ACCESS_RIGHTS, Scope.OWN)))
    assert not may_manage_access(subject(only(Area.CHANNELS_EDIT, Scope.ALL)))


def test_r_a_2_canned_responses() -> None:
    """R-A-2 canned responses with R-Q-11: a private message is its author's alone whatever the
    role; public ones of the organization are for everyone; a queue's public ones are for its
    members, for the department scope when a member is in my subtree, and for the all scope."""
    mine_private = CannedFacts(ORG, public=False, owner=ME)
    others_private = CannedFacts(ORG, public=False, owner=STRANGER)
    org_public = CannedFacts(ORG, public=True, owner=STRANGER)
    my_queue = CannedFacts(ORG, public=True, owner=STRANGER, queue=1, queue_members=frozenset({ME}))
    dept_queue = CannedFacts(
        ORG,
        public=True,
        owner=STRANGER,
        queue=2,
        queue_members=frozenset({COLLEAGUE}),
        queue_member_departments=frozenset({SUB_DEPT}),
    )
    far_queue = CannedFacts(
        ORG,
        public=True,
        owner=STRANGER,
        queue=3,
        queue_members=frozenset({STRANGER}),
        queue_member_departments=frozenset({OTHER_DEPT}),
    )
    messages = {
        "mine_private": mine_private,
        "others_private": others_private,
        "org_public": org_public,
        "my_queue": my_queue,
        "dept_queue": dept_queue,
        "far_queue": far_queue,
    }

    def reads(s: Subject) -> set[str]:
        return {name for name, facts in messages.items() if may(s, Area.CANNED, facts)}

    floor = {"mine_private", "org_public", "my_queue"}
    # Agents use canned messages without any access role (R-Q-11): the floor is "own".
    assert reads(subject(only(Area.CANNED, Scope.DENIED))) == floor
    assert reads(subject(only(Area.CANNED, Scope.OWN))) == floor
    assert reads(subject(only(Area.CANNED, Scope.DEPARTMENT))) == floor | {"dept_queue"}
    assert reads(subject(only(Area.CANNED, Scope.ALL))) == floor | {"dept_queue", "far_queue"}
    assert "others_private" not in reads(subject(administrator=True))
    with pytest.raises(ValueError):
        may(subject(), Area.HISTORY, org_public)


def test_r_a_2_areas_apply_to_their_kind_of_object_only() -> None:
    """R-A-2: conversation areas filter conversations, channel areas filter queues."""
    s = subject(grants(Scope.ALL))
    with pytest.raises(ValueError):
        conversation_filter(s, Area.CHANNELS_VIEW)
    with pytest.raises(ValueError):
        queue_filter(s, Area.HISTORY)
    with pytest.raises(ValueError):
        may(s, Area.CHANNELS_VIEW, MINE)


# --- R-A-3 -----------------------------------------------------------------------------------


def test_r_a_3_union_takes_the_most_permissive_scope_per_area() -> None:
    """R-A-3: a user with several roles gets, area by area, the most permissive scope."""
    a = {**NOBODY, Area.HISTORY: Scope.OWN, Area.JOIN: Scope.ALL}
    b = {**NOBODY, Area.HISTORY: Scope.DEPARTMENT, Area.CANNED: Scope.OWN}
    assert union([a, b]) == {
        **NOBODY,
        Area.HISTORY: Scope.DEPARTMENT,
        Area.JOIN: Scope.ALL,
        Area.CANNED: Scope.OWN,
    }
    manager, director = ROLES["manager"].grants, ROLES["director"].grants
    assert union([manager, director]) == dict(director)
    assert union([director, ROLES["administrator"].grants]) == dict.fromkeys(AREAS, Scope.ALL)


def test_r_a_3_no_role_denies_everything() -> None:
    """R-A-3: without any role every area is denied: no conversation, no queue, no settings."""
    assert union([]) == dict.fromkeys(AREAS, Scope.DENIED)
    s = subject(union([]))
    for area in CONVERSATION_AREAS:
        for facts in (MINE, SUB_DEPARTMENT_S, OTHER_DEPARTMENT_S, UNHANDLED):
            assert not may(s, area, facts)
    for area in CHANNEL_AREAS:
        assert not may(s, area, QueueFacts(ORG, members=frozenset({ME})))
    assert not may_manage_access(s) and not may_connect(s)


# --- R-A-4 and R-A-5 -------------------------------------------------------------------------


def test_r_a_4_crm_precedence_gives_history_and_join_not_statistics() -> None:
    """R-A-4: the owner of a contact record, or a member of its department (subtree), may read
    and join that contact's conversations although the conversation rights deny them; the
    conversations still do not count in their statistics, nor may they evaluate them."""
    s = subject(union([]))
    owned = conv(STRANGER, depts=(OTHER_DEPT,), owner=ME)
    by_department = conv(STRANGER, depts=(OTHER_DEPT,), contact_dept=SUB_DEPT)
    foreign_contact = conv(STRANGER, depts=(OTHER_DEPT,), owner=STRANGER, contact_dept=OTHER_DEPT)
    for facts in (owned, by_department):
        assert may(s, Area.HISTORY, facts)
        assert may(s, Area.JOIN, facts)
        assert not may(s, Area.STATISTICS, facts)
        assert not may(s, Area.EVALUATE, facts)
    for area in CONVERSATION_AREAS:
        assert not may(s, area, foreign_contact)
    # The department link reaches down the tree only.
    assert not may(
        subject(departments=frozenset({SUB_DEPT})),
        Area.HISTORY,
        conv(STRANGER, contact_dept=MY_DEPT),
    )


def test_r_a_5_evaluate_needs_history() -> None:
    """R-A-5: with evaluate=all but history=denied, a subject evaluates only what it may read,
    here the conversations of a contact record it owns (R-A-4)."""
    s = subject(only(Area.EVALUATE, Scope.ALL))
    owned = conv(STRANGER, depts=(OTHER_DEPT,), owner=ME)
    assert may(s, Area.EVALUATE, owned)
    for facts in (MINE, SUB_DEPARTMENT_S, OTHER_DEPARTMENT_S):
        assert not may(s, Area.HISTORY, facts)
        assert not may(s, Area.EVALUATE, facts)
    # History alone never lets one evaluate.
    reader = subject(only(Area.HISTORY, Scope.ALL))
    assert may(reader, Area.HISTORY, OTHER_DEPARTMENT_S)
    assert not may(reader, Area.EVALUATE, OTHER_DEPARTMENT_S)
    # Both: evaluate reaches as far as the narrower of the two.
    both = subject({**NOBODY, Area.EVALUATE: Scope.ALL, Area.HISTORY: Scope.OWN})
    assert may(both, Area.EVALUATE, MINE)
    assert not may(both, Area.EVALUATE, SUB_DEPARTMENT_S)


def test_another_organizations_objects_are_never_reachable() -> None:
    """Whatever the scopes, another organization's object is out of reach (R-A-6)."""
    everything = replace(subject(grants(Scope.ALL)), administrator=True)
    theirs: list[tuple[set[Area], Facts]] = [
        (set(CONVERSATION_AREAS), conv(ME, depts=(MY_DEPT,), owner=ME, org=OTHER_ORG)),
        (set(CHANNEL_AREAS), QueueFacts(OTHER_ORG, members=frozenset({ME}))),
        ({Area.CANNED}, CannedFacts(OTHER_ORG, public=True, owner=ME)),
    ]
    for areas, facts in theirs:
        for area in areas:
            assert not may(everything, area, facts)


# --- Properties ------------------------------------------------------------------------------

scopes = st.sampled_from(list(Scope))
tables = st.fixed_dictionaries(dict.fromkeys(AREAS, scopes))
partial_tables = st.dictionaries(st.sampled_from(AREAS), scopes)
users = st.integers(1, 6)
depts = st.integers(1, 5)
user_sets = st.frozensets(users, max_size=4)
dept_sets = st.frozensets(depts, max_size=4)
orgs = st.sampled_from([ORG, OTHER_ORG])

subjects = st.builds(
    Subject,
    org_id=orgs,
    user_id=users,
    scopes=tables,
    departments=dept_sets,
    administrator=st.sampled_from((False, False, False, True)),
)
conversations = st.builds(
    ConversationFacts,
    org_id=orgs,
    agents=user_sets,
    agent_departments=dept_sets,
    contact_owner=st.none() | users,
    contact_department=st.none() | depts,
)
queues = st.builds(QueueFacts, org_id=orgs, members=user_sets, member_departments=dept_sets)


@st.composite
def canned_messages(draw: st.DrawFn) -> CannedFacts:
    """A canned message; one of the organization has no queue, hence no members."""
    queue = draw(st.none() | st.integers(1, 3))
    return CannedFacts(
        org_id=draw(orgs),
        public=draw(st.booleans()),
        owner=draw(st.none() | users),
        queue=queue,
        queue_members=draw(user_sets) if queue is not None else frozenset(),
        queue_member_departments=draw(dept_sets) if queue is not None else frozenset(),
    )


objects = st.one_of(
    st.tuples(st.sampled_from(sorted(CONVERSATION_AREAS)), conversations),
    st.tuples(st.sampled_from(sorted(CHANNEL_AREAS)), queues),
    st.tuples(st.just(Area.CANNED), canned_messages()),
)


def reference(s: Subject, area: Area, facts: Facts) -> bool:
    """The rules read literally (R-A-2, R-A-4, R-A-5, R-Q-11), written apart from the filters."""
    if facts.org_id != s.org_id:
        return False
    if isinstance(facts, CannedFacts):
        if facts.owner == s.user_id:
            return True
        if not facts.public:
            return False
        reach = max(s.scope(Area.CANNED), Scope.OWN)
        return (
            reach is Scope.ALL
            or facts.queue is None
            or s.user_id in facts.queue_members
            or (reach is Scope.DEPARTMENT and bool(facts.queue_member_departments & s.departments))
        )
    if isinstance(facts, QueueFacts):
        reach = s.scope(area)
        return (
            reach is Scope.ALL
            or (reach >= Scope.OWN and s.user_id in facts.members)
            or (reach is Scope.DEPARTMENT and bool(facts.member_departments & s.departments))
        )

    def scoped(a: Area) -> bool:
        reach = s.scope(a)
        return (
            reach is Scope.ALL
            or (reach >= Scope.OWN and s.user_id in facts.agents)
            or (reach is Scope.DEPARTMENT and bool(facts.agent_departments & s.departments))
        )

    crm = facts.contact_owner == s.user_id or facts.contact_department in s.departments
    history = scoped(Area.HISTORY) or crm
    if area is Area.STATISTICS:
        return scoped(area)
    if area is Area.HISTORY:
        return history
    if area is Area.JOIN:
        return scoped(area) or crm
    return scoped(Area.EVALUATE) and history


def row_filter_admits(s: Subject, area: Area, facts: Facts) -> bool:
    """The row filter's answer, with the organization clause every compiled query adds."""
    if isinstance(facts, ConversationFacts):
        flt = conversation_filter(s, area)
    elif isinstance(facts, QueueFacts):
        flt = queue_filter(s, area)
    else:
        flt = canned_filter(s)
    return facts.org_id == s.org_id and matches(flt, facts)


@given(st.lists(tables, min_size=1, max_size=4), tables, tables, tables)
def test_r_a_3_union_is_a_per_area_maximum(
    many: list[dict[Area, Scope]], a: dict[Area, Scope], b: dict[Area, Scope], c: dict[Area, Scope]
) -> None:
    """R-A-3: union is commutative, associative and idempotent, the all-denied table is its
    identity, and each area's result is the maximum of the roles' scopes."""
    assert union([a, b]) == union([b, a])
    assert union([union([a, b]), c]) == union([a, union([b, c])]) == union([a, b, c])
    assert union([a, a]) == union([a]) == a
    assert union([a, NOBODY]) == union([NOBODY, a]) == a
    merged = union(many)
    assert merged == {area: max(t[area] for t in many) for area in AREAS}


@given(st.lists(partial_tables, max_size=4))
def test_r_a_3_union_of_partial_tables_reads_missing_areas_as_denied(
    many: list[dict[Area, Scope]],
) -> None:
    """R-A-3: an area no role names is denied."""
    merged = union(many)
    assert set(merged) == set(AREAS)
    for area in AREAS:
        assert merged[area] == max((t.get(area, Scope.DENIED) for t in many), default=Scope.DENIED)


@given(subjects, objects)
def test_may_equals_the_row_filter_and_the_rules(s: Subject, obj: tuple[Area, Facts]) -> None:
    """R-A-2..R-A-5, R-A-6: the single-object answer equals the row filter lists and searches
    use (with the organization clause), and both equal the rules read literally."""
    area, facts = obj
    assert may(s, area, facts) == row_filter_admits(s, area, facts) == reference(s, area, facts)


@given(subjects, st.sampled_from(AREAS), scopes, objects)
def test_raising_a_scope_never_removes_an_object(
    s: Subject, raised: Area, to: Scope, obj: tuple[Area, Facts]
) -> None:
    """R-A-2/R-A-3: scopes are ordered; raising one area's scope (what adding a role does) never
    takes away an object allowed before, in any area."""
    area, facts = obj
    higher = replace(s, scopes={**s.scopes, raised: max(s.scopes[raised], to)})
    if may(s, area, facts):
        assert may(higher, area, facts)
    # Widening the department subtree never removes anything either.
    wider = replace(s, departments=s.departments | {1})
    if may(s, area, facts):
        assert may(wider, area, facts)
