"""Tags: free keywords put on interactions, searched by name (R-W-2).

A catalog list (``actions.catalog``) with nothing of its own: a name, renamed or deleted.
"""

from __future__ import annotations

from guichet.actions.catalog import Catalog
from guichet.authz import Permission
from guichet.persistence.models import Tag

#: R-W-2: names 1..100 characters, unique regardless of case; ordered by name.
TAGS = Catalog(Tag, rule="R-W-2", manage=Permission.TAGS_MANAGE)
