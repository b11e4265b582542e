"""``brainview experiment FILE --out DIR``: run the comparison an experiment file describes.

A file saved by the window compares its stimuli alone (the control) with its stimuli and its
lesions, read out at its traced groups; a ``[design]`` table and ``[[conditions]]`` say more
(:mod:`brainview.comparison.files`).
"""

from __future__ import annotations

import argparse

from brainview.cli._common import add_rules_option
from brainview.cli._comparison import add_execution_options, execute


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "experiment", help=help_text,
        description="Run every condition of an experiment file against its control and write the statistics.",
    )
    parser.add_argument("file", help="the experiment file (.toml)")
    parser.add_argument("--dataset", default=None, metavar="PATH",
                        help="where the experiment's dataset is, when it is no longer at the recorded path")
    add_rules_option(parser)
    add_execution_options(parser)


def run(args: argparse.Namespace) -> int:
    from brainview.cli._common import ProgressBar
    from brainview.comparison.files import read_comparison

    comparison = read_comparison(args.file, args.dataset, progress=ProgressBar("reading the dataset"), rules=args.rules)
    return execute(comparison, args)
