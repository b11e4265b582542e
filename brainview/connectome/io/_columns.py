"""What readers ask of a column, and the helpers that work on columns once read.

A :class:`Field` names a column a reader wants, its kind and its bounds; the bounds every
reader shares are here too (:data:`FLOAT32_MAX`, :data:`MAX_COUNT`, :data:`MAX_POSITION_UM`).
:func:`first_bad_text` finds the first text value that does not fit a Field. The helpers after
it turn read columns into the data model's: sorted labels, readable cell names, rows of ids,
and synapses, refused with a located error when their weights overflow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.io._text_files import one_line, shown
from brainview.connectome.io.errors import FormatError
from brainview.connectome.synapses import SynapseCSR

_EXPECTED = {"int": "an integer", "float": "a number"}

FLOAT32_MAX = float(np.finfo(np.float32).max)
"""The largest finite float32: every float column is stored as float32 and must stay finite."""

MAX_COUNT = 2**24
"""The largest synapse count accepted in one row (16,777,216): the largest whole number float32
holds exactly, and thousands of times any real pair's count (FlyWire's largest is about 2,400).
With it no sum of counts over a pair's rows can overflow float32."""

MAX_POSITION_UM = 1e9
"""The largest position coordinate accepted, in micrometres (one kilometre): far beyond any
body, and small enough that distances and their squares stay finite in float32."""


@dataclass(frozen=True)
class Field:
    """One column a reader wants from a table.

    Parameters
    ----------
    name : str
        The key of the column in :attr:`~brainview.connectome.io._tables.Table.columns`, and the
        preferred header spelling.
    kind : str
        ``"int"`` (int64), ``"float"`` (float64) or ``"text"`` (a Categorical).
    aliases : tuple of str
        Other header spellings accepted, in order of preference (matched case-insensitively).
    required : bool
        When True a table without the column is an error; otherwise the column is left out.
    missing_ok : bool
        For ``"float"`` columns: empty values are allowed and read as NaN. Integer columns never
        allow empty values; text columns always do (as missing labels). Infinities are never
        allowed.
    minimum, maximum : float, optional
        Bounds of a numeric column's values (inclusive). A float column is always bounded by
        :data:`FLOAT32_MAX` in magnitude, so that it stays finite as float32.
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    missing_ok: bool = False
    minimum: float | None = None
    maximum: float | None = None

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every header spelling of this column, the preferred one first."""
        return (self.name, *self.aliases)

    @property
    def bounds(self) -> tuple[float, float]:
        """(lowest, highest) value allowed in a numeric column."""
        low = -np.inf if self.minimum is None else self.minimum
        high = np.inf if self.maximum is None else self.maximum
        if self.kind == "float":
            low, high = max(low, -FLOAT32_MAX), min(high, FLOAT32_MAX)
        return low, high

    def expected(self, number: bool = False) -> str:
        """What a value of this column must be, in words ("an integer from 0 to 16777216").

        With ``number`` (the bad value is a number, out of range) the range is always given.
        """
        words = _EXPECTED.get(self.kind, "a value")
        low, high = self.minimum, self.maximum
        if not number:
            return words
        if low is not None and high is not None:
            return f"{words} from {_figure(low)} to {_figure(high)}"
        if low is not None:
            return f"{words} of {_figure(low)} or more" + (" (within float32)" if self.kind == "float" else "")
        if high is not None:
            return f"{words} of at most {_figure(high)}"
        return f"{words} within int64" if self.kind == "int" else f"a finite {words[2:]} within float32"


def _figure(value: float) -> str:
    """A bound as people write it: 16777216, 0.5, 1e+09."""
    return str(int(value)) if value == int(value) and abs(value) < 1e8 else f"{value:g}"


def match_fields(path: Path, header: Sequence[str], fields: Sequence[Field]) -> dict[str, str]:
    """The header column of each of ``fields`` found in ``header`` (spellings matched case-insensitively).

    Raises
    ------
    FormatError
        For a required field missing from ``header``, listing the columns found.
    """
    by_lower = {}
    for name in header:
        by_lower.setdefault(name.lower(), name)
    source = {}
    for field in fields:
        found = next((by_lower[s.lower()] for s in field.spellings if s.lower() in by_lower), None)
        if found is not None:
            source[field.name] = found
        elif field.required:
            also = f" (or {', '.join(repr(a) for a in field.aliases)})" if field.aliases else ""
            found = ", ".join(shown(h, 30) for h in header[:12]) or "none"
            if len(header) > 12:
                found += f" and {len(header) - 12} more"
            raise FormatError(path, f"missing column {field.name!r}{also}; the columns found are {found}", line=1)
    return source


# -- text values -----------------------------------------------------------------------------
def is_number(text: str) -> bool:
    """True when ``text`` reads as a number, however large (inf included), but not NaN."""
    try:
        return not np.isnan(float(text))  # float() has no digit limit (int() has)
    except ValueError:
        return False


def first_bad_text(values: pd.Series, field: Field, strict: bool = False) -> tuple[int, str] | None:
    """(row, text) of the first value of ``values`` that is not of ``field``'s kind, or None.

    A value is bad when no CSV engine reads it as the field's kind, or when it lies outside the
    field's bounds (int64 for integers, :attr:`Field.bounds`). With ``strict`` only plain
    decimal integers count as integers (no sign "+", exponent or hexadecimal form).
    """
    text = values.astype(str).str.strip().where(values.notna(), "")
    low, high = field.bounds
    if field.kind == "int":
        integers, decimal, fits = decimal_int64(text)
        good = fits & ~text.str.startswith("+").to_numpy(dtype=bool) if strict else fits
        numbers = np.where(good, integers, np.nan)
        if not strict:  # exact float forms ("1e3", "5.") that pandas reads as integers
            floats = pd.to_numeric(text.where(~decimal, "nan"), errors="coerce").to_numpy(dtype=np.float64)
            whole = np.isfinite(floats) & (floats == np.round(floats)) & (np.abs(floats) < 2.0**63)
            good, numbers = good | whole, np.where(whole, floats, numbers)
        good &= ~((numbers < low) | (numbers > high))
    else:
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        empty = text.isin(["", "nan", "NaN"]).to_numpy()
        good = (np.isfinite(numbers) & (numbers >= low) & (numbers <= high)) | (empty & field.missing_ok)
    bad = np.flatnonzero(~good)
    return (int(bad[0]), str(text.iloc[bad[0]])) if bad.size else None


# -- column helpers --------------------------------------------------------------------------
def sorted_categorical(codes: np.ndarray, categories: Sequence[str]) -> Categorical:
    """A Categorical with sorted, used-only categories (the form ``from_values`` builds)."""
    codes = np.asarray(codes, dtype=np.int64)
    labels = np.asarray([str(c) for c in categories], dtype=object)
    if labels.size == 0:
        return Categorical(np.full(codes.shape, MISSING, np.int32), ())
    order = np.argsort(labels, kind="stable")  # object array: no fixed-width copy of the longest label
    rank = np.empty(labels.size + 1, np.int64)
    rank[order] = np.arange(labels.size)
    rank[-1] = MISSING
    ranked = rank[np.where(codes < 0, labels.size, codes)]
    return Categorical.from_codes_compact(ranked.astype(np.int32), tuple(labels[order]))


def map_labels(column: Categorical, mapping) -> Categorical:
    """Apply ``mapping(label) -> label`` to every category (cheap: once per distinct label)."""
    mapped = [mapping(label) for label in column.categories]
    return Categorical.from_values(np.asarray(mapped + [""], dtype=object)[column.codes])


def readable_names(base: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Cell names people can read: ``base`` where it is unique, else ``base_<id>``; the id when empty.

    Parameters
    ----------
    base : numpy.ndarray
        Object array of str, e.g. cell type plus side ("DNa02_R"); "" where unknown.
    ids : numpy.ndarray
        int64 source ids, unique, used to tell apart cells that share a base name.
    """
    base = np.asarray(base, dtype=object)
    ids = np.asarray(ids, dtype=np.int64)
    names = base.copy()
    empty = base == ""
    shared = pd.Series(base).duplicated(keep=False).to_numpy() & ~empty
    names[shared] = [f"{b}_{i}" for b, i in zip(base[shared], ids[shared])]
    names[empty] = ids[empty].astype(str).astype(object)
    return names


def first_duplicate_row(values: np.ndarray) -> int | None:
    """The row of the first value that repeats an earlier row's value, or None."""
    order = np.argsort(values, kind="stable")
    ordered = values[order]
    repeat = np.flatnonzero(ordered[1:] == ordered[:-1])
    return int(order[repeat + 1].min()) if repeat.size else None


def index_in(ids: np.ndarray | pd.Index, values: np.ndarray) -> np.ndarray:
    """Row of each of ``values`` in the unique ``ids`` (ints or strings); -1 where absent.

    Pass ``ids`` as a :class:`pandas.Index` to build its hash table once for many calls.
    """
    values = np.asarray(values)
    if len(ids) == 0:
        return np.full(values.shape, -1, np.int64)
    # A hash lookup: three times faster than np.searchsorted for 16 M FlyWire connection rows.
    lookup = ids if isinstance(ids, pd.Index) else pd.Index(np.asarray(ids))
    return lookup.get_indexer(values).astype(np.int64, copy=False)


def build_synapses(
    pre: np.ndarray,
    post: np.ndarray,
    weight: np.ndarray,
    n: int,
    sign: np.ndarray | None,
    error: Callable[[str, int | None], FormatError],
) -> SynapseCSR:
    """:meth:`SynapseCSR.from_edges` over rows of a file, refused with a located FormatError.

    ``error(problem, row)`` makes the reader's FormatError for a row (None: no row known). A
    pair whose weights sum beyond float32's range is reported at the row where the running sum
    first does; anything else the data model refuses is reported without a row.
    """
    try:
        synapses = SynapseCSR.from_edges(pre, post, weight, n, sign)
        if np.isfinite(synapses.weight).all():
            return synapses
    except ValueError as refused:
        problem = one_line(str(refused))
    else:
        problem = "a connection weight is not finite"
    row = first_overflowing_row(pre, post, weight)
    if row is not None:
        raise error("the weights of this pair, summed over its rows, exceed float32's range (3.4e38)", row)
    raise error(f"invalid connections: {problem}", None)


def first_overflowing_row(pre: np.ndarray, post: np.ndarray, weight: np.ndarray) -> int | None:
    """The first row at which the running sum of its (pre, post) pair's weights passes float32's range."""
    frame = pd.DataFrame({"pre": np.asarray(pre), "post": np.asarray(post), "weight": np.asarray(weight, np.float64)})
    running = frame.groupby(["pre", "post"], sort=False)["weight"].cumsum().to_numpy()
    over = np.flatnonzero(~(np.abs(running) <= FLOAT32_MAX))
    return int(over[0]) if over.size else None


def decimal_int64(texts: Sequence[str] | pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values, decimal, fits) of texts that should be integers ("  -12 ", "+5", "007").

    ``decimal`` is True where a text is a decimal integer (blanks around it allowed), ``fits``
    where it is one within int64; ``values`` holds those as int64 (0 elsewhere). Only texts
    that fit are parsed, so a million-digit one costs nothing and raises nothing.
    """
    text = pd.Series(texts, dtype=object).astype(str).str.strip()
    decimal = text.str.fullmatch(r"[+-]?[0-9]+").to_numpy(dtype=bool)
    digits = text.str.lstrip("+-").str.lstrip("0")
    # Within int64 by the number of digits, and at 19 digits by their order as text.
    limit = np.where(text.str.startswith("-").to_numpy(dtype=bool), "9223372036854775808", "9223372036854775807")
    lengths = digits.str.len().to_numpy()
    fits = decimal & ((lengths < 19) | ((lengths == 19) & (digits.to_numpy(dtype=object) <= limit)))
    values = np.zeros(len(text), np.int64)
    if fits.any():
        values[fits] = text[fits].astype(np.int64).to_numpy()
    return values, decimal, fits
