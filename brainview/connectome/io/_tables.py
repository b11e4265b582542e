"""Shared helpers of the table-based readers: CSV columns read fast, errors located exactly.

:func:`read_table` handles gzip once (recognised by its magic bytes), reads only the columns
asked for with explicit types (pyarrow's multi-threaded CSV reader when installed, else pandas'
C parser) and returns text columns as :class:`~brainview.connectome.categorical.Categorical`.
Numbers are read as numbers; only when that fails is the offending column read again as text
to name the first bad value with its line and column, so errors cost nothing on valid input.
The small column helpers the readers share follow at the end.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import MISSING, Categorical
from brainview.connectome.io.errors import FormatError

_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, OverflowError, UnicodeDecodeError, pd.errors.ParserError)
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
    """

    path: Path
    header: tuple[str, ...]
    columns: dict[str, np.ndarray | Categorical]
    source: dict[str, str]
    n_rows: int
    has_header: bool = True
    text: bool = True

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray | Categorical:
        return self.columns[name]

    def line(self, row: int) -> int:
        """1-based line number of data row ``row`` (0-based)."""
        return int(row) + (2 if self.has_header else 1)

    def error(self, problem: str, row: int | None = None, field: str | None = None) -> FormatError:
        """A FormatError located at ``row`` (a data row index) and the column of ``field``."""
        column = None if field is None else self.source.get(field, field)
        if row is not None and not self.text:
            return FormatError(self.path, f"row {int(row) + 1}: {problem}", column=column)
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
    path = Path(path)
    line = header_line(path)
    delimiter = delimiter_of(path, line)
    header = tuple(names) if names is not None else tuple(split_line(line, delimiter))
    source = match_fields(path, header, fields)
    wanted = [f for f in fields if f.name in source]
    engine = engine or ("pyarrow" if _have_pyarrow() else "pandas")
    reader = _read_pyarrow if engine == "pyarrow" else _read_pandas
    spec = _Spec(path, is_gzip(path), delimiter, header, has_header, names is not None)
    try:
        columns, n_rows = reader(spec, wanted, source)
    except _ConversionFailed as failure:
        raise _locate_bad_value(spec, failure, source) from None
    except _READ_ERRORS as error:
        raise _parse_error(spec, error) from None
    return Table(path, header, columns, source, n_rows, has_header)


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


@dataclass(frozen=True)
class _Spec:
    path: Path
    gzip: bool
    delimiter: str
    header: tuple[str, ...]
    has_header: bool
    renamed: bool


class _ConversionFailed(Exception):
    """A numeric column did not convert; ``fields`` are the columns that may hold the bad value."""

    def __init__(self, fields: Sequence[Field], message: str) -> None:
        super().__init__(message)
        self.fields = tuple(fields)
        self.message = message


def _have_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _suspects(message: str, fields: Sequence[Field], source: dict[str, str], header: Sequence[str]) -> list[Field]:
    """The numeric fields a parser's error message may refer to: the one it names, else all."""
    numeric = [f for f in fields if f.kind != "text"]
    named = []
    if "column #" in message:  # pyarrow: "In CSV column #3: CSV conversion error ..."
        number = message.split("column #", 1)[1].split(":", 1)[0]
        if number.isdigit() and int(number) < len(header):
            named = [f for f in numeric if source[f.name] == header[int(number)]]
    return named or numeric


def _read_pyarrow(spec: _Spec, fields: Sequence[Field], source: dict[str, str]):
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {"int": pa.int64(), "float": pa.float64(), "text": pa.dictionary(pa.int32(), pa.string())}
    read_options = pacsv.ReadOptions(
        column_names=list(spec.header) if spec.renamed or not spec.has_header else None,
        skip_rows=1 if spec.renamed and spec.has_header else 0,
        block_size=1 << 22,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=[source[f.name] for f in fields],
        column_types={source[f.name]: types[f.kind] for f in fields},
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    parse_options = pacsv.ParseOptions(delimiter=spec.delimiter)
    stream = pa.input_stream(str(spec.path), compression="gzip" if spec.gzip else None)
    try:
        table = pacsv.read_csv(stream, read_options, parse_options, convert_options)
    except pa.ArrowInvalid as error:
        if "conversion error" not in str(error):
            raise
        raise _ConversionFailed(_suspects(str(error), fields, source, spec.header), str(error)) from None
    columns = {}
    for field in fields:
        column = table.column(source[field.name])
        if field.kind == "text":
            series = column.to_pandas()
            columns[field.name] = sorted_categorical(np.asarray(series.cat.codes), list(series.cat.categories))
            continue
        if column.null_count and not (field.kind == "float" and field.missing_ok):
            raise _ConversionFailed([field], "an empty value")
        columns[field.name] = _checked_numbers(field, column.to_numpy())
    return columns, table.num_rows


def _read_pandas(spec: _Spec, fields: Sequence[Field], source: dict[str, str]):
    dtypes = {"int": "int64", "float": "float64", "text": "category"}
    options = _pandas_options(spec, [source[f.name] for f in fields])
    options["dtype"] = {source[f.name]: dtypes[f.kind] for f in fields}
    # Only an empty field is missing, except that numbers may also be written "nan" (as pyarrow reads them).
    options["na_values"] = {source[f.name]: ["", "nan", "NaN"] if f.kind == "float" else [""] for f in fields}
    try:
        frame = pd.read_csv(spec.path, **options)
    except pd.errors.ParserError:
        raise
    except (ValueError, OverflowError) as error:
        raise _ConversionFailed(_suspects(str(error), fields, source, spec.header), str(error)) from None
    columns = {}
    for field in fields:
        series = frame[source[field.name]]
        if field.kind == "text":
            columns[field.name] = sorted_categorical(
                np.asarray(series.cat.codes), [str(c) for c in series.cat.categories]
            )
        else:
            columns[field.name] = _checked_numbers(field, series.to_numpy())
    return columns, len(frame)


def _pandas_options(spec: _Spec, usecols: list[str]) -> dict:
    options = dict(
        sep=spec.delimiter,
        compression="gzip" if spec.gzip else None,
        usecols=usecols,
        keep_default_na=False,
        engine="c",
        encoding="utf-8-sig",
    )
    if spec.renamed or not spec.has_header:
        options.update(header=0 if spec.has_header else None, names=list(spec.header))
    return options


def _checked_numbers(field: Field, values: np.ndarray) -> np.ndarray:
    if field.kind == "int":
        return np.asarray(values, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    if not field.missing_ok and not np.isfinite(values).all():
        raise _ConversionFailed([field], "a missing or infinite value")
    return values


def _locate_bad_value(spec: _Spec, failure: _ConversionFailed, source: dict[str, str]) -> FormatError:
    """Read the suspect column(s) again as text and name the first bad value and its line."""
    first: tuple[int, Field, str] | None = None
    for field in failure.fields:
        found = _first_bad_row(spec, field, source[field.name])
        if found is not None and (first is None or found[0] < first[0]):
            first = (found[0], field, found[1])
    if first is None:
        column = source[failure.fields[0].name] if len(failure.fields) == 1 else None
        return FormatError(spec.path, f"cannot convert a numeric column: {failure.message}", column=column)
    row, field, value = first
    got = "an empty value" if value == "" else repr(value)
    line = row + (2 if spec.has_header else 1)
    return FormatError(spec.path, f"expected {_EXPECTED[field.kind]}, got {got}", line=line, column=source[field.name])


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


def index_in(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Row of each of ``values`` in the array of unique ``ids`` (ints or strings); -1 where absent."""
    values = np.asarray(values)
    if len(ids) == 0:
        return np.full(values.shape, -1, np.int64)
    # A hash lookup: three times faster than np.searchsorted for 16 M FlyWire connection rows.
    return pd.Index(np.asarray(ids)).get_indexer(values).astype(np.int64)
