"""The interface every code system offers, and the two ways of implementing it.

A code system answers three questions about a raw value found in a column: what is its
canonical spelling (``normalise``), is it a code at all (``is_valid``), and what does it mean
(``label``). ``normalise`` is called on the distinct values of a column (up to ~100k of them),
so lists are read from disk once, on first use, and every call after that is a dictionary
look-up or a regular expression.
"""

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from functools import cached_property
from typing import NamedTuple

LANGUAGES = ("en", "fr")

# Whitespace anywhere in a raw code is noise ("C50 .9", "75 071 218 4").
WHITESPACE = re.compile(r"\s+")


class Labels(NamedTuple):
    """The English and French label of one code; either may be missing."""

    en: str | None
    fr: str | None


class CodeSystem(ABC):
    """A named code system: canonical spelling, validity and labels of its codes."""

    def __init__(self, name: str, title: str) -> None:
        self.name = name
        self.title = title

    @abstractmethod
    def normalise(self, raw: str) -> str | None:
        """Return the canonical form of ``raw``, or None if it is not a valid code.

        Values that are not strings (None, NaN from a dataframe) are never valid.
        """

    def is_valid(self, raw: str) -> bool:
        """Tell whether ``raw`` is a valid code once normalised."""
        return self.normalise(raw) is not None

    def label(self, code: str, lang: str = "en") -> str | None:
        """Return the label of ``code`` in ``lang`` ("en" or "fr"), or None if there is none.

        ``code`` is normalised first, so ``label("C50.9")`` and ``label("C509")`` agree.
        """
        if lang not in LANGUAGES:
            raise ValueError(f"unknown label language {lang!r}; expected one of {LANGUAGES}")
        canonical = self.normalise(code)
        if canonical is None:
            return None
        labels = self._labels(canonical)
        return None if labels is None else getattr(labels, lang)

    def codes(self) -> frozenset[str] | None:
        """Return every canonical code if the system is enumerable, else None."""
        return None

    def _labels(self, canonical: str) -> Labels | None:
        """Labels of a canonical code; systems without labels keep this default."""
        return None

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


class EnumeratedCodeSystem(CodeSystem):
    """A code system whose valid codes are exactly the entries of a list.

    ``clean`` turns a raw string into a candidate canonical code (or None) without looking
    at the list; the candidate is valid if the list contains it. ``load`` builds the list,
    once, the first time it is needed.
    """

    def __init__(
        self,
        name: str,
        title: str,
        load: Callable[[], Mapping[str, Labels]],
        clean: Callable[[str], str | None],
    ) -> None:
        super().__init__(name, title)
        self._load = load
        self._clean = clean

    @cached_property
    def _table(self) -> Mapping[str, Labels]:
        return self._load()

    @cached_property
    def _all_codes(self) -> frozenset[str]:
        return frozenset(self._table)

    def normalise(self, raw: str) -> str | None:
        if not isinstance(raw, str):
            return None
        candidate = self._clean(raw)
        return candidate if candidate in self._table else None

    def codes(self) -> frozenset[str]:
        return self._all_codes

    def _labels(self, canonical: str) -> Labels | None:
        return self._table[canonical]


class PatternCodeSystem(CodeSystem):
    """A code system validated by its structure (pattern, check digit), not by a list.

    ``codes()`` is None: the system is not enumerable. Labels, when there are any, come
    from a partial list loaded on first use.
    """

    def __init__(
        self,
        name: str,
        title: str,
        clean: Callable[[str], str | None],
        load_labels: Callable[[], Mapping[str, Labels]] = dict,
    ) -> None:
        super().__init__(name, title)
        self._clean = clean
        self._load_labels = load_labels

    @cached_property
    def _label_table(self) -> Mapping[str, Labels]:
        return self._load_labels()

    def normalise(self, raw: str) -> str | None:
        if not isinstance(raw, str):
            return None
        return self._clean(raw)

    def _labels(self, canonical: str) -> Labels | None:
        return self._label_table.get(canonical)


def case_insensitive(
    name: str,
    title: str,
    entries: Mapping[str, Labels],
    key: Callable[[str], str] = str,
) -> EnumeratedCodeSystem:
    """A small fixed list matched case-insensitively (``t1c`` is ``T1c``).

    ``key`` receives the raw value upper-cased and without whitespace, and strips what is not
    part of the code (a "STAGE" word, a "P" prefix).
    """
    canonical_by_key = {code.upper(): code for code in entries}

    def clean(raw: str) -> str | None:
        return canonical_by_key.get(key(WHITESPACE.sub("", raw).upper()))

    return EnumeratedCodeSystem(name, title, load=lambda: entries, clean=clean)
