"""The RFC 9457 problem document every error answer carries (``guichet.api.problems``)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ProblemField(BaseModel):
    """One field a request got wrong."""

    field: str
    message: str
    rule: str | None = Field(None, description="the PRODUCT.md rule id the field breaks")
    code: str


class Problem(BaseModel):
    """An ``application/problem+json`` answer: what went wrong, which field, which rule."""

    model_config = ConfigDict(extra="allow")

    type: str = Field(description="`urn:guichet:problem:<code>`")
    title: str
    status: int = Field(ge=400, le=599)
    detail: str
    instance: str = Field(description="the path of the request")
    code: str = Field(description="a stable machine-readable code")
    field: str | None = Field(None, description="the first field at fault, if any")
    rule: str | None = Field(None, description="the PRODUCT.md rule id, if any")
    errors: list[ProblemField] | None = Field(None, description="every field at fault")


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema with its ``$defs`` inlined, to embed in an OpenAPI response."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved
