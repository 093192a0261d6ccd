"""Caller IDs and number types read with libphonenumber's plans (R-Q-6, R-Q-3, issue 13).

Numbers of ten countries, national and international, with and without `+` or `00`: mobile,
landline, toll-free, premium (shared-cost and personal numbers included), and numbers that have
the right length but no allocated range, which a prefix heuristic let through.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from guichet.routing import numbers
from guichet.routing.numbers import (
    TYPE_MAP,
    NumberType,
    classify_number,
    is_valid_caller_id,
    normalize,
    to_e164,
)

MOBILE = NumberType.MOBILE
LANDLINE = NumberType.LANDLINE
TOLL_FREE = NumberType.TOLL_FREE
PREMIUM = NumberType.PREMIUM
INTERNATIONAL = NumberType.INTERNATIONAL

#: (caller ID as presented, the organization's calling code, its E.164 form, its type).
CASES = [
    # France (33): 06/07 mobile, 01-05 geographic, 09 VoIP at a geographic rate, 080 free,
    # 081/082 shared cost and 089 premium; 0806-0809 are at a normal rate.
    ("06 12 34 56 78", "33", "+33612345678", MOBILE),
    ("+33 6 12 34 56 78", "33", "+33612345678", MOBILE),
    ("0033 6 12 34 56 78", "33", "+33612345678", MOBILE),
    ("612345678", "33", "+33612345678", MOBILE),  # the trunk 0 left out
    ("07.81.23.45.67", "33", "+33781234567", MOBILE),
    ("01 23 45 67 89", "33", "+33123456789", LANDLINE),
    ("09 12 34 56 78", "33", "+33912345678", LANDLINE),
    ("0800 12 34 56", "33", "+33800123456", TOLL_FREE),
    ("0806 12 34 56", "33", "+33806123456", LANDLINE),
    ("0810 12 34 56", "33", "+33810123456", PREMIUM),
    ("0899 12 34 56", "33", "+33899123456", PREMIUM),
    # Belgium (32): 04xx mobile, 0800 free, 0900 premium, 078 shared cost.
    ("0470 12 34 56", "32", "+32470123456", MOBILE),
    ("+32 470 12 34 56", "32", "+32470123456", MOBILE),
    ("02 234 56 78", "32", "+3222345678", LANDLINE),
    ("0800 12 345", "32", "+3280012345", TOLL_FREE),
    ("0900 12 345", "32", "+3290012345", PREMIUM),
    ("078 79 12 34", "32", "+3278791234", PREMIUM),
    # Switzerland (41): 07x mobile, 0878 personal numbers.
    ("079 123 45 67", "41", "+41791234567", MOBILE),
    ("+41 79 123 45 67", "41", "+41791234567", MOBILE),
    ("044 668 18 00", "41", "+41446681800", LANDLINE),
    ("0800 123 456", "41", "+41800123456", TOLL_FREE),
    ("0900 123 456", "41", "+41900123456", PREMIUM),
    ("0878 123 456", "41", "+41878123456", PREMIUM),
    # Germany (49): 015x-017x mobile, numbers of varying length, 0180 shared, 0700 personal.
    ("0151 23456789", "49", "+4915123456789", MOBILE),
    ("+49 151 23456789", "49", "+4915123456789", MOBILE),
    ("030 123456", "49", "+4930123456", LANDLINE),
    ("030 1234567", "49", "+49301234567", LANDLINE),
    ("0800 123 4567", "49", "+498001234567", TOLL_FREE),
    ("0900 1 234567", "49", "+499001234567", PREMIUM),
    ("0180 1 2345", "49", "+4918012345", PREMIUM),
    ("0700 1234 5678", "49", "+4970012345678", PREMIUM),
    # United Kingdom (44): 07 mobile but 070 personal, 03 at a geographic rate.
    ("07400 123456", "44", "+447400123456", MOBILE),
    ("+44 7400 123456", "44", "+447400123456", MOBILE),
    ("020 7946 0958", "44", "+442079460958", LANDLINE),
    ("0300 123 4567", "44", "+443001234567", LANDLINE),
    ("0800 123 4567", "44", "+448001234567", TOLL_FREE),
    ("0901 234 5678", "44", "+449012345678", PREMIUM),
    ("070 1234 5678", "44", "+447012345678", PREMIUM),
    # United States and Canada (1, one plan): mobile and landline look alike, so landline.
    ("(201) 555-0123", "1", "+12015550123", LANDLINE),
    ("+1 (201) 555-0123", "1", "+12015550123", LANDLINE),
    ("1 800 234 5678", "1", "+18002345678", TOLL_FREE),
    ("1-888-234-5678", "1", "+18882345678", TOLL_FREE),
    ("+1 900 234 5678", "1", "+19002345678", PREMIUM),
    ("(506) 234-5678", "1", "+15062345678", LANDLINE),  # New Brunswick
    ("+1 416 234 5678", "1", "+14162345678", LANDLINE),  # Toronto
    # Spain (34): no trunk prefix; 900 is free there, 901 shared cost, 803 premium.
    ("612 34 56 78", "34", "+34612345678", MOBILE),
    ("+34 612 34 56 78", "34", "+34612345678", MOBILE),
    ("91 123 45 67", "34", "+34911234567", LANDLINE),
    ("0034 91 123 45 67", "34", "+34911234567", LANDLINE),
    ("900 123 456", "34", "+34900123456", TOLL_FREE),
    ("901 12 34 56", "34", "+34901123456", PREMIUM),
    ("803 12 34 56", "34", "+34803123456", PREMIUM),
    # Italy (39): landlines keep their leading 0 in E.164.
    ("312 345 6789", "39", "+393123456789", MOBILE),
    ("+39 312 345 6789", "39", "+393123456789", MOBILE),
    ("02 1234 5678", "39", "+390212345678", LANDLINE),
    ("0039 02 1234 5678", "39", "+390212345678", LANDLINE),
    ("800 123 456", "39", "+39800123456", TOLL_FREE),
    ("848 123 456", "39", "+39848123456", PREMIUM),
    ("899 123 456", "39", "+39899123456", PREMIUM),
    # Morocco (212): a three-digit calling code.
    ("06 50 12 34 56", "212", "+212650123456", MOBILE),
    ("+212 6 50 12 34 56", "212", "+212650123456", MOBILE),
    ("05 20 12 34 56", "212", "+212520123456", LANDLINE),
    ("080 1234567", "212", "+212801234567", TOLL_FREE),
    ("089 1234567", "212", "+212891234567", PREMIUM),
    # Another country's number is international, whatever its own type.
    ("+32 470 12 34 56", "33", "+32470123456", INTERNATIONAL),
    ("0044 800 123 4567", "33", "+448001234567", INTERNATIONAL),
    ("+1 800 234 5678", "44", "+18002345678", INTERNATIONAL),
    ("+33 6 12 34 56 78", "1", "+33612345678", INTERNATIONAL),
    ("011 33 6 12 34 56 78", "1", "+33612345678", INTERNATIONAL),  # North American 011
    ("+800 1234 5678", "33", "+80012345678", INTERNATIONAL),  # international freephone
    ("+33612345678", "999", "+33612345678", INTERNATIONAL),  # a code with no country
]


@pytest.mark.parametrize(("number", "country", "e164", "kind"), CASES)
def test_r_q_6_numbers_of_many_countries(
    number: str, country: str, e164: str, kind: NumberType
) -> None:
    """R-Q-6: each caller ID reads as its E.164 number and its type in the organization's plan."""
    assert to_e164(number, country_code=country) == e164
    assert classify_number(number, country_code=country) is kind
    assert is_valid_caller_id(number, country_code=country)
    # The E.164 form reads the same as the number it came from.
    assert classify_number(e164, country_code=country) is kind


@pytest.mark.parametrize(
    ("number", "country"),
    [
        # The right length, no allocated range: a prefix heuristic took them for numbers.
        ("07 12 34 56 78", "33"),
        ("+33 7 12 34 56 78", "44"),
        ("0400 12 34 56", "32"),
        ("07700 900123", "44"),  # Ofcom's range for drama
        ("(123) 456-7890", "1"),  # no area code starts with 1
        ("+1 999 999 9999", "33"),
        # Too short or too long for their plan.
        ("06 12 34 56", "33"),
        ("06 12 34 56 78 9", "33"),
        ("079 123 45", "41"),
        ("01 23 45", "49"),
        ("512 34 56", "34"),
        ("06 50 12", "212"),
        ("555-0123", "1"),  # seven digits: a local number without its area code
        # Numbers that exist but take no callback: a Swiss and a British pager.
        ("074 012 34 56", "41"),
        ("076 4012 3456", "44"),
        # A national number in a calling code with no country, or no code at all.
        ("0612345678", "999"),
        ("0612345678", "800"),
        ("0612345678", ""),
        ("0612345678", "abc"),
        # Not numbers: letters (vanity or not), other scripts' digits, a bad country code.
        ("1-800-FLOWERS", "1"),
        ("+33 6 12 34 56 78 ext. 12", "33"),
        ("+３３６１２３４５６７８", "33"),
        ("٠٦١٢٣٤٥٦٧٨", "33"),
        ("+0612345678", "33"),
        ("+", "33"),
        ("0" * 30, "33"),
        ("anonymous", "33"),
    ],
)
def test_r_q_6_numbers_that_are_not_valid(number: str, country: str) -> None:
    """R-Q-6: a caller ID libphonenumber does not know in its plan is no caller ID at all."""
    assert to_e164(number, country_code=country) is None
    assert classify_number(number, country_code=country) is None
    assert not is_valid_caller_id(number, country_code=country)


def test_r_q_6_national_numbers_are_read_in_the_organization_plan() -> None:
    """R-Q-6: the same national digits are another number in another plan."""
    assert to_e164("02 1234 5678", country_code="33") == "+33212345678"
    assert to_e164("02 1234 5678", country_code="39") == "+390212345678"
    assert classify_number("02 1234 5678", country_code="44") is None  # too short there
    # The default plan is France's (33), as before.
    assert to_e164("06 12 34 56 78") == "+33612345678"


def test_normalize_is_unchanged() -> None:
    """`normalize` still only strips separators and turns `00` into `+` (queue_rules uses it)."""
    assert normalize(" (0033) 6-12.34/56 78 ") == "+33612345678"
    assert normalize("+44 20 7946 0958") == "+442079460958"
    assert normalize("anonymous") == "anonymous"


def test_type_map_covers_the_types_one_can_call_back() -> None:
    """Every type the table in numbers.py names maps onto ours; pagers and voicemail do not."""
    from phonenumbers import PhoneNumberType as T

    assert TYPE_MAP == {
        T.MOBILE: MOBILE,
        T.FIXED_LINE: LANDLINE,
        T.FIXED_LINE_OR_MOBILE: LANDLINE,
        T.VOIP: LANDLINE,
        T.UAN: LANDLINE,
        T.TOLL_FREE: TOLL_FREE,
        T.PREMIUM_RATE: PREMIUM,
        T.SHARED_COST: PREMIUM,
        T.PERSONAL_NUMBER: PREMIUM,
    }


def test_readings_are_cached_in_a_bounded_lru() -> None:
    """The engine asks per waiting call (R-Q-6): a number is parsed once, the cache is bounded."""
    numbers._read.cache_clear()
    for _ in range(3):
        assert classify_number("+33 6 12 34 56 78") is MOBILE
        assert classify_number("06.12.34.56.78") is MOBILE
    info = numbers._read.cache_info()
    assert info.maxsize == 4096
    # Both spellings compact to different keys; each is parsed once, then read from the cache.
    assert (info.misses, info.hits) == (2, 4)


_CHARS = st.sampled_from("0123456789+ .-()/")
_COUNTRIES = st.sampled_from(["33", "1", "44", "49", "39", "212"])


@st.composite
def _respelled(draw: st.DrawFn) -> tuple[str, str, str, NumberType]:
    """A case's E.164 number spelled anew: `+` or `00`, separators anywhere between digits."""
    _, country, e164, kind = draw(st.sampled_from(CASES))
    seps = st.sampled_from(["", "", " ", ".", "-", "/", "(", ")"])
    digits = "".join(d + draw(seps) for d in e164[1:])
    return draw(st.sampled_from(["+", "00", " +", "00 "])) + digits, country, e164, kind


@given(_respelled())
def test_r_q_6_separators_and_prefixes_do_not_change_a_reading(
    case: tuple[str, str, str, NumberType],
) -> None:
    """R-Q-6: `+` or `00`, spaces, dots, dashes, slashes, parentheses: the same number."""
    spelled, country, e164, kind = case
    assert to_e164(spelled, country_code=country) == e164
    assert classify_number(spelled, country_code=country) is kind


@given(st.text(_CHARS, max_size=24), _COUNTRIES)
def test_r_q_6_a_reading_is_stable(value: str, country: str) -> None:
    """Whatever is typed: a valid caller ID's E.164 form is valid and reads the same."""
    e164 = to_e164(value, country_code=country)
    kind = classify_number(value, country_code=country)
    assert (e164 is None) == (kind is None) == (not is_valid_caller_id(value, country_code=country))
    if e164 is not None:
        assert e164.startswith("+") and e164[1:].isdigit() and len(e164) <= 16
        assert to_e164(e164, country_code=country) == e164
        assert classify_number(e164, country_code=country) is kind
