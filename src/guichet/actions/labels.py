"""Labels agents put on conversations: add, rename, activate/deactivate (R-Q-10).

A catalog list (``actions.catalog``): a label records who created it (agents' custom labels,
R-P-3) and is deactivated, never deleted, so conversations labelled earlier keep it.
"""

from __future__ import annotations

from guichet.actions.catalog import Catalog
from guichet.authz import Permission
from guichet.persistence.models import Label

#: R-Q-10: names 1..100 characters, unique regardless of case; ordered by name.
LABELS = Catalog(
    Label,
    rule="R-Q-10",
    manage=Permission.LABELS_MANAGE,
    flag="active",
    records_creator=True,
    deletable=False,
)
