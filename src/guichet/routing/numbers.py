"""Caller IDs and phone-number types for queue callbacks (R-Q-6, R-Q-3).

Numbers are read with `phonenumbers` (Google's libphonenumber and its numbering-plan data for
every country; Apache-2.0), not with prefixes of our own (issue 13):

* A caller ID is first compacted (`normalize`: spaces, dots, dashes, slashes and parentheses
  removed, a `00` international prefix turned into `+`); what is left must be ASCII digits with
  an optional leading `+`, so anonymous, withheld, private, unknown, empty or lettered values
  (vanity letters included) and other scripts' digits (full-width, Arabic-Indic: issue 12
  finding 7) are refused before the library sees them.
* It is then parsed as an international number (`+`) or as a national number of the
  organization's country (`country_code`, a calling code such as `"33"`; national numbers are
  read in that code's main region: 33 France, 1 the United States, which share their plan with
  Canada and the Caribbean, 44 the United Kingdom...). It is valid when libphonenumber says the
  number exists in its country's plan (`is_valid_number`): right length *and* an allocated
  range, so `+33 7 12 34 56 78` (no such French range) or an Ofcom drama number are refused,
  where a length check would let them through.
* Types: a number whose country calling code differs from `country_code` is `international`.
  Otherwise libphonenumber's `PhoneNumberType` maps onto ours:

  ====================== ============== ==================================================
  PhoneNumberType        NumberType     why
  ====================== ============== ==================================================
  MOBILE                 ``mobile``
  FIXED_LINE             ``landline``
  FIXED_LINE_OR_MOBILE   ``landline``   plans that do not tell them apart (1: US, CA);
                                        as before, such numbers count as landlines
  VOIP                   ``landline``   geographic-rate numbers (FR 09, GB 056)
  UAN                    ``landline``   company numbers at a normal rate (GB 03, FR 0806)
  TOLL_FREE              ``toll_free``
  PREMIUM_RATE           ``premium``
  SHARED_COST            ``premium``    charged above a normal call (FR 081/082, DE 0180)
  PERSONAL_NUMBER        ``premium``    follow-me numbers charged above a call (GB 070)
  PAGER, VOICEMAIL       (none)         no one to call back: not a valid caller ID
  ====================== ============== ==================================================

Parsing costs some 20 µs, and the engine checks a waiting call's caller ID when it considers
a callback offer (R-Q-6), so results are cached by compacted number and country code in a
bounded LRU (`_read`, 4,096 entries; inputs are at most 20 characters once compacted).
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache

import phonenumbers
from phonenumbers import NumberParseException, PhoneNumberFormat, PhoneNumberType


class NumberType(StrEnum):
    """Phone-number types a callback or campaign may be allowed to dial (R-Q-3, R-Q-6)."""

    MOBILE = "mobile"
    LANDLINE = "landline"
    TOLL_FREE = "toll_free"
    PREMIUM = "premium"
    INTERNATIONAL = "international"


#: libphonenumber's types as ours (see the table above); a type absent here cannot be called back.
TYPE_MAP: dict[int, NumberType] = {
    PhoneNumberType.MOBILE: NumberType.MOBILE,
    PhoneNumberType.FIXED_LINE: NumberType.LANDLINE,
    PhoneNumberType.FIXED_LINE_OR_MOBILE: NumberType.LANDLINE,
    PhoneNumberType.VOIP: NumberType.LANDLINE,
    PhoneNumberType.UAN: NumberType.LANDLINE,
    PhoneNumberType.TOLL_FREE: NumberType.TOLL_FREE,
    PhoneNumberType.PREMIUM_RATE: NumberType.PREMIUM,
    PhoneNumberType.SHARED_COST: NumberType.PREMIUM,
    PhoneNumberType.PERSONAL_NUMBER: NumberType.PREMIUM,
}

_SEPARATORS = re.compile(r"[\s.\-()/]")
# re.ASCII: a digit is 0-9, never another script's digit (issue 12 finding 7); libphonenumber
# itself would read full-width and Arabic-Indic digits, and letters as a keypad's.
_DIGITS = re.compile(r"^\+?\d{3,19}$", re.ASCII)
_CACHE_SIZE = 4096


def normalize(value: str) -> str:
    """The caller ID without separators, with a `00` international prefix turned into `+`."""
    compact = _SEPARATORS.sub("", value.strip())
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


def _region(country_code: str) -> str | None:
    """The main region of a calling code (`"33"` → `FR`), None when it has none."""
    if not (country_code.isascii() and country_code.isdigit() and 1 <= len(country_code) <= 3):
        return None
    region = phonenumbers.region_code_for_country_code(int(country_code))
    # "ZZ": no such code; "001": a non-geographic code (+800...), whose numbers are E.164 only.
    return None if region in ("ZZ", "001") else region


@lru_cache(maxsize=_CACHE_SIZE)
def _read(compact: str, country_code: str) -> tuple[str, str, NumberType] | None:
    """`compact` (digits, maybe a leading `+`) read by libphonenumber: its E.164 form, its
    country calling code and its type (before the international check); None if not valid."""
    region = None if compact.startswith("+") else _region(country_code)
    if region is None and not compact.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(compact, region)
    except NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    kind = TYPE_MAP.get(phonenumbers.number_type(number))
    if kind is None:
        return None
    e164 = phonenumbers.format_number(number, PhoneNumberFormat.E164)
    return e164, str(number.country_code), kind


def _lookup(value: str | None, country_code: str) -> tuple[str, str, NumberType] | None:
    if not value:
        return None
    compact = normalize(value)
    if _DIGITS.match(compact) is None:
        return None
    return _read(compact, country_code)


def to_e164(value: str | None, *, country_code: str = "33") -> str | None:
    """`value` as `+<country><number>`, or None when it is not a valid caller ID (R-Q-6).

    National numbers are read in `country_code`'s plan: `"06 12 34 56 78"` is `+33612345678`
    for 33, `"(800) 234-5678"` is `+18002345678` for 1, `"06 1234 5678"` `+390612345678` for 39
    (Italy keeps its leading 0).
    """
    reading = _lookup(value, country_code)
    return None if reading is None else reading[0]


def is_valid_caller_id(value: str | None, *, country_code: str = "33") -> bool:
    """Whether a callback can dial `value`: a number libphonenumber knows, E.164 or national
    in `country_code`'s plan, of a type one can call; anonymous/empty invalid (R-Q-6)."""
    return _lookup(value, country_code) is not None


def classify_number(value: str | None, *, country_code: str = "33") -> NumberType | None:
    """The number type of `value` (the table above); None when it is not valid (R-Q-6)."""
    reading = _lookup(value, country_code)
    if reading is None:
        return None
    _, code, kind = reading
    return kind if code == country_code else NumberType.INTERNATIONAL
