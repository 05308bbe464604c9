"""Reading the code lists shipped in ``entrepot/vocab/data``."""

import csv
from collections.abc import Iterator
from importlib import resources


def read_rows(relative_path: str) -> Iterator[dict[str, str]]:
    """Yield the rows of a semicolon-separated UTF-8 file shipped with the package."""
    data = resources.files("entrepot.vocab").joinpath("data", *relative_path.split("/"))
    with data.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle, delimiter=";")
