"""Caller IDs and phone-number types for queue callbacks (R-Q-6, R-Q-3).

A deliberately small heuristic, not a numbering-plan database:

* A caller ID is valid when, after removing spaces, dots, dashes and parentheses, it is an
  E.164 number (`+` then 8 to 15 digits, no leading zero), an international-prefix number
  (`00` then the same), or a national number: a trunk `0` followed by 8 to 12 digits, or,
  in the North American plan (country code 1), ten digits starting 2-9. Anonymous, withheld,
  private, unknown, empty or lettered values are invalid.
* Types: a number whose country code differs from the organization's is `international`.
  Otherwise the national significant number decides: `toll_free` and `premium` by known
  prefixes, `mobile` by known mobile prefixes, anything else `landline`. Plans we do not know
  only distinguish toll-free numbers starting 800.
"""

from __future__ import annotations

import re
from enum import StrEnum


class NumberType(StrEnum):
    """Phone-number types a callback or campaign may be allowed to dial (R-Q-3, R-Q-6)."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    TOLL_FREE = "toll_free"
    PREMIUM = "premium"
    INTERNATIONAL = "international"


_SEPARATORS = re.compile(r"[\s.\-()/]")
# re.ASCII: a digit is 0-9, never another script's digit (issue 12 finding 7).
_E164 = re.compile(r"^\+([1-9]\d{7,14})$", re.ASCII)
_NATIONAL_TRUNK = re.compile(r"^0(\d{8,12})$", re.ASCII)
_NANP = re.compile(r"^1?([2-9]\d{9})$", re.ASCII)

# Plans we know, by country code: (mobile, toll-free, premium) prefixes of the national number.
_PLANS: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "1": ((), ("800", "833", "844", "855", "866", "877", "888"), ("900",)),
    "32": (("46", "47", "48", "49"), ("800",), ("90",)),
    "33": (("6", "7"), ("80",), ("81", "82", "89")),
    "41": (("75", "76", "77", "78", "79"), ("800",), ("90",)),
    "44": (("71", "72", "73", "74", "75", "77", "78", "79"), ("800", "808"), ("9",)),
    "49": (("15", "16", "17"), ("800",), ("900",)),
}


def normalize(value: str) -> str:
    """The caller ID without separators, with a `00` international prefix turned into `+`."""
    compact = _SEPARATORS.sub("", value.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


def to_e164(value: str | None, *, country_code: str = "33") -> str | None:
    """`value` as `+<country><number>`, or None when it is not a valid caller ID (R-Q-6)."""
    if not value:
        return None
    compact = normalize(value)
    m = _E164.match(compact)
    if m is not None:
        return compact
    if country_code == "1":
        m = _NANP.match(compact)
        return f"+1{m.group(1)}" if m is not None else None
    m = _NATIONAL_TRUNK.match(compact)
    if m is None:
        return None
    number = f"+{country_code}{m.group(1)}"
    return number if _E164.match(number) else None


def is_valid_caller_id(value: str | None, *, country_code: str = "33") -> bool:
    """Whether a callback can dial `value`: E.164 or national; anonymous/empty invalid (R-Q-6)."""
    return to_e164(value, country_code=country_code) is not None


def classify_number(value: str | None, *, country_code: str = "33") -> NumberType | None:
    """The number type of `value` by the heuristic above; None when it is not valid (R-Q-6)."""
    e164 = to_e164(value, country_code=country_code)
    if e164 is None:
        return None
    digits = e164[1:]
    if not digits.startswith(country_code):
        return NumberType.INTERNATIONAL
    national = digits[len(country_code) :]
    mobile, toll_free, premium = _PLANS.get(country_code, ((), ("800",), ()))
    if national.startswith(toll_free):
        return NumberType.TOLL_FREE
    if national.startswith(premium):
        return NumberType.PREMIUM
    if national.startswith(mobile):
        return NumberType.MOBILE
    return NumberType.LANDLINE
