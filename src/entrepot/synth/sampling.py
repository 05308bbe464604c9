"""Vectorised random draws and day arithmetic shared by the generator modules.

Dates are integer day numbers (days since 1970-01-01, numpy `datetime64[D]` as int64) so
that whole columns are shifted, compared and clipped at once. `NEVER` stands for "this does
not happen" and sorts after every real day, so `np.minimum` picks the first real event.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

NEVER = 1 << 30
DAYS_PER_MONTH = 365.25 / 12
DAYS_PER_YEAR = 365.25


def day(iso: str) -> int:
    """Day number of an ISO date."""
    return int(np.datetime64(iso, "D").astype(np.int64))


def years_of(days: np.ndarray) -> np.ndarray:
    """Calendar year of each day number."""
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


def categorical(
    rng: np.random.Generator, shares: Mapping[str, float] | Sequence[float], n: int
) -> np.ndarray:
    """`n` draws of category indices with the given (not necessarily normalised) shares."""
    weights = np.asarray(
        list(shares.values()) if isinstance(shares, Mapping) else shares, dtype=np.float64
    )
    cumulative = np.cumsum(weights / weights.sum())
    cumulative[-1] = 1.0
    return np.searchsorted(cumulative, rng.random(n), side="right").astype(np.int64)


def draw_keys(rng: np.random.Generator, shares: Mapping[str, float], n: int) -> np.ndarray:
    """`n` keys of a {name: share} table, as an object array of str: the one way the
    calibration tables keyed by name (stages, subtypes, histologies...) are sampled."""
    return np.array(list(shares), dtype=object)[categorical(rng, shares, n)]


def categorical_rows(rng: np.random.Generator, weights: np.ndarray) -> np.ndarray:
    """One category per row of a 2-D weight matrix (each row its own distribution)."""
    cumulative = np.cumsum(weights, axis=1)
    cumulative /= cumulative[:, -1:]
    draws = rng.random(len(weights))[:, None]
    return np.minimum((draws > cumulative).sum(axis=1), weights.shape[1] - 1)


def weibull_months(
    rng: np.random.Generator, median: np.ndarray | float, shape: float, n: int
) -> np.ndarray:
    """Weibull times (months) with the given median(s): scale = median / ln(2)^(1/shape)."""
    scale = np.asarray(median, dtype=np.float64) / np.log(2.0) ** (1.0 / shape)
    return scale * rng.weibull(shape, n)


def lognormal(
    rng: np.random.Generator, median: np.ndarray | float, sigma: np.ndarray | float, n: int
) -> np.ndarray:
    """Lognormal draws with the given median(s) and log-scale sigma(s)."""
    return np.asarray(median, dtype=np.float64) * np.exp(np.asarray(sigma) * rng.standard_normal(n))


def uniform_days(
    rng: np.random.Generator, low: int | np.ndarray, high: int | np.ndarray, n: int
) -> np.ndarray:
    """Integer days uniformly in [low, high] (inclusive; arrays broadcast)."""
    low = np.asarray(low, dtype=np.int64)
    high = np.asarray(high, dtype=np.int64)
    return low + np.floor(rng.random(n) * (high - low + 1)).astype(np.int64)


def months_to_days(months: np.ndarray) -> np.ndarray:
    """Whole days in a duration expressed in months (at least one day)."""
    return np.maximum(np.round(np.asarray(months) * DAYS_PER_MONTH).astype(np.int64), 1)


def pick(rng: np.random.Generator, options: Sequence[tuple[str, float]], n: int) -> np.ndarray:
    """`n` codes drawn from (code, share) pairs, as an object array of str."""
    codes = np.array([code for code, _ in options], dtype=object)
    return codes[categorical(rng, [share for _, share in options], n)]


def pick_either(
    rng: np.random.Generator,
    condition: np.ndarray,
    if_true: Sequence[tuple[str, float]],
    if_false: Sequence[tuple[str, float]],
) -> np.ndarray:
    """Per row, a code drawn from `if_true` where `condition` holds, else from `if_false`.

    Both are drawn for every row, `if_true` first: the random stream (and so the output for a
    given seed) is the same as drawing the two columns and choosing between them by hand.
    """
    n = len(condition)
    return np.where(condition, pick(rng, if_true, n), pick(rng, if_false, n))
