"""Categorical string columns: integer codes plus a list of category labels.

A FlyWire-scale table repeats a few thousand labels over 139,255 rows; storing codes keeps the
columns small, makes equality selections a comparison of integers, and maps one to one onto the
HDF5 layout (codes dataset + ``categories`` attribute).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brainview.connectome.arrays import exact_integers, frozen
from brainview.errors import InvalidConnectomeError

MISSING = -1
"""Code of a missing value (an empty string or NaN in the source)."""


@dataclass(frozen=True, eq=False)
class Categorical:
    """A column of repeated strings stored as codes into ``categories``.

    Parameters
    ----------
    codes : numpy.ndarray
        int32 array, one code per row; ``MISSING`` (-1) marks a missing value.
    categories : tuple of str
        The distinct labels, in the order their codes refer to.
    """

    codes: np.ndarray
    categories: tuple[str, ...]

    def __post_init__(self) -> None:
        codes = exact_integers(self.codes, np.int32, "categorical codes")
        object.__setattr__(self, "categories", tuple(str(c) for c in self.categories))
        if codes.ndim != 1:
            raise InvalidConnectomeError(f"categorical codes must be 1-D, got shape {codes.shape}")
        if codes.size and (codes.min() < MISSING or codes.max() >= len(self.categories)):
            raise InvalidConnectomeError(
                f"categorical codes must lie in [-1, {len(self.categories) - 1}], "
                f"got [{codes.min()}, {codes.max()}]"
            )
        object.__setattr__(self, "codes", frozen(codes))

    @classmethod
    def from_values(cls, values: Iterable[object]) -> Categorical:
        """Build from any sequence of labels; None, NaN and "" become missing.

        Categories are sorted, so the same labels always get the same codes.
        """
        series = pd.Series(values if isinstance(values, np.ndarray) else list(values), dtype=object)
        labels_all = series.astype(str).to_numpy(dtype=object)
        present = (series.notna() & (labels_all != "")).to_numpy(dtype=bool)
        labels = labels_all[present].astype(str)
        categories, inverse = np.unique(labels, return_inverse=True)
        codes = np.full(len(series), MISSING, dtype=np.int32)
        codes[present] = inverse.astype(np.int32)
        return cls(codes, tuple(categories.tolist()))

    @classmethod
    def filled(cls, n: int, label: str | None = None) -> Categorical:
        """A column of ``n`` rows that all hold ``label`` (or are all missing)."""
        if label is None:
            return cls(np.full(n, MISSING, dtype=np.int32), ())
        return cls(np.zeros(n, dtype=np.int32), (label,))

    def __len__(self) -> int:
        return int(self.codes.shape[0])

    def __getitem__(self, index: int) -> str:
        code = int(self.codes[index])
        return "" if code == MISSING else self.categories[code]

    def take(self, rows: np.ndarray) -> Categorical:
        """The sub-column at ``rows``, keeping only the categories still used."""
        return Categorical.from_codes_compact(self.codes[rows], self.categories)

    @classmethod
    def from_codes_compact(cls, codes: np.ndarray, categories: Sequence[str]) -> Categorical:
        """Drop categories no code refers to and renumber the codes."""
        used = np.unique(codes[codes != MISSING])
        remap = np.full(len(categories) + 1, MISSING, dtype=np.int32)
        remap[used] = np.arange(used.size, dtype=np.int32)
        return cls(remap[codes], tuple(categories[i] for i in used))

    def to_strings(self) -> np.ndarray:
        """The labels as an object array, "" where missing."""
        lookup = np.array(list(self.categories) + [""], dtype=object)
        return lookup[self.codes]

    def mask(self, labels: str | Iterable[str]) -> np.ndarray:
        """Boolean mask of rows whose label is one of ``labels``."""
        wanted = {labels} if isinstance(labels, str) else set(labels)
        hit = np.array([c in wanted for c in self.categories] + [False], dtype=bool)
        return hit[self.codes]

    def counts(self) -> dict[str, int]:
        """Rows per label, largest first; missing rows are not counted."""
        tally = np.bincount(self.codes[self.codes != MISSING], minlength=len(self.categories))
        order = np.argsort(-tally, kind="stable")
        return {self.categories[i]: int(tally[i]) for i in order if tally[i] > 0}

    def equals(self, other: object) -> bool:
        """True when both columns hold the same label in every row."""
        if not isinstance(other, Categorical) or len(other) != len(self):
            return False
        return bool(np.array_equal(self.to_strings(), other.to_strings()))
