"""Erlang B/C calculators, square-root staffing and the R-W-6 slot formula (R-X-2).

References:
- The worked case of issue 4 (10 agents, 100 calls/hour, AHT 300 s, 8.33 Erlangs:
  P(wait) = 0.488, ASA = 87.8 s, SL(20 s) = 0.564) — the textbook Erlang C formula
  P(wait) = (a^n/n!)(n/(n-a)) / (sum_{k<n} a^k/k! + (a^n/n!)(n/(n-a))), as printed in
  Gans, Koole and Mandelbaum, "Telephone call centers: tutorial, review and research
  prospects", Manufacturing & Service Operations Management 5(2), 2003.
- The classic "360 calls per half hour, 240 s calls, 55 agents" Erlang C example (48 Erlangs).
Every other case is checked twice: against the factorial formula computed with exact
fractions, and against the independent `turbotab` command-line calculator.
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

from guichet.sim.erlang import (
    erlang_b,
    erlang_c,
    erlang_c_agents,
    erlang_c_probability,
    halfin_whitt_beta,
    offered_load,
    rw6_slots,
    square_root_staffing,
)


def _turbotab() -> str | None:
    exe = Path(sys.executable).with_name("turbotab")
    return str(exe) if exe.exists() else shutil.which("turbotab")


def _exact_erlang_c(n: int, a: Fraction) -> float:
    """The factorial form of Erlang C, with exact rationals (a second method)."""
    terms = [a**k / math.factorial(k) for k in range(n)]
    top = a**n / math.factorial(n) * n / (n - a)
    return float(top / (sum(terms) + top))


def test_r_x_2_erlang_c_worked_case_of_the_issue() -> None:
    """10 agents, 100/h, AHT 300 s: P(wait) 0.488, ASA 87.8 s, SL(20 s) 0.564."""
    result = erlang_c(10, 100, 300, 20)
    assert result.load == pytest.approx(8.3333, abs=1e-4)
    assert round(result.p_wait, 3) == 0.488
    assert round(result.asa_s, 1) == 87.8
    assert round(result.service_level, 3) == 0.564
    assert result.occupancy == pytest.approx(0.8333, abs=1e-4)


def test_r_x_2_erlang_c_classic_48_erlang_case() -> None:
    """360 calls per half hour, 4-minute calls, 55 agents, T = 15 s."""
    result = erlang_c(55, 720, 240, 15)
    assert result.load == pytest.approx(48.0)
    assert result.p_wait == pytest.approx(_exact_erlang_c(55, Fraction(48)), rel=1e-12)
    assert round(result.p_wait, 4) == 0.2387
    assert round(result.asa_s, 1) == 8.2
    assert round(result.service_level, 3) == 0.846


@pytest.mark.parametrize(("n", "a"), [(1, "1/2"), (3, "2"), (10, "25/3"), (30, "27"), (80, "70")])
def test_r_x_2_erlang_c_matches_factorial_formula(n: int, a: str) -> None:
    """The stable Erlang B recursion agrees with the exact factorial formula."""
    assert erlang_c_probability(n, float(Fraction(a))) == pytest.approx(
        _exact_erlang_c(n, Fraction(a)), rel=1e-11
    )


def test_r_x_2_erlang_b_known_value() -> None:
    """Erlang B by the recursion equals the closed form for small cases."""
    assert erlang_b(2, 1.0) == pytest.approx(0.2)  # (1/2) / (1 + 1 + 1/2)
    assert erlang_b(0, 5.0) == 1.0


@pytest.mark.parametrize(("n", "a"), [(12, 8.333333333), (55, 48.0), (250, 235.0), (900, 880.0)])
def test_r_x_2_erlang_c_matches_turbotab(n: int, a: float) -> None:
    """Cross-check against an independent calculator (dev-only GPL tool, run as a CLI)."""
    exe = _turbotab()
    if exe is None:
        pytest.skip("turbotab is not installed")
    out = subprocess.run(
        [exe, "erlang", "c", "--json", "--servers", str(n), "--intensity", str(a)],
        check=True,
        capture_output=True,
        text=True,
    )
    reference = json.loads(out.stdout)["result"]["value"]
    assert erlang_c_probability(n, a) == pytest.approx(reference, rel=1e-9)


def test_r_x_2_erlang_c_is_stable_for_thousands_of_agents() -> None:
    """No factorial overflow: 5,000 agents at 98% occupancy give a finite, sensible answer."""
    result = erlang_c(5000, offered_load(5000 * 0.98 * 3600 / 300, 300) * 3600 / 300, 300)
    assert 0.0 < result.p_wait < 1.0
    assert math.isfinite(result.asa_s)
    # Halfin-Whitt: with a = n - β√n the limit of P(wait) is 1/(1 + βΦ(β)/φ(β)).
    beta = (5000 - result.load) / math.sqrt(result.load)
    phi = math.exp(-beta * beta / 2) / math.sqrt(2 * math.pi)
    big_phi = 0.5 * math.erfc(-beta / math.sqrt(2))
    assert result.p_wait == pytest.approx(1 / (1 + beta * big_phi / phi), rel=0.05)


def test_r_x_2_erlang_c_unstable_queue() -> None:
    """At or beyond 100% load everybody waits and the ASA is unbounded."""
    result = erlang_c(8, 100, 300)
    assert result.p_wait == 1.0
    assert result.asa_s == math.inf
    assert result.service_level == 0.0


def test_r_x_2_agents_for_80_20_target() -> None:
    """100 calls/h of 300 s at 80/20 needs 12 agents: 11 miss the target, 12 meet it."""
    assert erlang_c(11, 100, 300, 20).service_level < 0.8
    assert erlang_c(12, 100, 300, 20).service_level >= 0.8
    assert erlang_c_agents(100, 300, target_sl=0.8, sl_threshold_s=20) == 12


def test_r_x_2_agents_for_asa_and_occupancy_targets() -> None:
    """ASA and occupancy targets are each honoured by the smallest agent count."""
    n = erlang_c_agents(720, 240, target_asa_s=10.0)
    assert erlang_c(n, 720, 240).asa_s <= 10.0 < erlang_c(n - 1, 720, 240).asa_s
    assert erlang_c_agents(720, 240, max_occupancy=0.8) == 60
    with pytest.raises(ValueError):
        erlang_c_agents(100, 300)


def test_r_x_2_agents_matches_turbotab_staffing() -> None:
    """Agents for 80/20 agree with the independent calculator's raw staffing figure."""
    exe = _turbotab()
    if exe is None:
        pytest.skip("turbotab is not installed")
    for rate, aht in [(100, 300), (720, 240), (3000, 180)]:
        out = subprocess.run(
            [exe, "staffing", "required", "--json", "--sla", "0.8", "--service-time", "20",
             "--contacts-per-interval", str(rate), "--aht", str(aht), "--interval", "3600",
             "--shrinkage", "0"],
            check=True, capture_output=True, text=True,
        )  # fmt: skip
        value = json.loads(out.stdout)["result"]["value"]
        reference = value["productive_agents"]
        assert erlang_c_agents(rate, aht, target_sl=0.8, sl_threshold_s=20) == int(reference)


def test_r_x_2_square_root_staffing() -> None:
    """β solves the Halfin-Whitt relation; n = ⌈a + β√a⌉."""
    assert halfin_whitt_beta(0.5) == pytest.approx(0.506, abs=1e-3)
    beta = halfin_whitt_beta(0.2)
    n = square_root_staffing(400.0, p_wait=0.2)
    assert n == math.ceil(400 + beta * 20)
    # For a large load, the square-root rule is within an agent or two of Erlang C's answer.
    exact = next(k for k in range(401, 500) if erlang_c_probability(k, 400.0) <= 0.2)
    assert abs(n - exact) <= 2
    assert square_root_staffing(100.0, beta=1.0) == 110


def test_r_w_6_slot_formula() -> None:
    """R-W-6: 5 agents × 10 conversations/h × 3 off-peak hours = 150 slots, start at 75."""
    rec = rw6_slots(5, 10, 3)
    assert (rec.recommended, rec.starting) == (150, 75)
    assert rw6_slots(3, 7, 1).starting == 11
    with pytest.raises(ValueError):
        rw6_slots(-1, 1, 1)
