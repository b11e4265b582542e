"""``brainview example NAME --out PATH``: build an example connectome offline and write it.

The examples are networks built in code from published anatomy (:mod:`brainview.connectome.examples`);
their wiring is synthetic and their metadata says so. The format follows ``PATH`` as for
``brainview convert``: ``.h5`` (native), ``.graphml``, ``.gexf`` (optionally ``.gz``) or SONATA.
Examples::

    brainview example mushroom-body --out mb.h5
    brainview example mushroom-body --out mb.h5 --seed 3 --kcs 500
"""

from __future__ import annotations

import argparse
from pathlib import Path

from brainview.cli._common import fail
from brainview.connectome.examples import EXAMPLES

DESCRIPTIONS = {
    "mushroom-body": "one hemisphere's mushroom body: about 2,000 Kenyon cells sampling uniglomerular projection "
                     "neurons at random (Caron et al. 2013), MBONs and DANs by compartment (Aso et al. 2014), "
                     "with FlyWire's class and type names",
}
"""One line per example, for the help."""


def add_parser(subparsers, help_text: str) -> None:
    listed = "; ".join(f"{name}: {DESCRIPTIONS.get(name, '')}" for name in EXAMPLES)
    parser = subparsers.add_parser(
        "example", help=help_text,
        description=f"{help_text} Examples: {listed}. The wiring is synthetic (drawn at random from the "
                    "published anatomy), and the file's metadata says so.",
    )
    parser.add_argument("name", choices=tuple(EXAMPLES), metavar="NAME", help=f"the example: {', '.join(EXAMPLES)}")
    parser.add_argument("--out", "-o", required=True, metavar="PATH",
                        help="file to write: PATH.h5 (native), .graphml, .gexf (optionally .gz), or SONATA "
                             "(a folder, *.sonata, or a circuit config .json)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the random wiring (default 0); the same seed writes the same network")
    parser.add_argument("--kcs", type=int, default=None, metavar="N",
                        help="mushroom-body: number of Kenyon cells (default 2000, about one hemisphere's)")


def run(args: argparse.Namespace) -> int:
    from brainview.cli.convert import WRITERS, writer_for
    from brainview.connectome.examples import builder
    from brainview.connectome.io.atomic_files import writing
    from brainview.plugins import import_command

    fmt = writer_for(args.out)
    if fmt is None:
        return fail(f"{args.out}: the output must end in .h5 (brainview's native format), .graphml, .gexf or "
                    ".json (a SONATA circuit config), or name a folder (SONATA)")
    options = {"seed": args.seed}
    if args.kcs is not None:
        if args.name != "mushroom-body":
            return fail(f"--kcs applies to the mushroom-body example, not {args.name}")
        options["n_kc"] = args.kcs
    connectome = builder(args.name)(**options)
    destination = Path(args.out)
    with writing(destination):
        written = import_command(WRITERS[fmt])(connectome, destination)
    classes = ", ".join(f"{count:,} {label}" for label, count in connectome["cell_class"].counts().items())
    print(f"wrote {written}: {connectome.meta.get('name', args.name)}, {connectome.n:,} cells ({classes}), "
          f"{connectome.chemical.n_connections:,} connections, {connectome.chemical.total_weight:,.0f} synapses; "
          f"seed {args.seed}; wiring is synthetic")
    return 0
