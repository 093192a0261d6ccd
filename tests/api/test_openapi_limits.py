"""The OpenAPI document states the input rules the API enforces (issue 12 findings 6-8).

Every string a request carries has a ``maxLength`` (and the text rule's ``pattern`` unless it
has a stricter one or is an enumeration), every list a ``maxItems``, every free-form object a
``maxProperties``, every integer of a body a ``minimum`` and a ``maximum``: so a fuzzer's
generated data (schemathesis) mostly passes validation and reaches the code behind it.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

from guichet.actions.text import control_problem
from guichet.api.schemas.text import LINE_PATTERN, TEXT_PATTERN
from tests.factories import World

# Free-form by design: a password is never stored as text, only its hash.
UNBOUNDED_PATTERN = {"password", "current_password", "new_password"}


def _resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = doc["components"]["schemas"][name]
    return schema


def _problems(doc: dict[str, Any], schema: dict[str, Any], where: str, body: bool) -> list[str]:
    """Every place under ``schema`` that states no bound."""
    out: list[str] = []
    seen: set[int] = set()

    def walk(node: dict[str, Any], path: str) -> None:
        node = _resolve(doc, node)
        if id(node) in seen:
            return
        seen.add(id(node))
        for key in ("anyOf", "oneOf", "allOf"):
            for member in node.get(key, []):
                walk(member, path)
        kind = node.get("type")
        name = path.rsplit(".", 1)[-1]
        if kind == "string" and "enum" not in node and "const" not in node:
            if node.get("format") in ("date-time", "date"):
                return
            if "maxLength" not in node:
                out.append(f"{path}: string without maxLength")
            if "pattern" not in node and name not in UNBOUNDED_PATTERN:
                out.append(f"{path}: string without pattern")
        elif kind == "array":
            if "maxItems" not in node:
                out.append(f"{path}: array without maxItems")
            walk(node.get("items", {}), f"{path}[]")
        elif kind == "object":
            for prop, sub in node.get("properties", {}).items():
                walk(sub, f"{path}.{prop}")
            extra = node.get("additionalProperties")
            if isinstance(extra, dict) or "patternProperties" in node:
                if "maxProperties" not in node:
                    out.append(f"{path}: object without maxProperties")
                if isinstance(extra, dict):
                    walk(extra, f"{path}.*")
                for sub in node.get("patternProperties", {}).values():
                    walk(sub, f"{path}.*")
        elif kind == "integer" and body and ("minimum" not in node or "maximum" not in node):
            out.append(f"{path}: integer without minimum and maximum")

    walk(schema, where)
    return out


async def test_every_input_states_its_bounds(world: World) -> None:
    """Bodies, query strings and headers: nothing unbounded reaches a handler."""
    doc = (await world.client.get("/api/openapi.json")).json()
    missing: list[str] = []
    for url, item in doc["paths"].items():
        for method, op in item.items():
            where = f"{method.upper()} {url}"
            content = op.get("requestBody", {}).get("content", {})
            for media in content.values():
                missing += _problems(doc, media["schema"], f"{where} body", body=True)
            for param in op.get("parameters", []):
                if param["in"] in ("query", "header"):
                    name = f"{where} {param['in']} {param['name']}"
                    missing += _problems(doc, param["schema"], name, body=False)
    assert missing == [], "\n".join(missing)


async def test_every_stated_pattern_is_a_portable_regex(world: World) -> None:
    """Generators read the patterns with their own engines: each one compiles as a Python
    regex and uses no ``\\d`` (Unicode digits in most engines; ASCII ``[0-9]`` is meant)."""
    text = (await world.client.get("/api/openapi.json")).text
    doc = json.loads(text)
    patterns: set[str] = set()

    def collect(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("pattern"), str):
                patterns.add(node["pattern"])
            patterns.update(k for k in node.get("patternProperties", {}))
            for value in node.values():
                collect(value)
        elif isinstance(node, list):
            for value in node:
                collect(value)

    collect(doc)
    assert LINE_PATTERN in patterns and TEXT_PATTERN in patterns
    for pattern in patterns:
        re.compile(pattern)
        assert "\\d" not in pattern, pattern


def test_the_stated_patterns_only_refuse_what_the_rule_refuses() -> None:
    """The JSON-schema patterns are part of the text rule: a character they refuse, the
    validator refuses too (so generated data is never wrongly thought valid or invalid)."""
    line, text = re.compile(LINE_PATTERN), re.compile(TEXT_PATTERN)
    for code in range(0x10000):
        ch = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue
        if not line.match(ch):
            assert control_problem(ch) is not None, hex(code)
        if not text.match(ch):
            assert control_problem(ch, multi_line=True) is not None, hex(code)
    # The joiners of emoji sequences and Persian are text; tab and newline only multi-line.
    for ch in ("\u200c", "\u200d", "é", "中"):
        assert line.match(ch) and control_problem(ch) is None
    assert not line.match("\t") and text.match("\t\n\r")
    assert unicodedata.category("\u202e") == "Cf" and not text.match("\u202e")
