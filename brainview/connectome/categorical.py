"""Categorical string columns: integer codes plus a list of category labels.

A FlyWire-scale table repeats a few thousand labels over 139,255 rows; storing codes keeps the
columns small, makes equality selections a comparison of integers, and maps one to one onto the
HDF5 layout (codes dataset + ``categories`` attribute).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from brainview.connectome.arrays import exact_integers, frozen
from brainview.errors import InvalidConnectomeError, ParameterError

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
        # Factorised as Python strings: a fixed-width numpy copy would cost N x the longest
        # label (gigabytes for one long label in a fly-sized table) and strip trailing NULs.
        inverse, categories = pd.factorize(labels_all[present], sort=True)
        codes = np.full(len(series), MISSING, dtype=np.int32)
        codes[present] = inverse.astype(np.int32)
        return cls(codes, tuple(str(c) for c in categories))

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
        wanted = {labels} if isinstance(labels, str) else {str(label) for label in labels}
        hit = np.array([c in wanted for c in self.categories] + [False], dtype=bool)
        return hit[self.codes]

    def isin(self, labels: Iterable[str]) -> np.ndarray:
        """Boolean mask of rows whose label is one of ``labels`` (as pandas' ``Series.isin``).

        ``""`` in ``labels`` also selects the rows whose label is missing.
        """
        labels = [labels] if isinstance(labels, str) else list(labels)
        hit = self.mask(labels)
        if "" in labels:
            hit |= self.codes == MISSING
        return hit

    # Comparisons are element-wise, as for a numpy or pandas column, so that
    # ``connectome["cell_type"] == "AVA"`` is a boolean mask; whole-column equality is
    # :meth:`equals`. A mutable-looking ``==`` that returns arrays must not be hashable.
    __hash__ = None  # type: ignore[assignment]
    # numpy hands ``array == column`` over to :meth:`__eq__` instead of iterating the column.
    __array_ufunc__ = None

    def __eq__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Boolean mask, one entry per row: the label equals ``other``.

        ``other`` is one label (``""`` matches missing rows, as :meth:`to_strings` shows them),
        or a column of labels of the same length (a Categorical, array or list) compared row
        by row. For several labels use :meth:`isin`.

        Raises
        ------
        ParameterError
            For a column of labels whose length differs from this one's.
        """
        if isinstance(other, str):
            return self.isin([other])
        if isinstance(other, Categorical):
            return self._row_by_row(other.to_strings(), "Categorical")
        if isinstance(other, (np.ndarray, list, tuple, pd.Series)):
            return self._row_by_row(np.asarray(other, dtype=object), type(other).__name__)
        return NotImplemented

    def __ne__(self, other: object) -> np.ndarray:  # type: ignore[override]
        """Boolean mask, one entry per row: the label differs from ``other`` (see :meth:`__eq__`)."""
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else ~equal

    def _row_by_row(self, labels: np.ndarray, what: str) -> np.ndarray:
        if labels.ndim != 1 or labels.shape[0] != len(self):
            raise ParameterError(
                f"cannot compare a column of {len(self)} labels with a {what} of shape {labels.shape}: "
                "compare with one label (column == 'AVA') or test several with column.isin([...])"
            )
        strings = np.array(["" if _is_missing(label) else str(label) for label in labels], dtype=object)
        return np.asarray(self.to_strings() == strings, dtype=bool)

    def __repr__(self) -> str:
        shown = ", ".join(repr(self[i]) for i in range(min(len(self), 5)))
        more = ", ..." if len(self) > 5 else ""
        return f"<Categorical: {len(self)} rows, {len(self.categories)} labels [{shown}{more}]>"

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


def _is_missing(label: object) -> bool:
    """None, NaN and pandas' NA: the values :meth:`Categorical.from_values` reads as missing."""
    return label is None or label is pd.NA or (isinstance(label, float) and math.isnan(label))
