"""Opening the text files readers read, and the one-line messages about them.

A file may be gzip-compressed (recognised by its magic bytes, whatever its name) and must be
UTF-8 throughout: :func:`not_utf8` names the line of the first bad byte, and
:class:`UTF8Checked` checks a stream as a parser reads it. :func:`header_line`,
:func:`delimiter_of` and :func:`split_line` read the header of a CSV file.

Every problem is a :class:`FormatError` naming the file, printed as one line: values shown in
messages are cut short (:func:`shown`) and libraries' messages cut to their first line
(:func:`one_line`).
"""

from __future__ import annotations

import codecs
import csv
import gzip
import io
import zlib
from pathlib import Path

import pandas as pd

from brainview.connectome.io.errors import FormatError

_GZIP_MAGIC = b"\x1f\x8b"

READ_ERRORS = (OSError, EOFError, zlib.error, ValueError, OverflowError, UnicodeDecodeError, pd.errors.ParserError)
"""What reading, decompressing or parsing a bad file raises."""

MAX_SHOWN = 60
"""Characters of a value that an error message shows (the rest is elided)."""


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
    return first_line(path)[0]


def first_line(path: Path) -> tuple[str, int, bool]:
    """:func:`header_line`, the number of blank lines before it, and whether a line end follows it."""
    try:
        with open_text(path) as f:
            found = next(((line, k) for k, line in enumerate(f) if line.strip()), None)
    except UnicodeDecodeError:
        raise not_utf8(path) from None
    except READ_ERRORS as error:
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


class UTF8Checked(io.RawIOBase):
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
