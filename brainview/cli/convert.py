"""``brainview convert SRC DST.h5``: any supported input to the native HDF5 format."""

from __future__ import annotations

import argparse
from pathlib import Path

from brainview.cli._common import fail, load_connectome


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser("convert", help=help_text, description=help_text)
    parser.add_argument("source", help="input file or folder (any format 'brainview info' reads)")
    parser.add_argument("destination", help="output .h5 file")
    parser.add_argument("--reader", help="force a reader by name instead of guessing from the path")


def run(args: argparse.Namespace) -> int:
    from brainview.connectome.io import write_native

    destination = Path(args.destination)
    if destination.suffix.lower() not in (".h5", ".hdf5"):
        return fail(f"{destination}: the destination must end in .h5 (brainview's native format)")
    from brainview import load

    connectome = load(args.source, reader=args.reader) if args.reader else load_connectome(args.source)
    write_native(connectome, destination)
    print(f"wrote {destination}: {connectome}")
    return 0
