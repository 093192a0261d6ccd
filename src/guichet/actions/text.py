"""The text rule shared by every resource (issue 12 finding 7): names, shortcuts, bodies, searches.

- No control character in stored text: Unicode categories C* (controls, format characters such
  as bidi overrides, surrogates, private use, unassigned) and the line/paragraph separators;
  line breaks and tabs only in multi-line text (messages, notes, descriptions). The zero-width
  joiners U+200C/U+200D are letters' glue (Persian, Indic scripts, emoji sequences): allowed.
- Text is stored NFC-normalised; uniqueness compares the NFKC case-folded key
  (``queries.lookups.name_key``), so a full-width ``Ｕrgent`` is the same name as ``Urgent``.
- Where a rule says digits, only ASCII ``0-9`` (the API's patterns never use ``\\d``).
"""

from __future__ import annotations

import unicodedata
from typing import Any

from sqlalchemy import ColumnElement

from guichet.errors import invalid
from guichet.queries.lookups import name_key

# Line breaks and tabs belong in a message body; no other control character does.
MULTI_LINE = frozenset("\n\r\t")
_JOINERS = frozenset("\u200c\u200d")


def _is_control(ch: str) -> bool:
    """Control, format (invisible, bidi overrides), surrogate, private-use or unassigned."""
    category = unicodedata.category(ch)
    return (category[0] == "C" and ch not in _JOINERS) or category in ("Zl", "Zp")


def _describe(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def first_control(value: str, *, allowed: frozenset[str] = frozenset()) -> tuple[int, str] | None:
    """Position and code of the first control character of ``value`` not in ``allowed``."""
    for index, ch in enumerate(value):
        if ch not in allowed and _is_control(ch):
            return index, _describe(ch)
    return None


def control_problem(value: str, *, multi_line: bool = False) -> str | None:
    """Why ``value`` breaks the control-character rule, or None when it does not."""
    found = first_control(value, allowed=MULTI_LINE if multi_line else frozenset())
    if found is None:
        return None
    index, code = found
    what = "control characters"
    if multi_line:
        what += " other than line breaks and tabs"
    return f"{what} are not allowed ({code} at position {index + 1})"


def clean_name(value: str, *, field: str, rule: str | None, max_length: int) -> str:
    """A name trimmed and NFC-normalised, 1..``max_length`` characters, no control character."""
    name = unicodedata.normalize("NFC", value).strip()
    if not name:
        raise invalid(field, "must not be blank", rule, code="blank")
    if len(name) > max_length:
        raise invalid(field, f"at most {max_length} characters", rule, code="too_long")
    problem = control_problem(name)
    if problem is not None:
        raise invalid(field, problem, rule, code="control_character")
    return name


def clean_body(value: str, *, field: str, rule: str, max_length: int) -> str:
    """Message text: 1..``max_length`` characters, not blank; only newlines and tabs as controls."""
    text = unicodedata.normalize("NFC", value)
    if not text.strip():
        raise invalid(field, "must not be blank", rule, code="blank")
    if len(text) > max_length:
        raise invalid(field, f"at most {max_length} characters", rule, code="too_long")
    problem = control_problem(text, multi_line=True)
    if problem is not None:
        raise invalid(field, problem, rule, code="control_character")
    return text


def name_contains(column: Any, query: str) -> ColumnElement[bool]:
    """A case-insensitive substring filter on a ``name_key`` column (wildcards are literal)."""
    needle = name_key(query)
    clause: ColumnElement[bool] = column.contains(needle, autoescape=True)
    return clause
