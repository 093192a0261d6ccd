"""Authorization policy, pure: who may do what (contact-center roles now, access rights later)."""

from guichet.authz.cc import (
    ADMINISTRATOR,
    AGENT,
    ROLES,
    SUPERVISOR,
    CCPermissions,
    Permission,
    can,
)

__all__ = [
    "ADMINISTRATOR",
    "AGENT",
    "ROLES",
    "SUPERVISOR",
    "CCPermissions",
    "Permission",
    "can",
]
