"""Contact records and CRM access (R-A-4)."""

from fastapi import APIRouter

router = APIRouter()
