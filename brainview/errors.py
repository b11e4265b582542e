"""The error types brainview raises for bad input, and nothing else.

Everything a user can get wrong (a file, a selector, a parameter) raises a subclass of
:class:`BrainviewError`. The command line prints those as one line naming what was wrong; any
other exception is a bug in brainview and prints as a bug report (``--debug`` shows the
traceback). Each class also derives from the built-in exception a Python caller would expect
(``ValueError``, ``FileNotFoundError``), so ``except ValueError`` keeps working.

This module imports nothing, so every layer may use it.
"""

from __future__ import annotations


class BrainviewError(Exception):
    """Bad input: a file, a selector, a parameter. Its message says what and where."""


class ParameterError(BrainviewError, ValueError):
    """A parameter, option or argument with a value brainview cannot use."""


class InvalidConnectomeError(BrainviewError, ValueError):
    """Arrays that do not make a valid connectome (shapes, ranges, sorted rows...).

    Readers catch it and raise :class:`~brainview.connectome.io.FormatError` naming the file.
    """


class MissingInputError(BrainviewError, FileNotFoundError):
    """A file or folder that does not exist."""


class UnknownNameError(BrainviewError, KeyError):
    """A name (of a cell, column or group) that the connectome does not have; the message names close matches."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""
