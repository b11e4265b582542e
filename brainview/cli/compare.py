"""``brainview compare [PATH]``: the control against each ``--lesion``, with statistics.

Example (the touch-escape lesson's experiment)::

    brainview compare --stim ALML,ALMR,AVM@150 --lesion type:AVA,AVD --param w_syn_mV=1.4 \\
        --readout type:AVA,AVD --readout type:VA,DA --readout type:AVB,PVC --trials 20 --out touch/
"""

from __future__ import annotations

import argparse

from brainview.cli._comparison import add_design_options, cells, execute
from brainview.errors import ParameterError


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "compare", help=help_text,
        description="Run the stimuli as a control and, for each --lesion, with that lesion, over independent "
                    "trials; compare each readout's mean rate with bootstrap intervals, Mann-Whitney p and "
                    "Benjamini-Hochberg q-values.",
    )
    add_design_options(parser)
    parser.add_argument("--lesion", action="append", default=[], metavar="SELECTOR[@TIME][:ablate]",
                        help="one lesion condition against the same control; repeatable")
    parser.epilog = "SELECTOR: type:AVA, class:DAN, region:GNG, subsystem:steering, name:ASHL, or ALML,ALMR."


def run(args: argparse.Namespace) -> int:
    from brainview.cli._comparison import build_comparison
    from brainview.cli.simulate import parse_lesion
    from brainview.comparison.design import Condition, Lesion

    if not args.lesion:
        raise ParameterError("give at least one --lesion SELECTOR: each is a condition compared with the control")
    specs = [parse_lesion(text) for text in args.lesion]

    def conditions(connectome):
        out = []
        for spec in specs:
            lesion = Lesion(cells(connectome, spec.selector, "--lesion"), spec.mode, spec.time_ms)
            out.append(Condition(lesion.text, (lesion,)))
        names = [c.name for c in out]
        for text, name in zip(args.lesion, names):
            if names.count(name) > 1:
                raise ParameterError(f"--lesion {text!r} is given twice")
        return tuple(out)

    return execute(build_comparison(args, conditions), args)
