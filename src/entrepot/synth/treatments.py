"""Treatments and tumour events of a chunk: the front line, then metastatic lines.

The metastatic phase starts at the tumour's trigger (diagnosis if de novo metastatic, the
relapse, or the first progression after an ovarian FIGO IV front line). Each line starts a
few weeks after the previous progression, lasts a time drawn around the regimen's median,
and ends in progression (an event is recorded just before the next line), toxicity, or the
patient's decline before death. Survival itself is drawn in `follow_up` from the published
medians; lines fill the time it leaves, so the number of lines follows from survival.
"""

from __future__ import annotations

import numpy as np

from entrepot.synth import codes, frontline, lines
from entrepot.synth.cohort import BREAST, CANCERS, LUNG, OVARY, Arrays
from entrepot.synth.pathway import EventRows, TreatmentRows
from entrepot.synth.regimens import MONTHS, REGIMENS
from entrepot.synth.sampling import DAYS_PER_YEAR, NEVER, months_to_days, uniform_days, years_of
from entrepot.synth.tumours import draw_sites

MAX_LINES = 8
#: Probability of a further line after a progression, by line number (assumption).
NEXT_LINE = {2: 0.88, 3: 0.80, 4: 0.72}
NEXT_LINE_LATER = 0.62
#: Ovary: platinum doublet length before maintenance when a maintenance follows (6 cycles).
INDUCTION_MONTHS = 4.5
LOCAL_RECURRENCE_SHARE = 0.04
MIN_LINE_DAYS = 42

_SITE_NAMES = np.array(codes.METASTATIC_SITES, dtype=object)
_CHOOSERS = {BREAST: lines.breast, LUNG: lines.lung, OVARY: lines.ovary}


def treat(rng: np.random.Generator, ctx: Arrays) -> tuple[Arrays, Arrays]:
    """All treatment and event rows of the tumours in `ctx`, before censoring."""
    rows, events = TreatmentRows(), EventRows()
    frontline.breast(rng, ctx, rows)
    frontline.lung(rng, ctx, rows)
    frontline.ovary(rng, ctx, rows)
    _local_recurrences(rng, ctx, events)
    _metastatic_lines(rng, ctx, rows, events)
    return rows.build(), events.build()


def _local_recurrences(rng: np.random.Generator, ctx: Arrays, events: EventRows) -> None:
    """Some early breast cancers recur locally before any distant relapse (assumption)."""
    candidates = (
        (ctx["cancer"] == BREAST)
        & ~ctx["metastatic"]
        & (rng.random(len(ctx["dx"])) < LOCAL_RECURRENCE_SHARE)
    )
    date = ctx["dx"] + np.round(rng.uniform(1.0, 8.0, len(ctx["dx"])) * DAYS_PER_YEAR).astype(
        np.int64
    )
    recur = candidates & (date < np.minimum(ctx["cutoff"], ctx["death"]))
    events.add(np.flatnonzero(recur), "local_recurrence", date[recur], "")


def _random_bit(
    rng: np.random.Generator, masks: np.ndarray, weights: np.ndarray | None = None
) -> np.ndarray:
    """Index of one set bit of each mask (−1 if none), weighted when `weights` is given."""
    bits = (masks[:, None] >> np.arange(len(_SITE_NAMES))) & 1
    w = np.ones(bits.shape) if weights is None else np.broadcast_to(weights, bits.shape)
    with np.errstate(divide="ignore"):
        keys = np.where(bits == 1, np.log(w) + rng.gumbel(size=bits.shape), -np.inf)
    return np.where(bits.any(axis=1), keys.argmax(axis=1), -1)


def _site_weights(cancer: np.ndarray) -> np.ndarray:
    table = np.array(
        [[codes.SITE_WEIGHTS[c].get(s, 0.0) for s in codes.METASTATIC_SITES] for c in CANCERS]
    )
    return table[cancer] + 1e-6


def _metastatic_lines(
    rng: np.random.Generator, ctx: Arrays, rows: TreatmentRows, events: EventRows
) -> None:
    idx = np.flatnonzero(ctx["trigger"] < NEVER)
    n = len(idx)
    if n == 0:
        return
    cancer = ctx["cancer"][idx]
    trigger = ctx["trigger"][idx]
    line = ctx["first_line"][idx].copy()
    de_novo = ctx["metastatic"][idx] & (line == 1)
    # The patient stops anticancer treatment in the weeks before death (assumption).
    stop_by = ctx["death"][idx] - uniform_days(rng, 0, 75, n)

    sites = ctx["sites"][idx].copy()
    relapsed = ~ctx["metastatic"][idx]
    for k, name in enumerate(CANCERS):
        mask = relapsed & (cancer == k)
        sites[mask] = draw_sites(rng, name, int(mask.sum()))
    first_site = _random_bit(rng, sites)
    events.add(
        idx[relapsed],
        "distant_progression",
        trigger[relapsed],
        _SITE_NAMES[first_site[relapsed]],
        anchor=True,
    )
    progressed_before = ~relapsed & ~de_novo
    events.add(idx[progressed_before], "distant_progression", trigger[progressed_before], "")

    used = np.zeros((n, len(REGIMENS)), dtype=bool)
    t = trigger.copy()
    # Patients too frail for any anticancer treatment get no line at all.
    active = ~ctx["untreated"][idx]
    weights = _site_weights(cancer)
    for step in range(MAX_LINES):
        start = t + np.where(
            de_novo & (step == 0), uniform_days(rng, 14, 42, n), uniform_days(rng, 10, 35, n)
        )
        p_next = np.array([NEXT_LINE.get(int(k), NEXT_LINE_LATER) for k in line])
        go = active & (start < stop_by) & ((step == 0) | (rng.random(n) < p_next))
        active = go
        if not go.any():
            break
        g = np.flatnonzero(go)
        regimen, maintenance = _choose(rng, ctx, idx, g, line, start, used)
        median = MONTHS[regimen] + np.where(
            maintenance >= 0, MONTHS[np.maximum(maintenance, 0)], 0.0
        )
        days = months_to_days(median / np.log(2) ** (1 / 1.3) * rng.weibull(1.3, len(g)))
        # Response is assessed after two or three cycles: no progression before six weeks.
        end = start[g] + np.maximum(days, MIN_LINE_DAYS)
        progressed = end < stop_by[g]
        end = np.where(progressed, end, np.maximum(start[g], stop_by[g]))
        toxicity = progressed & (rng.random(len(g)) < 0.1)
        near_death = ctx["death"][idx[g]] - end <= 14
        stop = np.select(
            [toxicity, progressed, near_death], ["toxicity", "progression", "death"], "progression"
        )
        _add_line(rng, rows, idx[g], regimen, maintenance, line[g], start[g], end, stop)
        relapse_event = progressed & ~toxicity
        _progression_events(
            rng, events, idx[g][relapse_event], end[relapse_event], sites, g[relapse_event], weights
        )
        used[g, regimen] = True
        used[g[maintenance >= 0], maintenance[maintenance >= 0]] = True
        t[g] = end
        active[g] = progressed
        line[g] += 1


def _choose(
    rng: np.random.Generator,
    ctx: Arrays,
    idx: np.ndarray,
    g: np.ndarray,
    line: np.ndarray,
    start: np.ndarray,
    used: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    regimen = np.zeros(len(g), dtype=np.int64)
    maintenance = np.full(len(g), -1, dtype=np.int64)
    cancer = ctx["cancer"][idx[g]]
    for kind, chooser in _CHOOSERS.items():
        sel = np.flatnonzero(cancer == kind)
        if len(sel) == 0:
            continue
        tumours = idx[g[sel]]
        c = {
            key: ctx[key][tumours]
            for key in (
                "subtype",
                "her2",
                "gbrca",
                "brca",
                "driver",
                "histology",
                "pdl1",
                "first_line",
            )
        }
        c["platinum_free_days"] = ctx["trigger"][tumours] - ctx["dx"][tumours]
        regimen[sel], maintenance[sel] = chooser(
            rng, c, line[g[sel]], years_of(start[g[sel]]), used[g[sel]]
        )
    return regimen, maintenance


def _add_line(
    rng: np.random.Generator,
    rows: TreatmentRows,
    tumour: np.ndarray,
    regimen: np.ndarray,
    maintenance: np.ndarray,
    line: np.ndarray,
    start: np.ndarray,
    end: np.ndarray,
    stop: np.ndarray,
) -> None:
    """One row per line, or two (induction, then maintenance) when a maintenance follows and
    the line lasts beyond the induction."""
    induction = months_to_days(np.full(len(tumour), INDUCTION_MONTHS))
    split = (maintenance >= 0) & (end - start > induction + 30)
    whole = ~split
    rows.add(
        tumour[whole],
        regimen[whole],
        "metastatic",
        start[whole],
        (end - start)[whole],
        line=line[whole],
        stop=stop[whole],
    )
    rows.add(
        tumour[split],
        regimen[split],
        "metastatic",
        start[split],
        induction[split],
        line=line[split],
        stop="completed",
    )
    maintenance_start = start + induction + uniform_days(rng, 14, 28, len(tumour))
    rows.add(
        tumour[split], maintenance[split], "metastatic", maintenance_start[split],
        np.maximum(end - maintenance_start, 1)[split], line=line[split], stop=stop[split],
    )  # fmt: skip


def _progression_events(
    rng: np.random.Generator,
    events: EventRows,
    tumour: np.ndarray,
    date: np.ndarray,
    sites: np.ndarray,
    local: np.ndarray,
    weights: np.ndarray,
) -> None:
    """Half of the progressions show a new metastatic site (if one is left), the others are
    recorded as progression, on a known site or without one."""
    n = len(tumour)
    full = (1 << len(_SITE_NAMES)) - 1
    new_site = _random_bit(rng, full & ~sites[local], weights[local])
    is_new = (new_site >= 0) & (rng.random(n) < 0.5)
    sites[local[is_new]] |= 1 << new_site[is_new]
    known = _random_bit(rng, sites[local])
    on_known = ~is_new & (known >= 0) & (rng.random(n) < 0.6)
    site = np.where(
        is_new,
        _SITE_NAMES[np.maximum(new_site, 0)],
        np.where(on_known, _SITE_NAMES[np.maximum(known, 0)], ""),
    )
    kind = np.where(is_new, "new_metastatic_site", "distant_progression")
    events.add(tumour, kind, date, site)
