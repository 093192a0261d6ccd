"""Routes of the canned messages resource (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["canned-messages"])
