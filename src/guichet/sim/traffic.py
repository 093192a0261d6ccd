"""Traffic models for the simulator: arrival processes and duration distributions (R-X-1).

Every model draws from a `random.Random` handed in by the caller, so a seed fixes a run.
`sampler(rng)` returns a zero-argument callable bound to that generator: the simulator's
hot loop calls it once per interaction without attribute look-ups.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from random import Random
from typing import Protocol

Sampler = Callable[[], float]


class Distribution(Protocol):
    """A law of durations in seconds."""

    @property
    def mean_s(self) -> float:
        """Mean duration in seconds."""
        ...

    def sampler(self, rng: Random) -> Sampler:
        """A callable drawing one duration from `rng`."""
        ...


@dataclass(frozen=True, slots=True)
class Exponential:
    """Exponential durations with the given mean (memoryless handle time or patience)."""

    mean_s: float

    def __post_init__(self) -> None:
        if not self.mean_s > 0:
            raise ValueError("exponential mean must be positive")

    def sampler(self, rng: Random) -> Sampler:
        """Inverse-transform sampling: -mean·log(1 - U)."""
        uniform = rng.random
        mean = self.mean_s
        log = math.log
        return lambda: -mean * log(1.0 - uniform())


@dataclass(frozen=True, slots=True)
class LogNormal:
    """Log-normal durations given by their mean and standard deviation in seconds."""

    mean_s: float
    sd_s: float

    def __post_init__(self) -> None:
        if not (self.mean_s > 0 and self.sd_s >= 0):
            raise ValueError("log-normal needs a positive mean and a non-negative sd")

    def sampler(self, rng: Random) -> Sampler:
        """Draw exp(N(m, s)) with m, s chosen so the mean and sd match."""
        sigma2 = math.log1p((self.sd_s / self.mean_s) ** 2)
        mu = math.log(self.mean_s) - sigma2 / 2.0
        sigma = math.sqrt(sigma2)
        gauss = rng.gauss
        exp = math.exp
        return lambda: exp(gauss(mu, sigma))


@dataclass(frozen=True, slots=True)
class Empirical:
    """Durations resampled uniformly from recorded values (a bootstrap of real handle times)."""

    values: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.values or min(self.values) < 0:
            raise ValueError("empirical needs at least one non-negative value")

    @property
    def mean_s(self) -> float:
        """Mean of the recorded values."""
        return math.fsum(self.values) / len(self.values)

    def sampler(self, rng: Random) -> Sampler:
        """Pick one recorded value uniformly."""
        values = self.values
        count = len(values)
        uniform = rng.random
        return lambda: values[int(uniform() * count)]


@dataclass(frozen=True, slots=True)
class Constant:
    """Always the same duration (a fixed wrap-up, a deterministic service)."""

    mean_s: float

    def __post_init__(self) -> None:
        if self.mean_s < 0:
            raise ValueError("duration must be non-negative")

    def sampler(self, rng: Random) -> Sampler:
        """Return the constant; `rng` is unused so other streams stay aligned."""
        value = self.mean_s
        return lambda: value


class ArrivalProcess(Protocol):
    """Arrival instants in seconds from the start of the run."""

    def times(self, rng: Random, end_s: float) -> Iterator[float]:
        """Increasing arrival instants before `end_s`."""
        ...

    def mean_rate_per_hour(self, end_s: float) -> float:
        """Average arrivals per hour over [0, end_s)."""
        ...


@dataclass(frozen=True, slots=True)
class PoissonArrivals:
    """Poisson arrivals with a rate per interval (per hour); the profile repeats (R-X-1).

    One rate gives a homogeneous process. Within an interval the gaps are exponential; at a
    boundary the draw restarts with the next rate, which is exact by memorylessness.
    """

    rates_per_hour: tuple[float, ...]
    interval_s: float = 3600.0

    def __post_init__(self) -> None:
        if not self.rates_per_hour or min(self.rates_per_hour) < 0 or self.interval_s <= 0:
            raise ValueError("rates must be non-negative and the interval positive")

    def times(self, rng: Random, end_s: float) -> Iterator[float]:
        """Generate the arrival instants lazily."""
        uniform = rng.random
        log = math.log
        rates = [r / 3600.0 for r in self.rates_per_hour]
        periods = len(rates)
        width = self.interval_s
        t = 0.0
        index = 0
        while t < end_s:
            rate = rates[index % periods]
            boundary = (index + 1) * width
            if rate > 0:
                while True:
                    t -= log(1.0 - uniform()) / rate
                    if t >= boundary or t >= end_s:
                        break
                    yield t
            t = boundary
            index += 1

    def mean_rate_per_hour(self, end_s: float) -> float:
        """Average of the profile over [0, end_s)."""
        if end_s <= 0:
            return 0.0
        full, rest = divmod(end_s, self.interval_s)
        periods = len(self.rates_per_hour)
        total = 0.0
        for index in range(int(full)):
            total += self.rates_per_hour[index % periods] * self.interval_s
        total += self.rates_per_hour[int(full) % periods] * rest
        return total / end_s


@dataclass(frozen=True, slots=True)
class RecordedArrivals:
    """Arrival instants replayed from a log (seconds from the start), sorted on creation."""

    times_s: tuple[float, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "times_s", tuple(sorted(self.times_s)))

    def times(self, rng: Random, end_s: float) -> Iterator[float]:
        """Replay the recorded instants before `end_s`; `rng` is unused."""
        for t in self.times_s:
            if t >= end_s:
                return
            if t >= 0:
                yield t

    def mean_rate_per_hour(self, end_s: float) -> float:
        """Recorded arrivals per hour before `end_s`."""
        if end_s <= 0:
            return 0.0
        return sum(1 for t in self.times_s if 0 <= t < end_s) * 3600.0 / end_s
