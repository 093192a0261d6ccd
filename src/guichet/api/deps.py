"""FastAPI dependencies: the app state, a database session, the caller, and permissions."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from guichet.actions import auth as auth_actions
from guichet.actions.permissions import load_permissions
from guichet.authz import CCPermissions, Permission, can
from guichet.authz.access import Subject
from guichet.config import Settings
from guichet.errors import Forbidden, Unauthorized
from guichet.live import LiveRegistry
from guichet.persistence.models import User
from guichet.queries.access import load_subject
from guichet.realtime import EventBus, SnapshotProvider
from guichet.realtime.tickets import TicketBook
from guichet.security import Passwords
from guichet.security_throttle import LoginThrottle

SESSION_COOKIE = "guichet_session"
CSRF_HEADER = "x-guichet-csrf"


@dataclass
class AppState:
    """What every request may need, built once by ``create_app``."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    passwords: Passwords
    bus: EventBus
    snapshots: SnapshotProvider
    tickets: TicketBook
    #: The live runtime: one routing loop per organization (set by ``create_app``).
    live: LiveRegistry | None = None
    #: Failed-login counts per account and client address, in this process (see security_throttle).
    login_throttle: LoginThrottle = field(default_factory=LoginThrottle)
    #: Sessions that only read (on SQLite they leave the writer's lock alone); None: `sessions`.
    read_sessions: async_sessionmaker[AsyncSession] | None = None

    def readers(self) -> async_sessionmaker[AsyncSession]:
        """The factory of read-only sessions."""
        return self.read_sessions or self.sessions


def get_state(request: Request) -> AppState:
    """The application's state."""
    state: AppState = request.app.state.guichet
    return state


StateDep = Annotated[AppState, Depends(get_state)]


_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


async def get_session(request: Request, state: StateDep) -> AsyncIterator[AsyncSession]:
    """One database session per request; actions commit, anything else is rolled back.

    Reading requests get a read-only session: on SQLite it does not take the writer's lock,
    so reads never queue behind the routing loop's writes (nor hold them up).
    """
    factory = state.readers() if request.method in _SAFE_METHODS else state.sessions
    async with factory() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_writer_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    """A writing session even for a reading request (a read that may create a default row)."""
    async with state.sessions() as session:
        yield session


WriterSessionDep = Annotated[AsyncSession, Depends(get_writer_session)]


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    user: User
    token_id: int
    via_cookie: bool
    permissions: CCPermissions

    @property
    def org_id(self) -> int:
        """The caller's organization: every query is scoped to it."""
        return self.user.org_id

    @property
    def user_id(self) -> int:
        """The caller's user id."""
        return self.user.id

    @property
    def roles(self) -> list[str]:
        """The caller's contact-center roles (R-P-1): Principal is a `guichet.authz.Caller`."""
        return list(self.user.roles)

    def can(self, perm: Permission) -> bool:
        """Whether the caller holds ``perm`` (R-P-1..R-P-4)."""
        return can(self.user.roles, self.permissions, perm)

    def require(self, perm: Permission) -> None:
        """Raise 403 unless the caller holds ``perm``."""
        if not self.can(perm):
            raise Forbidden(f"this needs the permission {perm.value}", code="forbidden")


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


async def current_principal(request: Request, session: SessionDep, state: StateDep) -> Principal:
    """Authenticate by bearer token, or by session cookie (with a CSRF header on writes)."""
    token = _bearer(request)
    via_cookie = False
    if token is None:
        token = request.cookies.get(SESSION_COOKIE)
        via_cookie = token is not None
    if not token:
        raise Unauthorized("authentication required", code="unauthenticated")
    # A custom header cannot be sent cross-site without a CORS preflight we never allow.
    unsafe = request.method not in ("GET", "HEAD", "OPTIONS")
    if via_cookie and unsafe and request.headers.get(CSRF_HEADER) != "1":
        raise Forbidden(f"cookie-authenticated writes need the {CSRF_HEADER} header")
    # Checked in a reader of its own: a write request's session only begins (and, on SQLite,
    # takes the writer's lock) when its action first touches the database.
    async with state.readers()() as reader:
        found = await auth_actions.authenticate(reader, token=token)
        if found is None:
            raise Unauthorized("invalid or expired token", code="invalid_token")
        user, token_row = found
        perms = await load_permissions(reader, org_id=user.org_id)
    user = await session.merge(user, load=False)  # the request's own copy; no query
    return Principal(user=user, token_id=token_row.id, via_cookie=via_cookie, permissions=perms)


CurrentUser = Annotated[Principal, Depends(current_principal)]


async def current_subject(principal: CurrentUser, session: SessionDep) -> Subject:
    """The caller as the access-rights policy sees them: roles, departments, queues (R-A-3)."""
    return await load_subject(session, principal.user)


#: The caller's access rights (R-A-1..R-A-6), loaded once per request when a route asks.
SubjectDep = Annotated[Subject, Depends(current_subject)]


def Require(perm: Permission) -> Any:
    """A dependency that yields the caller after checking ``perm`` (403 otherwise)."""

    async def _check(principal: CurrentUser) -> Principal:
        principal.require(perm)
        return principal

    checker: Callable[[Principal], Awaitable[Principal]] = _check
    return Depends(checker)
