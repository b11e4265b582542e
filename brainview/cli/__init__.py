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

SUBCOMMANDS = {
    "info": "Summarise a connectome (the default dataset when PATH is omitted).",
    "convert": "Convert any supported input to brainview's native HDF5 format.",
    "simulate": "Run the spiking simulation headless and write a brainview-run file.",
    "render": "Draw a connectome off screen and write a PNG.",
}


def build_parser() -> argparse.ArgumentParser:
    """The full argument parser, with every sub-command's options."""
    parser = argparse.ArgumentParser(
        prog="brainview",
        description="Explore connectomes in 3D and run live lesion experiments. "
        "Without a sub-command, opens the app on PATH (or the embedded C. elegans connectome).",
    )
    parser.add_argument("--version", action="version", version=f"brainview {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in SUBCOMMANDS.items():
        module = _command_module(name)
        if module is not None:
            module.add_parser(subparsers, help_text)
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
    if not argv or argv[0] not in (*SUBCOMMANDS, "-h", "--help", "--version"):
        return _open_app(argv)
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
