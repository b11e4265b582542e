"""Options and output shared by ``brainview compare``, ``screen`` and ``experiment``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from brainview.cli._common import ProgressBar, add_rules_option, visible
from brainview.errors import BrainviewError, ParameterError
from brainview.units import parse_duration_ms

INTERRUPTED = 130
"""Exit code after Ctrl+C (128 + SIGINT), as shells report it."""


def add_execution_options(parser: argparse.ArgumentParser) -> None:
    """--out, --scheduler, --workers, --serial."""
    parser.add_argument("--out", required=True, metavar="DIR",
                        help="results folder: summary.csv, trials.csv, rates.png, rasters/, report.txt; "
                             "a rerun into the same folder skips the conditions already there")
    parser.add_argument("--scheduler", default="local", metavar="ADDRESS",
                        help="a Dask scheduler to run the trials on (tcp://HOST:PORT); "
                             "default: a local cluster of one worker per core")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--serial", action="store_true",
                        help="run the trials one after another in this process, without Dask: faster for short "
                             "runs on few cores (a local cluster takes seconds to start and to receive the network)")


def add_design_options(parser: argparse.ArgumentParser) -> None:
    """The options a comparison shares with ``brainview simulate``."""
    parser.add_argument("path", nargs="?", help="connectome (default: the embedded C. elegans)")
    add_rules_option(parser)
    parser.add_argument("--stim", action="append", default=[], metavar="SELECTOR[@RATE_HZ]",
                        help="Poisson drive on the selected cells in every condition (default rate 150 Hz); repeatable")
    parser.add_argument("--readout", action="append", default=[], metavar="SELECTOR",
                        help="cells whose mean rate is compared between conditions; repeatable, at least one")
    parser.add_argument("--trials", type=int, default=10, help="independent trials per condition (default 10)")
    parser.add_argument("--duration", default="1s", help="simulated time per trial (default 1s)")
    parser.add_argument("--readout-from", default="0ms", metavar="TIME",
                        help="count readout spikes from this time on (default 0)")
    parser.add_argument("--dt", default="0.1ms", help="time step (default 0.1ms)")
    parser.add_argument("--seed", type=int, default=0, help="seed of every trial's Poisson trains (default 0)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="change a model parameter, e.g. w_syn_mV=1.4; repeatable")
    add_execution_options(parser)


def cells(connectome, text: str, option: str):
    """The cell set a selector option names; ParameterError naming the option otherwise."""
    from brainview.experiment.cells import cells_from_selector

    try:
        return cells_from_selector(connectome, text)
    except BrainviewError as error:
        raise ParameterError(f"{option} {text!r}: {error}") from None


def build_comparison(args: argparse.Namespace, conditions_of):
    """The Comparison the options describe; ``conditions_of(connectome)`` gives its lesion conditions."""
    from brainview.cli._common import load_connectome
    from brainview.cli.simulate import parse_param, parse_stimulus
    from brainview.comparison.design import Comparison, Drive
    from brainview.connectome.digest import connectome_digest
    from brainview.experiment.model import DatasetRef
    from brainview.resources import default_dataset_path
    from brainview.sim.params import ShiuParams

    if not args.readout:
        raise ParameterError("give at least one --readout SELECTOR: the cells whose rates are compared")
    if args.trials < 2:
        raise ParameterError(f"--trials must be at least 2 (the statistics need a spread), was {args.trials}")
    if args.seed < 0:
        raise ParameterError(f"--seed must be zero or positive, was {args.seed}")
    params = dict(parse_param(p) for p in args.param)
    ShiuParams().replace(**params)  # an unknown name or a bad value fails before the dataset is read
    stimuli = [parse_stimulus(s) for s in args.stim]
    duration_ms = parse_duration_ms(args.duration, "--duration")
    readout_from_ms = parse_duration_ms(args.readout_from, "--readout-from")
    dt_ms = parse_duration_ms(args.dt, "--dt")
    connectome = load_connectome(args.path, rules=args.rules)
    source = Path(args.path).resolve() if args.path else default_dataset_path()
    dataset = DatasetRef(str(source) if args.path else None, connectome_digest(connectome),
                         connectome.meta.get("name", source.stem))
    rate_default = ShiuParams().replace(**params).r_poi_Hz
    drives = tuple(
        Drive(cells(connectome, s.selector, "--stim"), rate_default if s.value is None else s.value) for s in stimuli
    )
    readouts = tuple(cells(connectome, text, "--readout") for text in args.readout)
    return Comparison(
        connectome, dataset, drives, readouts, conditions_of(connectome),
        trials=args.trials, duration_ms=duration_ms, dt_ms=dt_ms, seed=args.seed, params=params,
        readout_from_ms=readout_from_ms,
    )


def scheduler_of(args: argparse.Namespace) -> str:
    if args.serial and args.scheduler != "local":
        raise ParameterError("--serial runs in this process; leave out --scheduler")
    if args.workers is not None and args.workers < 1:
        raise ParameterError(f"--workers must be at least 1, was {args.workers}")
    return "serial" if args.serial else args.scheduler


def execute(comparison, args: argparse.Namespace, ranked: bool = False) -> int:
    """Run ``comparison`` into ``--out``, print the report; Ctrl+C keeps what finished."""
    from brainview.comparison.execute import run_comparison
    from brainview.comparison.report import format_report

    scheduler = scheduler_of(args)
    out = Path(args.out)
    finished = []
    bar = ProgressBar(f"{len(comparison.condition_names)} conditions x {comparison.trials} trials")
    try:
        result = run_comparison(comparison, out, scheduler, args.workers, bar,
                                on_condition=lambda c: finished.append(c.name), ranked=ranked)
    except KeyboardInterrupt:
        print(f"\nbrainview: interrupted; {len(finished)} condition(s) finished in this run are in "
              f"{out / 'conditions'}. Run the same command again to go on from there.", file=sys.stderr)
        return INTERRUPTED
    print(visible(format_report(result)))
    print(f"wrote {out / 'summary.csv'}, {out / 'trials.csv'}, {out / 'rates.png'}, {out / 'rasters'}, "
          f"{out / 'report.txt'}")
    return 0
