"""Accumulating treatment and tumour-event rows, and cutting them to what the hospital knows.

Generators add rows step by step (one step = one treatment for a set of tumours, as arrays).
`finish_treatments` and `finish_events` then apply the two truths of an export: nothing is
recorded after the last news, and a treatment still running at the last news of a living
patient has no end date yet.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np

from entrepot.synth.cohort import Arrays
from entrepot.synth.sampling import NEVER


def _select(value: Any, where: np.ndarray) -> Any:
    """The selected entries of a per-tumour array; a scalar (or None) as it is."""
    return np.asarray(value)[where] if np.ndim(value) else value


def _column(value: object, n: int, dtype: object) -> np.ndarray:
    array = np.asarray(value, dtype=dtype)
    return np.full(n, array, dtype=dtype) if array.ndim == 0 else array


class TreatmentRows:
    """Treatment rows under construction (one entry per `add`, concatenated at the end)."""

    def __init__(self) -> None:
        self._parts: defaultdict[str, list[np.ndarray]] = defaultdict(list)

    def add(
        self,
        tumour: np.ndarray,
        regimen: np.ndarray | int,
        setting: str | np.ndarray,
        start: np.ndarray,
        days: np.ndarray | int,
        *,
        line: np.ndarray | int = 0,
        procedure: np.ndarray | str = "",
        stop: np.ndarray | str = "completed",
        cutoff: np.ndarray | None = None,
        where: np.ndarray | None = None,
    ) -> None:
        """Add one treatment per tumour in `tumour` (indices), from `start` for `days`.

        `cutoff` (per row) is the day the disease relapsed or progressed: a curative-phase
        treatment planned after it never happens, one running at that day stops there.

        `where` (bool, per row) keeps only the selected rows of every array argument: the
        generators compute a step for all their tumours and add it for those it applies to,
        so the one mask is applied here rather than to each argument at every call.
        """
        if where is not None:
            tumour, regimen, setting, start, days, line, procedure, stop, cutoff = (
                _select(value, where)
                for value in (tumour, regimen, setting, start, days, line, procedure, stop, cutoff)
            )
        n = len(tumour)
        start = _column(start, n, np.int64)
        end = start + _column(days, n, np.int64)
        stop = _column(stop, n, object).copy()
        keep = np.ones(n, dtype=bool)
        if cutoff is not None:
            keep = start < cutoff
            cut = end > cutoff
            end = np.where(cut, cutoff, end)
            stop[cut] = "progression"
        for name, values in (
            ("tumour", np.asarray(tumour, dtype=np.int64)),
            ("regimen", _column(regimen, n, np.int64)),
            ("setting", _column(setting, n, object)),
            ("line", _column(line, n, np.int64)),
            ("procedure", _column(procedure, n, object)),
            ("start", start),
            ("end", end),
            ("stop", stop),
        ):
            self._parts[name].append(values[keep])

    def build(self) -> Arrays:
        return {name: np.concatenate(parts) for name, parts in self._parts.items()}


class EventRows:
    """Tumour-event rows under construction. `anchor` marks the event that makes a tumour
    metastatic (the fault injector leaves it alone, so no fault cascades to treatments)."""

    def __init__(self) -> None:
        self._parts: defaultdict[str, list[np.ndarray]] = defaultdict(list)

    def add(
        self,
        tumour: np.ndarray,
        kind: str | np.ndarray,
        date: np.ndarray,
        site: np.ndarray | str,
        anchor: bool = False,
    ) -> None:
        n = len(tumour)
        self._parts["tumour"].append(np.asarray(tumour, dtype=np.int64))
        self._parts["event_kind"].append(_column(kind, n, object))
        self._parts["date"].append(np.asarray(date, dtype=np.int64))
        self._parts["site"].append(_column(site, n, object))
        self._parts["anchor"].append(np.full(n, anchor))

    def build(self) -> Arrays:
        if not self._parts:
            return {
                "tumour": np.zeros(0, dtype=np.int64),
                "event_kind": np.zeros(0, dtype=object),
                "date": np.zeros(0, dtype=np.int64),
                "site": np.zeros(0, dtype=object),
                "anchor": np.zeros(0, dtype=bool),
            }
        return {name: np.concatenate(parts) for name, parts in self._parts.items()}


def finish_treatments(
    rows: Arrays, patient_of_tumour: np.ndarray, last_news: np.ndarray, death_observed: np.ndarray
) -> Arrays:
    """Drop what started after the last news; end at death, or leave open ("ongoing")."""
    patient = patient_of_tumour[rows["tumour"]]
    news = last_news[patient]
    keep = rows["start"] <= news
    rows = {name: values[keep] for name, values in rows.items()}
    patient, news = patient[keep], news[keep]
    running = rows["end"] > news
    died = death_observed[patient]
    rows["end"] = np.where(running, np.where(died, news, NEVER), rows["end"])
    rows["stop"] = np.where(running, np.where(died, "death", "ongoing"), rows["stop"]).astype(
        object
    )
    return rows


def finish_events(events: Arrays, patient_of_tumour: np.ndarray, last_news: np.ndarray) -> Arrays:
    """Drop events dated after the last news."""
    keep = events["date"] <= last_news[patient_of_tumour[events["tumour"]]]
    return {name: values[keep] for name, values in events.items()}
