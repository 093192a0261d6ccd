"""String types for every text a request stores: one rule, stated in the OpenAPI document.

Issue 12 finding 7. The rule itself is ``guichet.actions.text`` (no control characters; line
breaks and tabs only in multi-line text; NFC storage, NFKC-case-folded uniqueness keys); these
``Annotated`` types apply it at the edge, before any action runs, and put a ``pattern`` in the
JSON schema so generated data (schemathesis) passes. The pattern is the part of the rule a
JSON-schema regex can say (C0/C1 controls, DEL, the invisible format characters, line
separators, private use); the validator also refuses unassigned and other format characters.

Each field still states its own ``max_length`` (tests/api/test_openapi_limits.py checks that every
stored string has one). Where a rule says digits, patterns say ``[0-9]`` (ASCII), never ``\\d``.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    Strict,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError

from guichet.actions.text import control_problem

_INVISIBLE = r"\u200B\u200E\u200F\u2028-\u202E\u2060-\u206F\uFEFF\uE000-\uF8FF"
#: Single-line text: no C0/C1 control, DEL, invisible format character or separator.
LINE_PATTERN = rf"^[^\x00-\x1F\x7F-\x9F{_INVISIBLE}]*$"
#: Multi-line text: the same, but tab, line feed and carriage return are allowed.
TEXT_PATTERN = rf"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F{_INVISIBLE}]*$"
#: Telephone numbers as typed: ASCII digits, ``+`` and the usual separators.
PHONE_PATTERN = r"^[0-9+()./ -]*$"
#: Identifiers that travel through telephony (caller IDs): printable ASCII.
ASCII_PATTERN = r"^[\x20-\x7E]*$"
#: How deep a free-form JSON document (a flow graph) may nest.
MAX_DEPTH = 20


class JsonPattern:
    """Put ``pattern`` in a string's JSON schema; the validator next to it enforces the rule."""

    __slots__ = ("pattern",)

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """The handler's schema with the pattern added."""
        schema = handler(core_schema)
        schema["pattern"] = self.pattern
        return schema


def check_line(value: str) -> str:
    """Single-line text, NFC-normalised; a control character is a 422 naming its position."""
    text = unicodedata.normalize("NFC", value)
    problem = control_problem(text)
    if problem is not None:
        raise PydanticCustomError("control_character", problem)
    return text


def check_text(value: str) -> str:
    """Multi-line text (line breaks and tabs allowed), NFC-normalised."""
    text = unicodedata.normalize("NFC", value)
    problem = control_problem(text, multi_line=True)
    if problem is not None:
        raise PydanticCustomError("control_character", problem)
    return text


def check_document(value: Any) -> Any:
    """A free-form JSON document: keys single-line, strings multi-line, at most 20 deep."""

    def walk(node: Any, depth: int, path: str) -> Any:
        if depth > MAX_DEPTH:
            raise PydanticCustomError("too_deep", f"nested more than {MAX_DEPTH} levels")
        if isinstance(node, str):
            return _checked(check_text, node, path)
        if isinstance(node, list):
            return [walk(item, depth + 1, f"{path}[{i}]") for i, item in enumerate(node)]
        if isinstance(node, dict):
            return {
                _checked(check_line, str(k), f"{path}.{k}"): walk(v, depth + 1, f"{path}.{k}")
                for k, v in node.items()
            }
        return node

    return walk(value, 0, "")


def _checked(check: Any, text: str, path: str) -> str:
    try:
        checked: str = check(text)
    except PydanticCustomError as exc:
        where = path.lstrip(".") or "value"
        raise PydanticCustomError("control_character", f"{where}: {exc.message()}") from exc
    return checked


def _moment_text(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("datetime_type", "an ISO-8601 time with an offset expected")
    return value


#: One line of text (names, titles, e-mail addresses, shortcuts, identifiers).
Line = Annotated[str, AfterValidator(check_line), JsonPattern(LINE_PATTERN)]
#: Text that may span lines (messages, notes, descriptions, comments, canned replies).
Text = Annotated[str, AfterValidator(check_text), JsonPattern(TEXT_PATTERN)]


# Bounded lines for places a field cannot state bounds (dict keys, list items). Bounds come
# before the text check so a too-long value is reported as such.
_LINE = (AfterValidator(check_line), JsonPattern(LINE_PATTERN))
#: A short token: a dict key naming an area, a scope, a channel (1..32).
Word = Annotated[str, Field(min_length=1, max_length=32), *_LINE]
#: A name used as a key: an attribute, a criterion (1..64).
Key = Annotated[str, Field(min_length=1, max_length=64), *_LINE]
#: A value of a contact attribute or targeting condition (at most 2048).
Value = Annotated[str, Field(max_length=2048), *_LINE]
#: A whole number a JSON parser anywhere reads exactly (attributes, condition values).
Number = Annotated[int, Field(ge=-(2**53), le=2**53)]
#: A telephone number as typed (E.164 or national, with separators): ASCII only.
Phone = Annotated[str, Field(pattern=PHONE_PATTERN)]
#: A caller ID as presented by the network (a number, ``anonymous``...): printable ASCII.
CallerId = Annotated[str, Field(pattern=ASCII_PATTERN)]
#: An ISO-8601 time with an offset (text only: a number is not a time).
Moment = Annotated[AwareDatetime, Strict(False), BeforeValidator(_moment_text)]
#: A free-form JSON object (flow graphs): the text rule on every key and string inside.
Document = Annotated[dict[str, Any], AfterValidator(check_document)]
