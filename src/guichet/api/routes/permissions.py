"""Routes of the permissions resource (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["permissions"])
