"""`generate_hospitals`: a synthetic network of hospital exports, with its ground truth.

The run is a loop over chunks of patients: draw a chunk with vectorised numpy code, append
it to every centre's files, forget it. Memory is bounded by the chunk size, whatever the
number of patients. Each chunk has its own random stream, spawned from the seed, so a run
is reproducible byte for byte for the same arguments.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from entrepot.synth.centres import Centre, select_centres
from entrepot.synth.chunk import Numbering, generate_chunk
from entrepot.synth.writer import NetworkWriter

DEFAULT_CHUNK_SIZE = 50_000


@dataclass(frozen=True)
class HospitalsSummary:
    """What a run wrote."""

    out: Path
    patients: int
    centres: tuple[Centre, ...]
    seed: int
    fault_rate: float
    #: Data rows written per table, all centres together (duplicated rows included).
    rows: dict[str, int] = field(default_factory=dict)
    #: Faults injected, by kind.
    faults: dict[str, int] = field(default_factory=dict)


def generate_hospitals(
    out: Path,
    patients: int,
    centres: int,
    seed: int,
    fault_rate: float = 0.01,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    progress: Callable[[int, int], None] | None = None,
) -> HospitalsSummary:
    """Write the exports of `centres` synthetic hospitals for `patients` patients into `out`.

    Layout: `centres.csv`; one folder per centre FINESS with `identity.csv` and one CSV per
    clinical table (export layer of the model, in model order, in the centre's encoding,
    separator and date style); `ground_truth/faults.csv` (one line per injected fault),
    `ground_truth/patients.parquet` (true values per patient) and
    `ground_truth/centre_sites.csv` (the geographical FINESS numbers of each centre).

    `fault_rate` is the share of child-table rows given one fault (see `synth.faults`).
    `progress(done, total)` is called with the number of patients written so far and the
    number asked for, before the first chunk and after each one. The output
    is the same byte for byte for the same arguments (`chunk_size` included: each chunk
    draws from its own random stream).
    """
    if patients < 1:
        raise ValueError("patients must be at least 1")
    if not 0 <= fault_rate <= 1:
        raise ValueError("fault_rate must be between 0 and 1")
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        # Folders of an earlier run would sit next to this one's, outside its ground truth.
        raise FileExistsError(f"{out} is not empty: choose a new or empty folder")
    network = select_centres(centres, np.random.default_rng(_stream(seed, 0)))
    numbering = Numbering.start(network)
    report = progress or (lambda done, total: None)
    with NetworkWriter(out, network) as writer:
        report(0, patients)
        for index in range(-(-patients // chunk_size)):
            size = min(chunk_size, patients - index * chunk_size)
            rng = np.random.default_rng(_stream(seed, index + 1))
            chunk = generate_chunk(rng, size, network, numbering)
            writer.write(chunk, fault_rate, rng)
            del chunk
            report(index * chunk_size + size, patients)
    return HospitalsSummary(
        out=out,
        patients=patients,
        centres=tuple(network),
        seed=seed,
        fault_rate=fault_rate,
        rows=dict(writer.rows_written),
        faults=dict(sorted(writer.faults_written.items())),
    )


def _stream(seed: int, index: int) -> np.random.SeedSequence:
    """Independent random stream `index` of a run (0: the centres, then one per chunk)."""
    return np.random.SeedSequence(seed, spawn_key=(index,))
