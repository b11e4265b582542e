"""Shared helpers of the table-based readers: CSV columns read fast, errors located exactly.

:func:`read_table` handles gzip once (recognised by its magic bytes), reads only the columns
asked for with explicit types (pyarrow's multi-threaded CSV reader when installed, else pandas'
C parser) and returns text columns as :class:`~brainview.connectome.categorical.Categorical`.
Numbers are read as numbers; only when that fails is the offending column read again as text
to name the first bad value with its line and column, so errors cost nothing on valid input.
:func:`read_batches` reads a table too large to hold twice in batches of rows, streaming.
The small column helpers the readers share follow at the end.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.io.errors import FormatError

_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, OverflowError, UnicodeDecodeError, pd.errors.ParserError)
_UNPARSED = (pd.errors.ParserError, UnicodeDecodeError)  # pandas errors about the file, not a value
_EXPECTED = {"int": "an integer", "float": "a number"}


@dataclass(frozen=True)
class Field:
    """One column a reader wants from a table.

    Parameters
    ----------
    name : str
        The key of the column in :attr:`Table.columns`, and the preferred header spelling.
    kind : str
        ``"int"`` (int64), ``"float"`` (float64) or ``"text"`` (a Categorical).
    aliases : tuple of str
        Other header spellings accepted, in order of preference (matched case-insensitively).
    required : bool
        When True a table without the column is an error; otherwise the column is left out.
    missing_ok : bool
        For ``"float"`` columns: empty values are allowed and read as NaN. Integer columns never
        allow empty values; text columns always do (as missing labels).
    """

    name: str
    kind: str
    aliases: tuple[str, ...] = ()
    required: bool = True
    missing_ok: bool = False

    @property
    def spellings(self) -> tuple[str, ...]:
        """Every header spelling of this column, the preferred one first."""
        return (self.name, *self.aliases)


@dataclass(frozen=True)
class Table:
    """Columns read from one file, with what is needed to point at a line of it.

    ``columns`` maps field names to int64/float64 arrays or Categoricals; ``source`` maps them
    to the column names in the file, whose ``header`` lists all (given names for a file without
    a header line). ``text`` is False for a binary table (Parquet): errors then name a row.
    ``first_row`` is the row of the file that a batch (:func:`read_batches`) starts at.
    """

    path: Path
    header: tuple[str, ...]
    columns: dict[str, np.ndarray | Categorical]
    source: dict[str, str]
    n_rows: int
    has_header: bool = True
    text: bool = True
    first_row: int = 0

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray | Categorical:
        return self.columns[name]

    def line(self, row: int) -> int:
        """1-based line number of data row ``row`` (0-based, counted from ``first_row``)."""
        return self.first_row + int(row) + (2 if self.has_header else 1)

    def error(self, problem: str, row: int | None = None, field: str | None = None) -> FormatError:
        """A FormatError located at ``row`` (a data row index) and the column of ``field``."""
        column = None if field is None else self.source.get(field, field)
        if row is not None and not self.text:
            return FormatError(self.path, f"row {self.first_row + int(row) + 1}: {problem}", column=column)
        return FormatError(self.path, problem, line=None if row is None else self.line(row), column=column)


# -- files -----------------------------------------------------------------------------------
def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes."""
    with open(path, "rb") as f:
        return f.read(2) == _GZIP_MAGIC


def open_binary(path: Path) -> io.BufferedIOBase:
    """The file's bytes, decompressed when it is gzip."""
    return gzip.open(path, "rb") if is_gzip(path) else open(path, "rb")


def open_text(path: Path) -> io.TextIOBase:
    """The file as UTF-8 text, decompressed when it is gzip."""
    return io.TextIOWrapper(open_binary(path), encoding="utf-8-sig", newline="")


def header_line(path: Path) -> str:
    """The first non-blank line of a text file, without its line end.

    Raises
    ------
    FormatError
        If the file is empty (or blank), or not (gzip-compressed) UTF-8 text.
    """
    try:
        with open_text(path) as f:
            line = next((line for line in f if line.strip()), None)
    except _READ_ERRORS as error:
        raise FormatError(path, f"cannot read the file as (gzip-compressed) UTF-8 text: {error}") from None
    if line is None:
        raise FormatError(path, "the file is empty")
    return line.rstrip("\r\n")


def delimiter_of(path: Path, line: str) -> str:
    """Tab for ``.tsv`` files and tab-separated first lines, otherwise comma."""
    suffixes = [s.lower() for s in path.suffixes]
    if ".tsv" in suffixes or ("\t" in line and "," not in line):
        return "\t"
    return ","


def split_line(line: str, delimiter: str) -> list[str]:
    """The fields of one CSV line, quotes removed and surrounding blanks stripped."""
    return [field.strip() for field in next(csv.reader([line], delimiter=delimiter))]


# -- reading ---------------------------------------------------------------------------------
def read_table(
    path: Path,
    fields: Sequence[Field],
    names: Sequence[str] | None = None,
    has_header: bool = True,
    engine: str | None = None,
) -> Table:
    """Read the columns ``fields`` of a CSV (or gzip-compressed CSV) file.

    Parameters
    ----------
    path : Path
        The file.
    fields : sequence of Field
        The columns wanted; required ones must be in the header.
    names : sequence of str, optional
        Column names to use instead of the file's header (which is then skipped when
        ``has_header``), e.g. for a file without a header line or with an unnamed column.
    has_header : bool
        Whether the first line is a header.
    engine : {"pyarrow", "pandas"}, optional
        Force a CSV engine; by default pyarrow when installed, else pandas.

    Raises
    ------
    FormatError
        If the file is empty or unreadable, lacks a required column, or holds a value of the
        wrong kind (naming its line and column).
    """
    [table] = _batches(_prepare(path, fields, names, has_header, engine), None)
    return table


def read_batches(
    path: Path, fields: Sequence[Field], batch_rows: int = 1 << 20, engine: str | None = None
) -> Iterator[Table]:
    """Read the columns ``fields`` of a CSV file with a header in consecutive batches of rows.

    For tables too large to hold twice: one batch is parsed at a time, by pyarrow's streaming
    reader (else pandas' reader in chunks). The header is checked at once, the values batch by
    batch, with the errors of :func:`read_table`.

    Parameters
    ----------
    path, fields, engine
        As for :func:`read_table`.
    batch_rows : int
        The most rows in one batch (pyarrow's batches also hold at most 4 MB of text).

    Yields
    ------
    Table
        One batch of rows; its ``first_row`` makes its errors name lines of the file.
    """
    return _batches(_prepare(path, fields, None, True, engine), int(batch_rows))


@dataclass(frozen=True)
class _Spec:
    """How to parse one file, and the wanted ``fields`` that it has, with their ``source`` columns."""

    path: Path
    gzip: bool
    delimiter: str
    header: tuple[str, ...]
    has_header: bool
    renamed: bool
    fields: tuple[Field, ...]
    source: dict[str, str]
    engine: str


def _prepare(
    path: Path, fields: Sequence[Field], names: Sequence[str] | None, has_header: bool, engine: str | None
) -> _Spec:
    """Check the header line and match the wanted fields to its columns."""
    path = Path(path)
    line = header_line(path)
    delimiter = delimiter_of(path, line)
    header = tuple(names) if names is not None else tuple(split_line(line, delimiter))
    source = match_fields(path, header, fields)
    wanted = tuple(f for f in fields if f.name in source)
    engine = engine or ("pyarrow" if _have_pyarrow() else "pandas")
    return _Spec(path, is_gzip(path), delimiter, header, has_header, names is not None, wanted, source, engine)


def match_fields(path: Path, header: Sequence[str], fields: Sequence[Field]) -> dict[str, str]:
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
            shown = ", ".join(repr(h) for h in header) or "none"
            raise FormatError(path, f"missing column {field.name!r}{also}; the columns found are {shown}", line=1)
    return source


def _have_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _batches(spec: _Spec, batch_rows: int | None) -> Iterator[Table]:
    """Tables of at most ``batch_rows`` rows, or one of the whole file when None."""
    chunks = _arrow_chunks if spec.engine == "pyarrow" else _pandas_chunks
    first_row = 0
    with _located_errors(spec):
        for column_of, n_rows in chunks(spec, batch_rows):
            # No name is kept for the columns, so that a batch's go with it while the next is read.
            yield Table(
                spec.path, spec.header, {f.name: _column(f, column_of(spec.source[f.name])) for f in spec.fields},
                spec.source, n_rows, spec.has_header, first_row=first_row,
            )
            first_row += n_rows


def _arrow_chunks(spec: _Spec, batch_rows: int | None) -> Iterator[tuple[Callable[[str], pd.Series], int]]:
    """(column by name, number of rows) per chunk: the whole file when ``batch_rows`` is None."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {"int": pa.int64(), "float": pa.float64(), "text": pa.dictionary(pa.int32(), pa.string())}
    read_options = pacsv.ReadOptions(
        column_names=list(spec.header) if spec.renamed or not spec.has_header else None,
        skip_rows=1 if spec.renamed and spec.has_header else 0,
        block_size=1 << 22,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=[spec.source[f.name] for f in spec.fields],
        column_types={spec.source[f.name]: types[f.kind] for f in spec.fields},
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
    )
    options = (read_options, pacsv.ParseOptions(delimiter=spec.delimiter), convert_options)
    with pa.input_stream(str(spec.path), compression="gzip" if spec.gzip else None) as stream:
        # One table by the multi-threaded reader, or the streaming reader's blocks cut to batch_rows.
        blocks = [pacsv.read_csv(stream, *options)] if batch_rows is None else pacsv.open_csv(stream, *options)
        for block in blocks:
            for start in range(0, block.num_rows, batch_rows) if batch_rows else [0]:
                part = block.slice(start, batch_rows)
                yield (lambda name, part=part: part.column(name).to_pandas()), part.num_rows
    # Arrow's pool keeps the freed blocks for Arrow alone: hand them back to the system.
    blocks = block = part = None
    pa.default_memory_pool().release_unused()


def _pandas_chunks(spec: _Spec, batch_rows: int | None) -> Iterator[tuple[Callable[[str], pd.Series], int]]:
    """(column by name, number of rows) per chunk of pandas' C parser (the whole file when None)."""
    dtypes = {"int": "int64", "float": "float64", "text": "category"}
    options = _pandas_options(spec, [spec.source[f.name] for f in spec.fields])
    options["dtype"] = {spec.source[f.name]: dtypes[f.kind] for f in spec.fields}
    # Only an empty field is missing, except that numbers may also be written "nan" (as pyarrow reads them).
    options["na_values"] = {spec.source[f.name]: ["", "nan", "NaN"] if f.kind == "float" else [""] for f in spec.fields}
    # Without a chunksize the iterator yields the whole file as one frame.
    with pd.read_csv(spec.path, chunksize=batch_rows, iterator=True, **options) as chunks:
        for frame in chunks:
            yield frame.__getitem__, len(frame)


def _pandas_options(spec: _Spec, usecols: list[str]) -> dict:
    options = dict(sep=spec.delimiter, compression="gzip" if spec.gzip else None, usecols=usecols,
                   keep_default_na=False, engine="c", encoding="utf-8-sig")
    if spec.renamed or not spec.has_header:
        options.update(header=0 if spec.has_header else None, names=list(spec.header))
    return options


def _column(field: Field, series: pd.Series) -> np.ndarray | Categorical:
    """A parsed column as a Categorical (text), int64 or float64 array, checked for missing values."""
    if field.kind == "text":
        return sorted_categorical(np.asarray(series.cat.codes), [str(c) for c in series.cat.categories])
    if field.kind == "int":
        if series.hasnans:  # pyarrow reads an empty integer field as null, hence NaN here
            raise _ConversionFailed([field], "an empty value")
        return np.asarray(series, dtype=np.int64)
    values = np.asarray(series, dtype=np.float64)
    if not field.missing_ok and not np.isfinite(values).all():
        raise _ConversionFailed([field], "a missing or infinite value")
    return values


class _ConversionFailed(Exception):
    """A numeric column did not convert: ``args`` are the fields that may hold the bad value, and why."""


@contextmanager
def _located_errors(spec: _Spec) -> Iterator[None]:
    """Turn the engines' errors into FormatErrors that name the line (and column) at fault."""
    try:
        yield
    except _ConversionFailed as failure:
        raise _locate_bad_value(spec, *failure.args) from None
    except _READ_ERRORS as error:
        if spec.engine == "pyarrow":  # ArrowInvalid: "In CSV column #3: CSV conversion error ..."
            bad_value = "conversion error" in str(error)
        else:  # pandas raises a plain ValueError for a value it cannot convert
            bad_value = isinstance(error, (ValueError, OverflowError)) and not isinstance(error, _UNPARSED)
        if not bad_value:
            raise _parse_error(spec, error) from None
        raise _locate_bad_value(spec, _suspects(spec, str(error)), str(error)) from None


def _parse_error(spec: _Spec, error: BaseException) -> FormatError:
    """The error for a file that does not parse, at the first row whose field count is off."""
    try:
        with open_text(spec.path) as f:
            rows = csv.reader(f, delimiter=spec.delimiter)
            for fields in rows:
                if fields and len(fields) != len(spec.header):
                    return FormatError(
                        spec.path, f"expected {len(spec.header)} fields like the header, got {len(fields)}",
                        line=rows.line_num,
                    )
    except (*_READ_ERRORS, csv.Error) as reread:
        error = reread
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    found = re.search(r"line (\d+)", text)
    return FormatError(spec.path, f"cannot parse the file as CSV: {text}", line=int(found.group(1)) if found else None)


def _suspects(spec: _Spec, message: str) -> list[Field]:
    """The numeric fields a parser's error message may refer to: the one it names, else all."""
    numeric = [f for f in spec.fields if f.kind != "text"]
    named = []
    if "column #" in message:  # pyarrow: "In CSV column #3: CSV conversion error ..."
        number = message.split("column #", 1)[1].split(":", 1)[0]
        if number.isdigit() and int(number) < len(spec.header):
            named = [f for f in numeric if spec.source[f.name] == spec.header[int(number)]]
    return named or numeric


def _locate_bad_value(spec: _Spec, fields: Sequence[Field], message: str) -> FormatError:
    """Read the suspect column(s) again as text and name the first bad value and its line."""
    first: tuple[int, Field, str] | None = None
    for field in fields:
        found = _first_bad_row(spec, field, spec.source[field.name])
        if found is not None and (first is None or found[0] < first[0]):
            first = (found[0], field, found[1])
    if first is None:
        column = spec.source[fields[0].name] if len(fields) == 1 else None
        return FormatError(spec.path, f"cannot convert a numeric column: {message}", column=column)
    row, field, value = first
    got = "an empty value" if value == "" else repr(value)
    line, column = row + (2 if spec.has_header else 1), spec.source[field.name]
    return FormatError(spec.path, f"expected {_EXPECTED[field.kind]}, got {got}", line=line, column=column)


def _first_bad_row(spec: _Spec, field: Field, column_name: str) -> tuple[int, str] | None:
    options = _pandas_options(spec, [column_name])
    options.update(dtype=str, na_filter=False)
    return first_bad_text(pd.read_csv(spec.path, **options)[column_name], field)


def first_bad_text(values: pd.Series, field: Field) -> tuple[int, str] | None:
    """(row, text) of the first value of ``values`` that is not of ``field``'s kind, or None."""
    text = values.astype(str).str.strip().where(values.notna(), "")
    if field.kind == "int":
        good = text.str.fullmatch(r"[+-]?\d+").to_numpy(dtype=bool)
    else:
        numbers = pd.to_numeric(text, errors="coerce").to_numpy(dtype=np.float64)
        empty = text.isin(["", "nan", "NaN"]).to_numpy()
        good = np.isfinite(numbers) | (empty & field.missing_ok)
    bad = np.flatnonzero(~good)
    return (int(bad[0]), str(text.iloc[bad[0]])) if bad.size else None


# -- column helpers --------------------------------------------------------------------------
def sorted_categorical(codes: np.ndarray, categories: Sequence[str]) -> Categorical:
    """A Categorical with sorted, used-only categories (the form ``from_values`` builds)."""
    codes = np.asarray(codes, dtype=np.int64)
    labels = np.asarray([str(c) for c in categories], dtype=object)
    if labels.size == 0:
        return Categorical(np.full(codes.shape, MISSING, np.int32), ())
    order = np.argsort(labels.astype(str), kind="stable")
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
    _, inverse, counts = np.unique(base.astype(str), return_inverse=True, return_counts=True)
    shared = (counts[inverse] > 1) & ~empty
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
