"""Routes of the pause reasons resource (being written)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter(tags=["pause-reasons"])
