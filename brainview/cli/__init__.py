"""The ``brainview`` command: the GUI by default, headless sub-commands for scripts.

Each sub-command lives in its own module of this package with two functions:
``add_parser(subparsers)`` and ``run(args) -> int``. Modules are imported only when their
sub-command runs, so ``brainview info`` never loads Qt or vispy.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from brainview import __version__
from brainview.cli._common import USER_ERRORS, error_text, fail, visible

INTERNAL_ERROR = 70
"""Exit code of a bug in brainview (EX_SOFTWARE of sysexits.h); bad input exits with 1."""

DEBUG_HELP = "show the Python traceback of an internal error (for a bug report)"

SUBCOMMANDS = {
    "info": "Summarise a connectome (the default dataset when PATH is omitted).",
    "subsystems": "List the subsystem groups and the cell-type diversity per region; --plot draws the figure.",
    "convert": "Convert any supported input to native HDF5, GraphML, GEXF or SONATA (by the destination).",
    "simulate": "Run the spiking simulation headless; write the run as brainview-run, NWB or SONATA.",
    "render": "Draw a connectome off screen and write a PNG.",
    "compare": "Compare the control with lesion conditions over trials, with statistics.",
    "screen": "Lesion each cell type (or cell) of a selection in turn and rank the effects.",
    "experiment": "Run the conditions of an experiment file against its control, with statistics.",
    "condition": "Pair odour A with reward under dopamine-gated plasticity and report the learning index.",
    "prepare": "Compile the simulation engine once after installing, so no first run waits for it.",
    "paths": "Shortest synaptic paths between two selections, with counts and subsystems; --hops: n-hop neighbourhoods.",
    "example": "Build an example connectome offline (mushroom-body) from published anatomy and write it.",
}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command's options."""
    parser = argparse.ArgumentParser(
        prog="brainview",
        description="Explore connectomes in 3D and run live lesion experiments. "
        "Without a sub-command, opens the app on PATH (or the embedded C. elegans connectome).",
    )
    parser.add_argument("--version", action="version", version=f"brainview {__version__}")
    parser.add_argument("--debug", action="store_true", help=DEBUG_HELP)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in SUBCOMMANDS.items():
        module = _command_module(name)
        if module is not None:
            module.add_parser(subparsers, help_text)
            # SUPPRESS: a sub-command without --debug keeps the top-level parser's value.
            subparsers.choices[name].add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=DEBUG_HELP)
    return parser


def _command_module(name: str):
    try:
        return importlib.import_module(f"brainview.cli.{name}")
    except ModuleNotFoundError as error:
        if error.name == f"brainview.cli.{name}":
            return None
        raise


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    first = argv[1:2] if argv[:1] == ["--debug"] else argv[:1]
    if not first or first[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        return _open_app([a for a in argv if a != "--debug"])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return _command_module(args.command).run(args)
    except BrokenPipeError:
        # The reader went away (`brainview info | head`): not an error of ours. Point stdout
        # at /dev/null so Python's own flush at exit does not complain again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except USER_ERRORS as error:
        return fail(error_text(error))
    except Exception as error:
        if args.debug:
            raise
        print(
            f"brainview: internal error: {visible(f'{type(error).__name__}: {error}')}\n"
            "This is a bug in brainview, not a problem with your input. Run the same command with "
            "--debug to see the traceback, and please report it.",
            file=sys.stderr,
        )
        return INTERNAL_ERROR


def _open_app(argv: list[str]) -> int:
    try:
        app = importlib.import_module("brainview.ui.app")
    except ModuleNotFoundError as error:
        if error.name != "brainview.ui.app":
            raise
        print(
            "brainview: the desktop app is not part of this version yet; "
            "use 'brainview info', 'brainview convert', or 'brainview --help'.",
            file=sys.stderr,
        )
        return 2
    return app.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
