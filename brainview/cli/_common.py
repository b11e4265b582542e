"""Helpers shared by the sub-commands: loading with a progress bar and reporting errors."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from brainview.connectome import Connectome
from brainview.errors import BrainviewError

USER_ERRORS = (BrainviewError, OSError)
"""Errors caused by the user's input or surroundings (a bad file, selector or option; a file
that cannot be opened or written): printed as one line, never as a traceback. Anything else is
a bug in brainview: :func:`brainview.cli.main` says so, and ``--debug`` shows the traceback."""


def fail(message: str) -> int:
    """Print ``brainview: error: message`` to stderr and return exit code 1."""
    print(f"brainview: error: {visible(message)}", file=sys.stderr)
    return 1


def error_text(error: BaseException) -> str:
    """The message of a user error (KeyError quotes its argument; undo that)."""
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    if isinstance(error, OSError) and error.filename is not None and error.strerror:
        return f"{error.filename}: {error.strerror}"
    return str(error)


def visible(text: str) -> str:
    """``text`` with control and other invisible characters escaped (``\\x1b``, ``\\u202e``).

    Names and metadata come from data files: printed raw, an escape sequence in one could clear
    the terminal or retitle its window. Line breaks are kept.
    """
    if text.isprintable():
        return text
    return "\n".join(
        "".join(c if c.isprintable() else repr(c)[1:-1] for c in line)  # repr escapes exactly these
        for line in text.split("\n")
    )


class ProgressBar:
    """A one-line text progress bar on stderr, drawn only when stderr is a terminal."""

    def __init__(self, label: str, stream=None, min_interval_s: float = 0.1) -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty()
        self.min_interval_s = min_interval_s
        self._last = 0.0

    def __call__(self, fraction: float, message: str = "") -> None:
        now = time.monotonic()
        if not self.enabled or (now - self._last < self.min_interval_s and fraction < 1):
            return
        self._last = now
        width = 30
        filled = int(round(width * min(max(fraction, 0.0), 1.0)))
        bar = "#" * filled + "-" * (width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {fraction * 100:5.1f}% {message[:40]:<40}")
        if fraction >= 1:
            self.stream.write("\n")
        self.stream.flush()


def load_connectome(
    path: str | None, progress: Callable[[float, str], None] | None = None, rules: str | None = None
) -> Connectome:
    """The connectome at ``path``, or the embedded default dataset when ``path`` is None.

    ``rules`` (``--rules NAME|FILE``) classifies the cells with a shipped subsystem rule set or
    one's own rule file instead of the rules the dataset came with.
    """
    from brainview import load
    from brainview.resources import default_dataset_path

    source = Path(path) if path else default_dataset_path()
    return load(source, progress=progress or ProgressBar(f"reading {source.name}"), rules=rules)


RULES_HELP = (
    "subsystem rules to classify the cells with: a shipped rule set by name ({names}) or the path "
    "of one's own rule file (default: the rules the dataset comes with, e.g. flywire for a Codex folder)"
)


def add_rules_option(parser) -> None:
    """``--rules NAME|FILE`` on a sub-command's parser."""
    from brainview.resources import subsystem_rule_names

    parser.add_argument("--rules", metavar="NAME|FILE",
                        help=RULES_HELP.format(names=", ".join(subsystem_rule_names())))


def no_rules_line(connectome: Connectome) -> str | None:
    """One line for a dataset whose cells no subsystem rule set classified, else None."""
    if connectome.meta.get("subsystem_rules") or connectome["subsystem"].counts():
        return None
    return no_rules_message(connectome.meta.get("subsystem_rules_tried", ""))


def no_rules_message(tried: str = "") -> str:
    """What a dataset no subsystem rule set fits says, instead of drawing every cell grey.

    ``tried`` lists the rule sets a reader tried, with the share of cells each would claim
    (``meta["subsystem_rules_tried"]``).
    """
    from brainview.resources import subsystem_rule_names

    attempts = f" (tried: {tried})" if tried else ""
    return (
        f"subsystems: no rule set fits this dataset{attempts}, so its cells have none; choose one with "
        f"--rules NAME|FILE (shipped: {', '.join(subsystem_rule_names())})"
    )
