"""Access-rights roles and their assignments (R-A-1..R-A-3)."""

from fastapi import APIRouter

router = APIRouter()
