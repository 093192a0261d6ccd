"""Login attempts under way (issue 12 finding 11): the throttle stays exact when passwords are
verified off the event loop, between the check and the outcome."""

from __future__ import annotations

import asyncio

import pytest

from guichet.security_throttle import LoginThrottle, LoginThrottled


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


EMAIL, ADDRESS = "ada@alpha.test", "192.0.2.1"


async def test_attempts_under_way_hold_places_and_the_next_one_waits_then_is_refused() -> None:
    throttle = LoginThrottle(clock=Clock())
    attempts = [await throttle.begin(email=EMAIL, address=ADDRESS) for _ in range(5)]
    sixth = asyncio.create_task(throttle.begin(email=EMAIL, address=ADDRESS))
    await asyncio.sleep(0.01)
    assert not sixth.done()  # five under way fill the account's limit: it waits, uncounted
    for a in attempts:
        a.failed()
        a.failed()  # an attempt ends once: the second call counts nothing
    with pytest.raises(LoginThrottled) as exc:
        await sixth
    assert exc.value.retry_after == 900
    assert throttle.pending() == 0 and throttle.tracked() == (1, 1)


async def test_a_success_frees_the_account_for_the_waiting_attempt() -> None:
    throttle = LoginThrottle(clock=Clock())
    attempts = [await throttle.begin(email=EMAIL, address=ADDRESS) for _ in range(5)]
    sixth = asyncio.create_task(throttle.begin(email="ADA@alpha.test ", address=ADDRESS))
    await asyncio.sleep(0.01)
    attempts[0].succeeded()
    for a in attempts[1:]:
        a.failed()
    (await sixth).succeeded()
    assert throttle.pending() == 0
    # The sixth succeeded: the account starts afresh, the address keeps its four failures.
    assert throttle.tracked() == (0, 1)
    throttle.check(email=EMAIL, address=ADDRESS)


async def test_an_attempt_without_outcome_gives_its_place_back_uncounted() -> None:
    throttle = LoginThrottle(clock=Clock(), max_per_account=1)
    with await throttle.begin(email=EMAIL, address=ADDRESS):
        waiting = asyncio.create_task(throttle.begin(email=EMAIL, address=ADDRESS))
        await asyncio.sleep(0.01)
        assert not waiting.done()
    # Left without failed() or succeeded() (a cancelled request): nothing was counted.
    (await waiting).failed()
    assert throttle.pending() == 0 and throttle.tracked() == (1, 1)
    with pytest.raises(LoginThrottled):
        await throttle.begin(email=EMAIL, address=ADDRESS)


async def test_many_good_logins_from_one_address_queue_instead_of_failing() -> None:
    """An office behind one address: 60 attempts at once with a limit of 20 per address all
    get their turn (none is refused) as long as they succeed."""
    throttle = LoginThrottle(clock=Clock(), max_per_address=20)
    under_way = 0
    most = 0

    async def login(n: int) -> None:
        nonlocal under_way, most
        attempt = await throttle.begin(email=f"agent{n}@alpha.test", address=ADDRESS)
        under_way += 1
        most = max(most, under_way)
        await asyncio.sleep(0.001)
        under_way -= 1
        attempt.succeeded()

    await asyncio.gather(*(login(n) for n in range(60)))
    assert most == 20 and throttle.pending() == 0
