"""``brainview screen [PATH]``: silence each label of a column in turn and rank the effects.

Example::

    brainview screen --silence-each cell_type --within class:interneuron --stim ALML,ALMR,AVM \\
        --readout type:VA,DA --param w_syn_mV=1.4 --trials 10 --out screen/
"""

from __future__ import annotations

import argparse

from brainview.cli._comparison import add_design_options, cells, execute


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "screen", help=help_text,
        description="Silence (or ablate) each label of COLUMN within the selected cells in turn, each as one "
                    "condition against the same control, and rank them by their effect on the readouts.",
    )
    add_design_options(parser)
    parser.add_argument("--silence-each", required=True, metavar="COLUMN",
                        help="cell_type, cell_class (class), region..., or name for single cells")
    parser.add_argument("--within", required=True, metavar="SELECTOR", help="the cells screened")
    parser.add_argument("--mode", choices=("silence", "ablate"), default="silence",
                        help="how each label's cells are lesioned (default silence)")


def run(args: argparse.Namespace) -> int:
    from brainview.cli._comparison import build_comparison
    from brainview.comparison.screen import silence_each

    def conditions(connectome):
        return silence_each(connectome, args.silence_each, cells(connectome, args.within, "--within"), args.mode)

    return execute(build_comparison(args, conditions), args, ranked=True)
