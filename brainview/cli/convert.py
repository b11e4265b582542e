"""``brainview convert SRC DST``: any supported input to any network format, chosen by DST.

- ``DST.h5`` / ``.hdf5``: brainview's native HDF5 file;
- ``DST.graphml`` / ``.graphml.gz``: GraphML; ``DST.gexf`` / ``.gexf.gz``: GEXF;
- ``DST.json``: a SONATA circuit, this being its circuit config and the nodes, edges and types
  files beside it (``worm.json`` -> ``worm_nodes.h5``...);
- a folder (one that exists, a path ending in ``/``, a name without a suffix, or ``*.sonata``):
  a SONATA circuit inside it (``circuit_config.json``, ``nodes.h5``, ``edges.h5``, ...).

Every output is written completely or not at all.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from brainview.cli._common import add_rules_option, fail, load_connectome

WRITERS = {
    "native": "brainview.connectome.io.native:write_native",
    "graphml": "brainview.connectome.io.graphs:write_graphml",
    "gexf": "brainview.connectome.io.graphs:write_gexf",
    "sonata": "brainview.connectome.io.sonata_writer:write_sonata",
}
"""The network writers by format name, each ``write(connectome, path)``."""


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "convert", help=help_text,
        description="Convert any supported input to a network file chosen by the destination: native HDF5 (.h5), "
                    "GraphML, GEXF or a SONATA circuit.",
    )
    parser.add_argument("source", help="input file or folder (any format 'brainview info' reads)")
    parser.add_argument("destination",
                        help="output: DST.h5 (native), .graphml, .gexf (optionally .gz), or SONATA: a folder, "
                             "*.sonata, or the circuit config DST.json")
    parser.add_argument("--reader", help="force a reader by name instead of guessing from the path")
    add_rules_option(parser)


def writer_for(destination: str) -> str | None:
    """The format name of :data:`WRITERS` that ``destination`` asks for, or None."""
    name = Path(destination).name.lower()
    if name.endswith((".h5", ".hdf5")):
        return "native"
    if name.endswith((".graphml", ".graphml.gz")):
        return "graphml"
    if name.endswith((".gexf", ".gexf.gz")):
        return "gexf"
    path = Path(destination)
    if name.endswith((".json", ".sonata")) or path.is_dir() or destination.endswith(("/", os.sep)) or not path.suffix:
        return "sonata"
    return None


def run(args: argparse.Namespace) -> int:
    from brainview import load
    from brainview.connectome.io.atomic_files import writing
    from brainview.plugins import import_command

    fmt = writer_for(args.destination)
    if fmt is None:
        return fail(f"{args.destination}: the destination must end in .h5 (brainview's native format), .graphml, "
                    ".gexf or .json (a SONATA circuit config), or name a folder (SONATA)")
    if args.reader:
        connectome = load(args.source, reader=args.reader, rules=args.rules)
    else:
        connectome = load_connectome(args.source, rules=args.rules)
    destination = Path(args.destination)
    with writing(destination):
        written = import_command(WRITERS[fmt])(connectome, destination)
    print(f"wrote {written}: {connectome}")
    return 0
