"""Shared helpers of the table-based readers: CSV columns read fast, errors located exactly.

:func:`read_table` handles gzip once (recognised by its magic bytes), reads only the columns
asked for with explicit types (pyarrow's multi-threaded CSV reader when installed, else pandas'
C parser) and returns text columns as :class:`~brainview.connectome.categorical.Categorical`.
Numbers are read as numbers; only when that fails is the offending column read again as text
to name the first bad value with its line and column, so errors cost nothing on valid input.
:func:`read_batches` reads a table too large to hold twice in batches of rows, streaming.
The small column helpers the readers share follow at the end.

Hostile input gets a :class:`FormatError` naming the file (and the line where it can be found),
never another exception: a table must be UTF-8 throughout (checked as it streams past the
parser), numbers must fit their column (int64, float32 and the :class:`Field`'s bounds), and
values shown in messages are cut short (:func:`shown`), so every error prints as one line.
"""

from __future__ import annotations

import codecs
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
from brainview.connectome.synapses import SynapseCSR

_GZIP_MAGIC = b"\x1f\x8b"
_READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, OverflowError, UnicodeDecodeError, pd.errors.ParserError)
_UNPARSED = (pd.errors.ParserError, UnicodeDecodeError)  # pandas errors about the file, not a value
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

MAX_SHOWN = 60
"""Characters of a value that an error message shows (the rest is elided)."""


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
    return _first_line(path)[0]


def _first_line(path: Path) -> tuple[str, int, bool]:
    """:func:`header_line`, the number of blank lines before it, and whether a line end follows it."""
    try:
        with open_text(path) as f:
            found = next(((line, k) for k, line in enumerate(f) if line.strip()), None)
    except UnicodeDecodeError:
        raise not_utf8(path) from None
    except _READ_ERRORS as error:
        raise unreadable(path, error) from None
    if found is None:
        raise FormatError(path, "the file is empty")
    return found[0].rstrip("\r\n"), found[1], found[0].endswith(("\n", "\r"))


def delimiter_of(path: Path, line: str) -> str:
    """Tab for ``.tsv`` files and tab-separated first lines, otherwise comma."""
    suffixes = [s.lower() for s in path.suffixes]
    if ".tsv" in suffixes or ("\t" in line and "," not in line):
        return "\t"
    return ","


def split_line(line: str, delimiter: str, path: Path | None = None) -> list[str]:
    """The fields of one CSV line (the header), quotes removed and surrounding blanks stripped.

    Raises
    ------
    FormatError
        For a field longer than the csv module's limit (131,072 characters), naming ``path``.
    """
    try:
        return [field.strip() for field in next(csv.reader([line], delimiter=delimiter), [])]
    except csv.Error as error:
        raise FormatError(path or "<text>", f"cannot split the header into columns: {one_line(str(error))}", line=1) from None


def shown(value: object, limit: int = MAX_SHOWN) -> str:
    """``repr(value)`` for a message, at most about ``limit`` characters ("'xxxx...' (140000 characters)")."""
    text = str(value)
    if len(text) <= limit:
        return repr(text) if isinstance(value, str) else text
    return f"{text[:limit]!r}... ({len(text)} characters)"


def one_line(text: str, limit: int = 300) -> str:
    """The first non-blank line of a library's error message, cut to ``limit`` characters."""
    first = next((line.strip() for line in str(text).splitlines() if line.strip()), "")
    return first if len(first) <= limit else first[:limit] + "..."


def unreadable(path: Path, error: BaseException) -> FormatError:
    """The error for a file that cannot be read or decompressed at all."""
    what = "corrupt gzip data, " if isinstance(error, (zlib.error, EOFError, gzip.BadGzipFile)) else ""
    return FormatError(path, f"cannot read the file: {what}{one_line(str(error)) or type(error).__name__}")


def first_invalid_utf8(path: Path) -> tuple[int, int] | None:
    """(line, byte in the line, both 1-based) of the first byte that is not UTF-8 text, or None.

    Reads the file in blocks (decompressed when gzip), so a file without line ends costs no
    more memory than one with them.

    Raises
    ------
    OSError, EOFError, zlib.error
        When the file cannot be read or decompressed.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, line_start, offset = 1, 0, 0
    with open_binary(path) as f:
        while True:
            block = f.read(1 << 20)
            pending = len(decoder.getstate()[0])  # bytes of a character begun in the last block
            try:
                decoder.decode(block, final=not block)
            except UnicodeDecodeError as error:
                at = max(error.start - pending, 0)
                before = block[:at]
                newlines = before.count(b"\n")
                if newlines:
                    line_start = offset + before.rindex(b"\n") + 1
                return line + newlines, offset + at - line_start + 1
            if not block:
                return None
            newlines = block.count(b"\n")
            if newlines:
                line, line_start = line + newlines, offset + block.rindex(b"\n") + 1
            offset += len(block)


def not_utf8(path: Path) -> FormatError:
    """The error for a file that is not UTF-8 text, naming the line of the first bad byte."""
    try:
        found = first_invalid_utf8(path)
    except (OSError, EOFError, zlib.error) as error:
        return unreadable(path, error)
    if found is None:
        return FormatError(path, "the file is not UTF-8 text")
    line, byte = found
    return FormatError(path, f"not UTF-8 text: an invalid byte at byte {byte} of the line", line=line)


class _UTF8Checked(io.RawIOBase):
    """The bytes of ``stream``, checked to be UTF-8 as they are read (UnicodeDecodeError if not).

    Wrapped around the stream pyarrow's CSV reader parses, so that bytes in columns the reader
    never converts are checked too, in the same pass and at no measurable cost.
    """

    def __init__(self, stream) -> None:
        super().__init__()
        self._stream = stream
        self._decoder = codecs.getincrementaldecoder("utf-8")()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._stream.read(len(buffer))
        self._decoder.decode(data, final=not data)
        buffer[: len(data)] = data
        return len(data)


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
    line, offset, more = _first_line(path)
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
            found = ", ".join(shown(h, 30) for h in header[:12]) or "none"
            if len(header) > 12:
                found += f" and {len(header) - 12} more"
            raise FormatError(path, f"missing column {field.name!r}{also}; the columns found are {found}", line=1)
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
          pa.PythonFile(_UTF8Checked(raw), mode="r") as stream):
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


class _ConversionFailed(Exception):
    """A numeric column did not convert: ``args`` are the fields that may hold the bad value, and why."""


@contextmanager
def _located_errors(spec: _Spec) -> Iterator[None]:
    """Turn the engines' errors into FormatErrors that name the line (and column) at fault."""
    try:
        yield
    except _ConversionFailed as failure:
        raise _diagnosed(spec, lambda: _locate_bad_value(spec, *failure.args), failure.args[1]) from None
    except _READ_ERRORS as error:
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
    except (*_READ_ERRORS, csv.Error):
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
    except (*_READ_ERRORS, csv.Error) as reread:
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


def is_number(text: str) -> bool:
    """True when ``text`` reads as a number, however large (inf included), but not NaN."""
    try:
        return not np.isnan(float(text))  # float() has no digit limit (int() has)
    except ValueError:
        return False


def _first_bad_row(spec: _Spec, field: Field, column_name: str) -> tuple[int, str] | None:
    options = _pandas_options(spec, [column_name])
    options.update(dtype=str, na_filter=False)
    values = pd.read_csv(spec.path, **options)[column_name]
    # A value one engine accepts and the other does not ("+5", "0x1F", "1e3" as integers) is
    # looked for only when no value is bad for both.
    return first_bad_text(values, field) or first_bad_text(values, field, strict=True)


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
