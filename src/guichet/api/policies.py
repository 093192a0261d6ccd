"""Which rule every HTTP operation enforces, as data (R-A-6, R-P-1..R-P-4, R-A-1..R-A-5).

:data:`ROUTE_POLICIES` names, for each operation of the OpenAPI document (method and path
template), the rule of the access model its route applies. It is a declaration checked by the
generated access-matrix test (``tests/api/test_access_matrix.py``): the test sends every
operation as users of every kind to objects in every place and compares the answers with what
the pure policies (:mod:`guichet.authz.access`, :mod:`guichet.authz.cc`) say through this
table. :func:`missing_policies` makes that test fail when a new operation comes without an
entry, and :func:`stale_policies` when an entry outlives its operation.

The kinds:

- ``public``: no authentication (health, login).
- ``authenticated``: any logged-in user of the organization; what they reach is their own
  (``/me``...) or checked by the action as data validation.
- ``cc``: a contact-center permission (R-P-1..R-P-4, ``Require``); ``permissions`` lists the
  alternatives (any of them suffices). ``limited`` marks objects that a supervisor limited to
  assigned queues (R-P-2) reaches only when they supervise them (campaigns: another one is
  not there, 404, and lists leave it out).
- ``queue``: a channel (R-A-2 channels view / edit / connect) or the contact-center
  alternative in ``permissions`` (queues.view / queues.manage within R-P-2): the union.
- ``canned``: canned responses (R-Q-11, R-A-2 canned, R-P-3 manage own / public).
- ``conversation``: one conversation (R-A-2, R-A-4, R-A-5, R-S-2, R-P-2, R-W-2..R-W-6), with
  the :class:`ConversationRule` of the route; ``conversation_list``: the conversations that
  appear (R-A-2 statistics, R-AN-7).
- ``crm``: contact records (R-A-4).
- ``access_rights``: roles and their assignments (R-A-2 "change access rights").
- ``agent_self``: the caller's own live work as an agent (their state, queues, offers,
  wrap-up: R-Q-4, R-Q-7, R-P-4): the contact-center agent role (403 otherwise); an offer
  made to someone else, or to nobody, is not there (404) or gone (409). Reading one's own
  agent view is ``authenticated``.
- ``supervisor``: contact-center watchers only (R-S-1, R-S-2), within R-P-2.
- ``statistics``: figures and exports (R-AN-2..R-AN-6): any statistics scope (R-A-2; 403
  without one, administrators always); what the answer holds is limited by that scope.
- ``export_job``: one export job (R-AN-6): the statistics rule, then its owner only (404 for
  anyone else, another organization's included).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from guichet.authz.access import Area
from guichet.authz.cc import Permission

API = "/api/v1"


class Kind(StrEnum):
    """The family of rule a route enforces."""

    PUBLIC = "public"
    AUTHENTICATED = "authenticated"
    CC = "cc"
    QUEUE = "queue"
    CANNED = "canned"
    CONVERSATION = "conversation"
    CONVERSATION_LIST = "conversation_list"
    CRM = "crm"
    ACCESS_RIGHTS = "access_rights"
    AGENT_SELF = "agent_self"
    SUPERVISOR = "supervisor"
    STATISTICS = "statistics"
    EXPORT_JOB = "export_job"


class ConversationRule(StrEnum):
    """Who may do what to one conversation (see ``guichet.api.routes.interactions``).

    Reading (``read``) is the union of the history scope with CRM precedence (R-A-2, R-A-4),
    the operational rights (offered, assigned, personal queue, wrap-up, taken in) and the
    watcher rule (administrators, supervisors of its queue per R-P-2). Whoever may not read
    it gets 404 from every conversation route.
    """

    #: Read the conversation or its transcript.
    READ = "read"
    #: Its evaluations: the history scope (403 when readable otherwise, R-A-5).
    HISTORY = "history"
    #: Rate it: the evaluate scope and the history scope (R-A-2, R-A-5).
    EVALUATE = "evaluate"
    #: Join it: a watcher, or the join scope (R-S-2, R-A-2, R-A-4).
    JOIN = "join"
    #: Work on it: a watcher, its agent or the agent wrapping it up (R-W-2, R-W-3, R-W-5, R-W-6).
    WORKER = "worker"
    #: Write as the agent side: the worker rule, or the join scope while an agent holds it.
    AGENT_SIDE = "agent_side"
    #: Act as the contact side: a watcher or whoever took it in (R-Q-5, R-Q-6).
    CONTACT_SIDE = "contact_side"
    #: End it: its agent or a watcher; unanswered, the contact side.
    END = "end"


@dataclass(frozen=True)
class RoutePolicy:
    """The rule one operation enforces."""

    kind: Kind
    #: Contact-center permissions, any of which allows (``cc``), or the alternative to the
    #: access-rights area (``queue``).
    permissions: tuple[Permission, ...] = ()
    #: The access-rights area (``queue``: channels view, edit or connect).
    area: Area | None = None
    #: The conversation rule (``conversation``).
    rule: ConversationRule | None = None
    #: R-P-2: a supervisor limited to assigned queues reaches only what they supervise.
    limited: bool = False


PUBLIC = RoutePolicy(Kind.PUBLIC)
AUTHENTICATED = RoutePolicy(Kind.AUTHENTICATED)
AGENT_SELF = RoutePolicy(Kind.AGENT_SELF)
SUPERVISOR = RoutePolicy(Kind.SUPERVISOR)
CANNED = RoutePolicy(Kind.CANNED, area=Area.CANNED)
CRM = RoutePolicy(Kind.CRM)
ACCESS_RIGHTS = RoutePolicy(Kind.ACCESS_RIGHTS, area=Area.ACCESS_RIGHTS)


def cc(*perms: Permission, limited: bool = False) -> RoutePolicy:
    """A contact-center permission rule (any of ``perms``)."""
    return RoutePolicy(Kind.CC, permissions=perms, limited=limited)


def queue(area: Area, *perms: Permission) -> RoutePolicy:
    """A channel rule: ``area``'s scope or one of ``perms`` (R-A-2 with R-P-2, the union)."""
    return RoutePolicy(Kind.QUEUE, permissions=perms, area=area)


def conversation(rule: ConversationRule) -> RoutePolicy:
    """A rule on one conversation."""
    return RoutePolicy(Kind.CONVERSATION, rule=rule)


P = Permission
R = ConversationRule
_VIEW_Q = queue(Area.CHANNELS_VIEW, P.QUEUES_VIEW, P.QUEUES_MANAGE)
_EDIT_Q = queue(Area.CHANNELS_EDIT, P.QUEUES_MANAGE)
_CONNECT_Q = queue(Area.CHANNELS_CONNECT, P.QUEUES_MANAGE)


def _crud(
    base: str, param: str, view: RoutePolicy, manage: RoutePolicy, *, delete: bool = True
) -> dict[tuple[str, str], RoutePolicy]:
    one = f"{base}/{{{param}}}"
    out = {
        ("GET", base): view,
        ("POST", base): manage,
        ("GET", one): view,
        ("PATCH", one): manage,
    }
    if delete:
        out[("DELETE", one)] = manage
    return out


ROUTE_POLICIES: dict[tuple[str, str], RoutePolicy] = {
    ("GET", "/healthz"): PUBLIC,
    ("POST", f"{API}/auth/login"): PUBLIC,
    ("POST", f"{API}/auth/logout"): AUTHENTICATED,
    ("GET", f"{API}/me"): AUTHENTICATED,
    ("POST", f"{API}/me/password"): AUTHENTICATED,
    ("GET", f"{API}/me/tokens"): AUTHENTICATED,
    ("POST", f"{API}/me/tokens"): AUTHENTICATED,
    ("DELETE", f"{API}/me/tokens/{{token_id}}"): AUTHENTICATED,
    ("GET", f"{API}/me/access"): AUTHENTICATED,
    ("POST", f"{API}/ws/tickets"): AUTHENTICATED,
    # The organization's settings: every user reads them (time zone, locale); administrators
    # change them (R-W-1 mixing, R-X-8 costs, R-P-4 switch).
    ("GET", f"{API}/organization"): AUTHENTICATED,
    ("PATCH", f"{API}/organization"): cc(P.ORG_MANAGE),
    # Directory (R-P-1, R-P-2: users.view follows the supervisors' skills switches).
    **_crud(f"{API}/users", "user_id", cc(P.USERS_VIEW), cc(P.USERS_MANAGE)),
    **_crud(f"{API}/departments", "department_id", cc(P.USERS_VIEW), cc(P.USERS_MANAGE)),
    ("GET", f"{API}/departments/tree"): cc(P.USERS_VIEW),
    **_crud(f"{API}/groups", "group_id", cc(P.USERS_VIEW), cc(P.USERS_MANAGE)),
    ("PUT", f"{API}/groups/{{group_id}}/members"): cc(P.USERS_MANAGE),
    # Skills (R-P-2).
    **_crud(f"{API}/skills", "skill_id", cc(P.SKILLS_VIEW), cc(P.SKILLS_MANAGE)),
    ("GET", f"{API}/skills/tree"): cc(P.SKILLS_VIEW),
    ("POST", f"{API}/skills/grants"): cc(P.SKILLS_MANAGE),
    ("POST", f"{API}/skills/revocations"): cc(P.SKILLS_MANAGE),
    ("GET", f"{API}/skills/{{skill_id}}/descendants"): cc(P.SKILLS_VIEW),
    ("GET", f"{API}/users/{{user_id}}/skills"): cc(P.SKILLS_VIEW),
    ("PUT", f"{API}/users/{{user_id}}/skills"): cc(P.SKILLS_MANAGE),
    # Queues: channels view / edit / connect (R-A-2) or queues.view / queues.manage (R-P-2).
    ("GET", f"{API}/queues"): _VIEW_Q,
    ("POST", f"{API}/queues"): _CONNECT_Q,
    ("GET", f"{API}/queues/next-extension"): _CONNECT_Q,
    ("GET", f"{API}/queues/{{queue_id}}"): _VIEW_Q,
    ("PATCH", f"{API}/queues/{{queue_id}}"): _EDIT_Q,
    ("DELETE", f"{API}/queues/{{queue_id}}"): _EDIT_Q,
    ("GET", f"{API}/queues/{{queue_id}}/members"): _VIEW_Q,
    ("PUT", f"{API}/queues/{{queue_id}}/members"): _EDIT_Q,
    # Campaigns (R-Q-3) under the queue-settings switches, limited per R-P-2.
    **_crud(
        f"{API}/campaigns",
        "campaign_id",
        cc(P.CAMPAIGNS_VIEW, limited=True),
        cc(P.CAMPAIGNS_MANAGE, limited=True),
    ),
    ("GET", f"{API}/campaigns/{{campaign_id}}/members"): cc(P.CAMPAIGNS_VIEW, limited=True),
    ("PUT", f"{API}/campaigns/{{campaign_id}}/members"): cc(P.CAMPAIGNS_MANAGE, limited=True),
    # Catalogs (R-Q-9, R-Q-10, R-W-2, R-W-3); agents read them (catalog.view, R-P-3).
    **_crud(
        f"{API}/pause-reasons",
        "reason_id",
        cc(P.CATALOG_VIEW, P.PAUSE_REASONS_VIEW),
        cc(P.PAUSE_REASONS_MANAGE),
    ),
    ("GET", f"{API}/pause-reasons/mode"): cc(P.CATALOG_VIEW),
    **_crud(f"{API}/labels", "label_id", cc(P.CATALOG_VIEW), cc(P.LABELS_MANAGE), delete=False),
    ("POST", f"{API}/labels"): cc(P.LABELS_MANAGE, P.LABELS_CREATE),
    **_crud(f"{API}/dispositions", "disposition_id", cc(P.CATALOG_VIEW), cc(P.DISPOSITIONS_MANAGE)),
    **_crud(f"{API}/tags", "tag_id", cc(P.CATALOG_VIEW), cc(P.TAGS_MANAGE)),
    # Canned responses (R-Q-11, R-A-2 canned, R-P-3).
    **_crud(f"{API}/canned-messages", "message_id", CANNED, CANNED),
    # Contact-center switches (R-P-2..R-P-4).
    ("GET", f"{API}/contact-center/permissions"): cc(P.PERMISSIONS_VIEW),
    ("PATCH", f"{API}/contact-center/permissions"): cc(P.PERMISSIONS_MANAGE),
    ("POST", f"{API}/contact-center/permissions/reset"): cc(P.PERMISSIONS_MANAGE),
    # Conversations (R-A-2, R-A-4, R-A-5, R-AN-7, R-P-2, R-S-2, R-W-*).
    ("POST", f"{API}/interactions"): AUTHENTICATED,
    ("GET", f"{API}/interactions"): RoutePolicy(Kind.CONVERSATION_LIST, area=Area.STATISTICS),
    ("GET", f"{API}/interactions/{{iid}}"): conversation(R.READ),
    ("POST", f"{API}/interactions/{{iid}}/end"): conversation(R.END),
    ("GET", f"{API}/interactions/{{iid}}/messages"): conversation(R.READ),
    ("POST", f"{API}/interactions/{{iid}}/messages"): conversation(R.AGENT_SIDE),
    ("POST", f"{API}/interactions/{{iid}}/transfer"): conversation(R.WORKER),
    ("POST", f"{API}/interactions/{{iid}}/pause"): conversation(R.WORKER),
    ("POST", f"{API}/interactions/{{iid}}/keys"): conversation(R.CONTACT_SIDE),
    ("PUT", f"{API}/interactions/{{iid}}/tags"): conversation(R.WORKER),
    ("PATCH", f"{API}/interactions/{{iid}}/wrap-up"): conversation(R.WORKER),
    ("POST", f"{API}/interactions/{{iid}}/evaluations"): conversation(R.EVALUATE),
    ("GET", f"{API}/interactions/{{iid}}/evaluations"): conversation(R.HISTORY),
    ("POST", f"{API}/supervision/interactions/{{iid}}/join"): conversation(R.JOIN),
    # The agent's own live work (R-Q-4, R-Q-7, R-P-4).
    ("GET", f"{API}/agent"): AUTHENTICATED,
    ("GET", f"{API}/agent/state-menu"): AUTHENTICATED,
    ("GET", f"{API}/agent/offers"): AUTHENTICATED,  # the caller's own, none for non-agents
    ("PUT", f"{API}/agent/state"): AGENT_SELF,
    ("PUT", f"{API}/agent/queues"): AGENT_SELF,
    ("POST", f"{API}/agent/offers/{{iid}}/accept"): AGENT_SELF,
    ("POST", f"{API}/agent/offers/{{iid}}/reject"): AGENT_SELF,
    ("POST", f"{API}/agent/wrap-up/end"): AGENT_SELF,
    # Supervision (R-S-1, R-S-2 within R-P-2).
    ("GET", f"{API}/supervision/live"): SUPERVISOR,
    ("POST", f"{API}/supervision/agents/{{agent_id}}/wrap-up/end"): SUPERVISOR,
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/queues"): SUPERVISOR,
    ("PUT", f"{API}/supervision/agents/{{agent_id}}/state"): SUPERVISOR,
    # Routing configuration (R-TR-*, flows) under the queue-settings switches.
    # A supervisor limited by R-P-2 reads every rule and flow; what they may route to is checked
    # as data (422 naming the queue), not as access.
    **_crud(f"{API}/targeting-rules", "rule_id", cc(P.QUEUES_VIEW), cc(P.QUEUES_MANAGE)),
    ("POST", f"{API}/targeting-rules/order"): cc(P.QUEUES_MANAGE),
    ("POST", f"{API}/targeting-rules/test"): cc(P.QUEUES_VIEW),
    **_crud(f"{API}/flows", "flow_id", cc(P.QUEUES_VIEW), cc(P.QUEUES_MANAGE)),
    ("POST", f"{API}/flows/validate"): cc(P.QUEUES_VIEW),
    # Access rights (R-A-1..R-A-3).
    **_crud(f"{API}/access-roles", "role_id", ACCESS_RIGHTS, ACCESS_RIGHTS),
    ("GET", f"{API}/access-roles/{{role_id}}/assignments"): ACCESS_RIGHTS,
    ("PUT", f"{API}/access-roles/{{role_id}}/assignments"): ACCESS_RIGHTS,
    ("GET", f"{API}/users/{{user_id}}/access"): ACCESS_RIGHTS,
    # Contact records (R-A-4).
    ("GET", f"{API}/contacts"): CRM,
    ("GET", f"{API}/contacts/{{contact_id}}"): CRM,
    ("PATCH", f"{API}/contacts/{{contact_id}}"): CRM,
    ("GET", f"{API}/contacts/{{contact_id}}/interactions"): CRM,
    # Dashboards and real-time figures (R-AN-2..R-AN-5, R-S-1, R-A-2 statistics).
    ("GET", f"{API}/analytics/callers-in-queue"): RoutePolicy(
        Kind.STATISTICS, area=Area.STATISTICS
    ),
    ("GET", f"{API}/analytics/agent-performance"): RoutePolicy(
        Kind.STATISTICS, area=Area.STATISTICS
    ),
    ("GET", f"{API}/analytics/resolved-conversations"): RoutePolicy(
        Kind.STATISTICS, area=Area.STATISTICS
    ),
    ("GET", f"{API}/analytics/realtime"): RoutePolicy(Kind.STATISTICS, area=Area.STATISTICS),
    # CSV exports and export jobs (R-AN-6, R-A-2 statistics).
    ("GET", f"{API}/exports/{{kind}}.csv"): RoutePolicy(Kind.STATISTICS, area=Area.STATISTICS),
    ("POST", f"{API}/export-jobs"): RoutePolicy(Kind.STATISTICS, area=Area.STATISTICS),
    ("GET", f"{API}/export-jobs"): RoutePolicy(Kind.STATISTICS, area=Area.STATISTICS),
    ("GET", f"{API}/export-jobs/{{job_id}}"): RoutePolicy(Kind.EXPORT_JOB, area=Area.STATISTICS),
    ("GET", f"{API}/export-jobs/{{job_id}}/file"): RoutePolicy(
        Kind.EXPORT_JOB, area=Area.STATISTICS
    ),
    ("DELETE", f"{API}/export-jobs/{{job_id}}"): RoutePolicy(Kind.EXPORT_JOB, area=Area.STATISTICS),
}

_METHODS = ("get", "post", "put", "patch", "delete")


def policy_for(method: str, path: str) -> RoutePolicy:
    """The policy of one operation (``KeyError`` when it has none: a missing declaration)."""
    return ROUTE_POLICIES[(method.upper(), path)]


def operations(openapi: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every (METHOD, path template) of an OpenAPI document."""
    return [
        (method.upper(), path)
        for path, item in openapi.get("paths", {}).items()
        for method in item
        if method in _METHODS
    ]


def missing_policies(openapi: Mapping[str, Any]) -> list[str]:
    """The operations of ``openapi`` without a policy, as ``"METHOD path"``."""
    return [f"{m} {p}" for m, p in operations(openapi) if (m, p) not in ROUTE_POLICIES]


def stale_policies(openapi: Mapping[str, Any]) -> list[str]:
    """The policies whose operation is no longer in ``openapi``."""
    present = set(operations(openapi))
    return [f"{m} {p}" for m, p in ROUTE_POLICIES if (m, p) not in present]
