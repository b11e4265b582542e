"""Reading the columns of a CSV table fast, with errors located exactly.

:func:`read_table` handles gzip once, reads only the columns asked for with explicit types
(pyarrow's multi-threaded CSV reader when installed, else pandas' C parser) and returns text
columns as :class:`~brainview.connectome.categorical.Categorical`. Numbers are read as numbers;
only when that fails is the offending column read again as text to name the first bad value
with its line and column, so errors cost nothing on valid input. :func:`read_batches` reads a
table too large to hold twice in batches of rows, streaming.

Hostile input gets a :class:`FormatError` naming the file (and the line where it can be found),
never another exception: a table must be UTF-8 throughout (checked as it streams past the
parser), and numbers must fit their column (int64, float32 and the :class:`Field`'s bounds).
What a column is asked to hold is in :mod:`~brainview.connectome.io._columns`, how files are
opened in :mod:`~brainview.connectome.io._text_files`.
"""

from __future__ import annotations

import csv
import re
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from brainview.connectome.categorical import Categorical
from brainview.connectome.io._columns import (
    Field,
    first_bad_text,
    is_number,
    match_fields,
    sorted_categorical,
)
from brainview.connectome.io._text_files import (
    READ_ERRORS,
    UTF8Checked,
    delimiter_of,
    first_invalid_utf8,
    first_line,
    is_gzip,
    not_utf8,
    one_line,
    open_text,
    shown,
    split_line,
    unreadable,
)
from brainview.connectome.io.errors import FormatError

_UNPARSED = (pd.errors.ParserError, UnicodeDecodeError)  # pandas errors about the file, not a value


@dataclass(frozen=True)
class Table:
    """Columns read from one file, with what is needed to point at a line of it.

    ``columns`` maps field names to int64/float64 arrays or Categoricals; ``source`` maps them
    to the column names in the file, whose ``header`` lists all (given names for a file without
    a header line). ``text`` is False for a binary table (Parquet): errors then name a row.
    ``first_row`` is the row of the file that a batch (:func:`read_batches`) starts at;
    ``offset`` counts the blank lines before the header.
    """

    path: Path
    header: tuple[str, ...]
    columns: dict[str, np.ndarray | Categorical]
    source: dict[str, str]
    n_rows: int
    has_header: bool = True
    text: bool = True
    first_row: int = 0
    offset: int = 0

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, name: str) -> np.ndarray | Categorical:
        return self.columns[name]

    def line(self, row: int) -> int:
        """1-based line number of data row ``row`` (0-based, counted from ``first_row``)."""
        return self.offset + self.first_row + int(row) + (2 if self.has_header else 1)

    def error(self, problem: str, row: int | None = None, field: str | None = None) -> FormatError:
        """A FormatError located at ``row`` (a data row index) and the column of ``field``."""
        column = None if field is None else self.source.get(field, field)
        if row is not None and not self.text:
            return FormatError(self.path, f"row {self.first_row + int(row) + 1}: {problem}", column=column)
        return FormatError(self.path, problem, line=None if row is None else self.line(row), column=column)


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
    offset: int  # blank lines before the header (or the first row)
    rows: bool  # False for a file that holds its header line alone
    fields: tuple[Field, ...]
    source: dict[str, str]
    engine: str
    names: list[str]  # the header's names made unique, given to the engines (which skip the header line)


def _unique_names(header: Sequence[str]) -> list[str]:
    """``header`` with repeated names suffixed (".1", ".2"); a name used once keeps its spelling."""
    names: list[str] = []
    taken = set(header)
    suffix: dict[str, int] = {}  # the next suffix to try for a name seen before
    for name in header:
        unique = name
        if name in suffix:
            while f"{name}.{suffix[name]}" in taken:
                suffix[name] += 1
            unique = f"{name}.{suffix[name]}"
            taken.add(unique)
        suffix.setdefault(name, 1)
        names.append(unique)
    return names


def _prepare(
    path: Path, fields: Sequence[Field], names: Sequence[str] | None, has_header: bool, engine: str | None
) -> _Spec:
    """Check the header line and match the wanted fields to its columns."""
    path = Path(path)
    line, offset, more = first_line(path)
    delimiter = delimiter_of(path, line)
    header = tuple(names) if names is not None else tuple(split_line(line, delimiter, path))
    source = match_fields(path, header, fields)
    wanted = tuple(f for f in fields if f.name in source)
    for column in {source[f.name] for f in wanted}:
        if header.count(column) > 1:
            raise FormatError(path, f"the column {shown(column)} appears {header.count(column)} times in the header", line=1)
    engine = engine or ("pyarrow" if _have_pyarrow() else "pandas")
    rows = more or not has_header
    return _Spec(path, is_gzip(path), delimiter, header, has_header, offset, rows, wanted, source, engine,
                 _unique_names(header))


def _have_pyarrow() -> bool:
    try:
        import pyarrow.csv  # noqa: F401
    except ImportError:
        return False
    return True


def _batches(spec: _Spec, batch_rows: int | None) -> Iterator[Table]:
    """Tables of at most ``batch_rows`` rows, or one of the whole file when None."""
    chunks = _arrow_chunks if spec.engine == "pyarrow" else _pandas_chunks
    if not spec.rows:  # pyarrow cannot skip a header line that has no line end
        chunks = _no_chunks
    first_row = 0
    with _located_errors(spec):
        for column_of, n_rows in chunks(spec, batch_rows):
            # No name is kept for the columns, so that a batch's go with it while the next is read.
            yield Table(
                spec.path, spec.header, {f.name: _column(f, column_of(spec.source[f.name])) for f in spec.fields},
                spec.source, n_rows, spec.has_header, first_row=first_row, offset=spec.offset,
            )
            first_row += n_rows


def _arrow_chunks(spec: _Spec, batch_rows: int | None) -> Iterator[tuple[Callable[[str], pd.Series], int]]:
    """(column by name, number of rows) per chunk: the whole file when ``batch_rows`` is None."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    types = {"int": pa.int64(), "float": pa.float64(), "text": pa.dictionary(pa.int32(), pa.string())}
    read_options = pacsv.ReadOptions(
        # Our names, not the file's: they are stripped of blanks, as the fields were matched.
        column_names=spec.names,
        skip_rows=spec.offset + (1 if spec.has_header else 0),
        block_size=1 << 22,
    )
    convert_options = pacsv.ConvertOptions(
        include_columns=[spec.source[f.name] for f in spec.fields],
        column_types={spec.source[f.name]: types[f.kind] for f in spec.fields},
        null_values=[""], strings_can_be_null=True, quoted_strings_can_be_null=True,
    )
    options = (read_options, pacsv.ParseOptions(delimiter=spec.delimiter), convert_options)
    with (pa.input_stream(str(spec.path), compression="gzip" if spec.gzip else None) as raw,
          pa.PythonFile(UTF8Checked(raw), mode="r") as stream):
        # One table by the multi-threaded reader, or the streaming reader's blocks cut to batch_rows.
        blocks = [pacsv.read_csv(stream, *options)] if batch_rows is None else pacsv.open_csv(stream, *options)
        for block in blocks:
            for start in range(0, block.num_rows, batch_rows) if batch_rows else [0]:
                part = block.slice(start, batch_rows)
                yield (lambda name, part=part: part.column(name).to_pandas()), part.num_rows
    # Arrow's pool keeps the freed blocks for Arrow alone: hand them back to the system.
    blocks = block = part = None
    pa.default_memory_pool().release_unused()


def _no_chunks(spec: _Spec, batch_rows: int | None) -> Iterator[tuple[Callable[[str], pd.Series], int]]:
    """One chunk of no rows, with columns of the fields' types."""
    dtypes = {"int": "int64", "float": "float64", "text": "category"}
    types = {spec.source[f.name]: dtypes[f.kind] for f in spec.fields}
    yield (lambda name: pd.Series([], dtype=types[name])), 0


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
    options.update(header=0 if spec.has_header else None, names=spec.names)  # header=0: the first non-blank line
    return options


def _column(field: Field, series: pd.Series) -> np.ndarray | Categorical:
    """A parsed column as a Categorical (text), int64 or float64 array, checked for missing values
    and against the field's bounds."""
    if field.kind == "text":
        return sorted_categorical(np.asarray(series.cat.codes), [str(c) for c in series.cat.categories])
    if field.kind == "int":
        if series.hasnans:  # pyarrow reads an empty integer field as null, hence NaN here
            raise _ConversionFailed([field], "an empty value")
        values = present = np.asarray(series, dtype=np.int64)
    else:
        values = np.asarray(series, dtype=np.float64)
        missing = np.isnan(values)
        if missing.any() and not field.missing_ok:
            raise _ConversionFailed([field], "a missing value")
        present = values[~missing] if missing.any() else values
    low, high = field.bounds
    if present.size and (present.min() < low or present.max() > high):
        raise _ConversionFailed([field], f"a value out of range (expected {field.expected()})")
    return values


# -- locating bad values ---------------------------------------------------------------------
class _ConversionFailed(Exception):
    """A numeric column did not convert: ``args`` are the fields that may hold the bad value, and why."""


@contextmanager
def _located_errors(spec: _Spec) -> Iterator[None]:
    """Turn the engines' errors into FormatErrors that name the line (and column) at fault."""
    try:
        yield
    except _ConversionFailed as failure:
        raise _diagnosed(spec, lambda: _locate_bad_value(spec, *failure.args), failure.args[1]) from None
    except READ_ERRORS as error:
        if spec.engine == "pyarrow":  # ArrowInvalid: "In CSV column #3: CSV conversion error ..."
            bad_value = "conversion error" in str(error) and "UTF8" not in str(error)
        else:  # pandas raises a plain ValueError for a value it cannot convert
            bad_value = isinstance(error, (ValueError, OverflowError)) and not isinstance(error, _UNPARSED)
        if isinstance(error, (OSError, EOFError, zlib.error)) and not isinstance(error, UnicodeError):
            raise unreadable(spec.path, error) from None
        if not bad_value:
            raise _diagnosed(spec, lambda: _parse_error(spec, error), str(error)) from None
        raise _diagnosed(spec, lambda: _locate_bad_value(spec, _suspects(spec, str(error)), str(error)), str(error)) from None


def _diagnosed(spec: _Spec, diagnose: Callable[[], FormatError], message: str) -> FormatError:
    """The FormatError ``diagnose`` finds by reading the file again, once it is known to be UTF-8.

    Bytes that are not UTF-8 are reported first (with their line), as every later reading
    would stumble on them; a file that fails even that reading gets the engine's ``message``.
    """
    try:
        if first_invalid_utf8(spec.path) is not None:
            return not_utf8(spec.path)
        return diagnose()
    except (OSError, EOFError, zlib.error) as error:
        return unreadable(spec.path, error)
    except (*READ_ERRORS, csv.Error):
        return FormatError(spec.path, f"cannot read the file as CSV: {one_line(message)}")


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
    except (*READ_ERRORS, csv.Error) as reread:
        error = reread
    text = one_line(str(error)) or type(error).__name__
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
        return FormatError(spec.path, f"cannot convert a numeric column: {one_line(message)}", column=column)
    row, field, value = first
    got = "an empty value" if value == "" else shown(value)
    line, column = spec.offset + row + (2 if spec.has_header else 1), spec.source[field.name]
    return FormatError(spec.path, f"expected {field.expected(is_number(value))}, got {got}", line=line, column=column)


def _first_bad_row(spec: _Spec, field: Field, column_name: str) -> tuple[int, str] | None:
    options = _pandas_options(spec, [column_name])
    options.update(dtype=str, na_filter=False)
    values = pd.read_csv(spec.path, **options)[column_name]
    # A value one engine accepts and the other does not ("+5", "0x1F", "1e3" as integers) is
    # looked for only when no value is bad for both.
    return first_bad_text(values, field) or first_bad_text(values, field, strict=True)
