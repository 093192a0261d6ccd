"""The request-body gate: a size limit and well-formed JSON, before anything parses the body.

Issue 12 findings 6 and 8. An ASGI middleware in front of the routes:

- a declared ``Content-Length`` above ``GUICHET_MAX_REQUEST_BODY_BYTES`` (default 1 MiB) is
  answered 413 at once, without reading the body; a body sent without a length (chunked) is
  counted as it streams in and answered 413 as soon as it passes the limit;
- a JSON body (``application/json`` or ``+json``) must parse as strict JSON (no ``NaN``, no
  number beyond a float's range), nest at most ``MAX_DEPTH`` levels and repeat no key in an
  object; otherwise 422: ``invalid_json`` (no field: an offset is no field), ``too_deep``, or
  ``duplicate_key`` naming the key's path.

Every refusal is an RFC 9457 problem document. WebSocket connections pass untouched.
"""

from __future__ import annotations

import json
import math
from typing import Any

from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from guichet.api.problems import NOT_JSON, PROBLEM_JSON, problem_body
from guichet.errors import FieldProblem

#: Deepest nesting of arrays and objects a JSON body may have.
MAX_DEPTH = 32


class _Duplicate(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``object_pairs_hook`` refusing a repeated key (json keeps the last one silently)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Duplicate(key)
        out[key] = value
    return out


def _depth(node: Any) -> int:
    """How deep ``node`` nests (iteratively: a hostile body must not exhaust the stack)."""
    deepest, stack = 0, [(node, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            values: Any = item.values()
        elif isinstance(item, list):
            values = item
        else:
            continue
        deepest = max(deepest, depth)
        if depth > MAX_DEPTH:
            break
        stack.extend((v, depth + 1) for v in values)
    return deepest


def _duplicate_path(raw: bytes, key: str) -> str:
    """The dotted path of the first repeated ``key`` (re-parsed: refusals are rare)."""
    path: list[str] = []

    def walk(node: Any) -> bool:
        if isinstance(node, list):
            for index, item in enumerate(node):
                path.append(str(index))
                if walk(item):
                    return True
                path.pop()
        elif isinstance(node, _Pairs):
            seen: set[str] = set()
            for k, v in node.pairs:
                path.append(k)
                if k in seen or walk(v):
                    return True
                seen.add(k)
                path.pop()
        return False

    walk(json.loads(raw, object_pairs_hook=_Pairs))
    return ".".join(path) or key


class _Pairs:
    __slots__ = ("pairs",)

    def __init__(self, pairs: list[tuple[str, Any]]) -> None:
        self.pairs = pairs


def _no_constant(name: str) -> Any:
    """``NaN`` and ``Infinity`` are not JSON (Python's parser accepts them)."""
    raise ValueError(name)


def _finite(text: str) -> float:
    """A number too large for a float (``1e400``) would read as infinity: not a number."""
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def check_json(raw: bytes) -> tuple[str, str, str | None] | None:
    """Why ``raw`` is not an acceptable JSON body: (code, detail, field), or None."""
    try:
        parsed = json.loads(
            raw, object_pairs_hook=_pairs, parse_constant=_no_constant, parse_float=_finite
        )
    except _Duplicate as exc:
        where = _duplicate_path(raw, exc.key)
        return "duplicate_key", f"the key {where!r} appears more than once", where
    except RecursionError:
        return "too_deep", f"the body nests more than {MAX_DEPTH} levels", None
    except ValueError:  # JSONDecodeError, and bytes that are not UTF-8
        return "invalid_json", NOT_JSON, None
    if _depth(parsed) > MAX_DEPTH:
        return "too_deep", f"the body nests more than {MAX_DEPTH} levels", None
    return None


def _is_json(headers: Headers) -> bool:
    kind = headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return kind == "application/json" or (
        kind.startswith("application/") and kind.endswith("+json")
    )


class RequestBodyGate:
    """ASGI middleware: 413 above ``max_bytes``, 422 for malformed JSON (see the module)."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Read the body up to the limit, check it, then hand it to the app unchanged."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await self._too_large(scope, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._too_large(scope, send)
                return
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if body and _is_json(headers):
            refused = check_json(body)
            if refused is not None:
                code, detail, field = refused
                await _answer(scope, send, 422, "Invalid input", detail, code, field, close=False)
                return
        await self.app(scope, _replay(body, receive), send)

    async def _too_large(self, scope: Scope, send: Send) -> None:
        detail = f"the request body is larger than {self.max_bytes} bytes"
        await _answer(
            scope, send, 413, "Content too large", detail, "body_too_large", None, close=True
        )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A ``receive`` that gives the body read once, then the client's later messages."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


async def _answer(
    scope: Scope,
    send: Send,
    status: int,
    title: str,
    detail: str,
    code: str,
    field: str | None,
    *,
    close: bool,
) -> None:
    """Send a problem document; ``close`` when the body was left unread."""
    problem = problem_body(
        instance=scope.get("path", ""),
        status=status,
        title=title,
        detail=detail,
        code=code,
        field=field,
        problems=[FieldProblem(field, detail, None, code)] if field is not None else None,
    )
    payload = json.dumps(problem).encode()
    headers = [
        (b"content-type", PROBLEM_JSON.encode()),
        (b"content-length", str(len(payload)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
