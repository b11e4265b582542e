"""TOML documents that say where a problem is: the file, the line and the key.

:mod:`tomllib` parses a document into plain dicts and forgets where each value stood. The
readers of brainview's TOML files (experiment and comparison files, lessons) want errors such
as ``touch.toml, line 12: unknown key 'rate' in [[stimuli]]``, so a :class:`TomlDocument` keeps
the text beside the parsed values and finds the line of a key again by searching the text from
the header of its table (the ``index``-th ``[[table]]`` for arrays of tables). Keys in inline
tables (``{ selector = "x", rate_Hz = 1 }``) are found too; a key that is nowhere in the text
(a required one that is missing) gets the line of its table.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import numpy as np

from brainview.connectome.io.errors import FormatError
from brainview.toml_lines import find_line


class TomlDocument:
    """One file's parsed document, with the line of each key for error messages.

    Parameters
    ----------
    path : path-like
        The file the text came from (named in every error).
    text : str
        The TOML text.
    keys : dict of str to set of str
        The keys allowed in each table, by table name (``""``: the top level); a dotted
        ``where`` is checked against its last part (``"conditions.lesions"``: ``"lesions"``).

    Raises
    ------
    FormatError
        If ``text`` is not valid TOML (with the line TOML names).
    """

    def __init__(self, path: str | os.PathLike, text: str, keys: dict[str, set[str]]) -> None:
        self.path = Path(path)
        self.text = text
        self.keys = keys
        try:
            self.document = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            line = re.search(r"line (\d+)", str(error))
            raise FormatError(path, f"not valid TOML: {error}", line=int(line.group(1)) if line else None) from None
        self.lines = text.splitlines()

    @classmethod
    def read(cls, path: str | os.PathLike, keys: dict[str, set[str]], what: str) -> TomlDocument:
        """Read and parse the file ``path``; ``what`` it should be, for errors (``"experiment file"``)."""
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise FormatError(path, f"no such {what}") from None
        except (UnicodeDecodeError, IsADirectoryError, PermissionError) as error:
            article = "an" if what[:1] in "aeiou" else "a"
            raise FormatError(path, f"cannot be read as {article} {what}: {error}") from None
        return cls(path, text, keys)

    def line(self, table: str, index: int | None = None, key: str | None = None) -> int | None:
        """The line of ``key`` in the ``index``-th ``[[table]]`` (or in ``[table]``), else of the table."""
        return find_line(self.lines, table, index, key)

    def check_schema(self, schema: str, latest: int, what: str) -> int:
        """The document's ``schema_version`` once its ``schema`` is ``schema`` (``what`` it should
        be, for the error: "brainview lesson") and the version lies in 1 to ``latest``."""
        document = self.document
        if document.get("schema") != schema:
            raise self.fail(f"not a {what} (schema is {document.get('schema')!r}, expected {schema!r})", key="schema")
        version = self.whole(document, "schema_version", 0, "")
        if not 1 <= version <= latest:
            raise self.fail(f"schema_version {version} is not one this brainview reads (1 to {latest})",
                            key="schema_version")
        return version

    def fail(self, problem: str, table: str = "", index: int | None = None, key: str | None = None) -> FormatError:
        """The error to raise for ``problem`` at ``key`` of ``table`` (see :meth:`line`)."""
        return FormatError(self.path, problem, line=self.line(table, index, key))

    def check_keys(self, values: dict, where: str, index: int | None = None) -> None:
        """Raise for the first key of ``values`` that the table ``where`` does not allow."""
        allowed = self.keys[where.rpartition(".")[2]]
        for key in values:
            if key not in allowed:
                place = f"[{where}]" if where else "the top level"
                raise self.fail(
                    f"unknown key {key!r} in {place}; the keys there are {', '.join(sorted(allowed))}",
                    where.partition(".")[0], index, key,
                )

    def table(self, parent: dict, name: str, required: bool = False) -> dict:
        """The table ``[name]`` of ``parent`` (empty when absent and not required), its keys checked."""
        value = parent.get(name, None if required else {})
        if not isinstance(value, dict):
            raise self.fail(f"[{name}] must be a table", name)
        self.check_keys(value, name)
        return value

    def tables(self, parent: dict, name: str, where: str | None = None) -> list[dict]:
        """The array of tables ``[[name]]`` of ``parent`` (empty when absent)."""
        value = parent.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise self.fail(f"{name} must be an array of tables ([[{name}]])", where or name)
        return value

    def number(self, table: dict, key: str, default: float | None, where: str, index: int | None = None) -> float:
        """``table[key]`` (or ``default``) as a finite float."""
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(float(value)):
            raise self.fail(f"{where}.{key} must be a finite number, was {value!r}", where.partition(".")[0], index, key)
        return float(value)

    def whole(self, table: dict, key: str, default: int, where: str) -> int:
        """``table[key]`` (or ``default``) as a whole number."""
        value = table.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.fail(f"{where}.{key} must be a whole number, was {value!r}", where, None, key)
        return value
