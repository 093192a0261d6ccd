"""Time zone names of business hours and organizations (R-Q-5): only the zone database's."""

from __future__ import annotations

import pytest

from guichet.flows.hours import zone


@pytest.mark.parametrize("name", ["UTC", "Europe/Paris", "America/New_York", "Etc/GMT+2"])
def test_iana_names_are_zones(name: str) -> None:
    """A name of the IANA database gives its zone."""
    got = zone(name)
    assert got is not None and got.key == name


@pytest.mark.parametrize(
    "name",
    ["America", "Etc", "Europe/", "posixrules", "zone.tab", "../../etc/passwd", " UTC", ""],
)
def test_other_names_are_none_never_an_error(name: str) -> None:
    """A folder or another file of the zone database, a path, a padded name: no zone, and no
    OS error reaches the caller (a 422 rather than a 500)."""
    assert zone(name) is None
