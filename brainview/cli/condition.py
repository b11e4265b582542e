"""``brainview condition [PATH]``: pair odour A with reward, leave B unpaired, report the learning index.

Example, on the synthetic mushroom body (``brainview example mushroom-body --out mb.h5``)::

    brainview condition mb.h5 --odour-a type:DA1_lPN,DM6_adPN --odour-b type:VA1v_adPN,DL5_adPN \\
        --reward type:PAM01,PAM02,PAM04 --readout class:MBON --lesion class:DAN --json

Lesions given here act during training only; see :mod:`brainview.comparison.conditioning`.
"""

from __future__ import annotations

import argparse
import json

from brainview.cli._common import add_rules_option
from brainview.cli._comparison import cells
from brainview.errors import BrainviewError, ParameterError
from brainview.units import parse_duration_ms, parse_number


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "condition", help=help_text,
        description="Condition odour A with reward (the modulators' drive) and leave odour B unpaired, with "
                    "dopamine-gated plasticity on the PRE:POST synapses; report the readout's learning index "
                    "(A_post - A_pre) / A_pre - (B_post - B_pre) / B_pre over trials, with a 95 % interval.",
    )
    parser.add_argument("path", nargs="?", help="connectome (e.g. from brainview example mushroom-body)")
    add_rules_option(parser)
    parser.add_argument("--odour-a", required=True, metavar="SELECTOR", help="the cells odour A drives (paired)")
    parser.add_argument("--odour-b", required=True, metavar="SELECTOR", help="the cells odour B drives (unpaired)")
    parser.add_argument("--reward", required=True, metavar="SELECTOR", help="the modulators driven as the reward")
    parser.add_argument("--readout", required=True, metavar="SELECTOR", help="the cells whose response is measured")
    parser.add_argument("--plastic", default="class:Kenyon_Cell:class:MBON", metavar="PRE:POST",
                        help="plastic synapses: every chemical connection from PRE to POST (default KC to MBON)")
    parser.add_argument("--modulators", default="class:DAN", metavar="SELECTOR",
                        help="the teachers: their spikes depress the plastic synapses they gate (default class:DAN)")
    parser.add_argument("--lesion", action="append", default=[], metavar="SELECTOR[:ablate]",
                        help="silence (or ablate) these cells during training; repeatable")
    parser.add_argument("--pairings", type=int, default=3, help="odour A + reward presentations (default 3)")
    parser.add_argument("--trials", type=int, default=10, help="independent trials (default 10)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Poisson trains (default 0)")
    parser.add_argument("--eta", default="0.001mV", help="weight change per modulator spike per unit eligibility")
    parser.add_argument("--tau-e", default="200ms", help="decay time of the eligibility trace (default 200ms)")
    parser.add_argument("--odour-rate", default="150Hz", help="Poisson rate of an odour's cells (default 150Hz)")
    parser.add_argument("--reward-rate", default="150Hz", help="Poisson rate of the reward cells (default 150Hz)")
    parser.add_argument("--presentation", default="500ms", help="length of one odour presentation (default 500ms)")
    parser.add_argument("--gap", default="500ms", help="rest after each presentation (default 500ms)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="change a model parameter, e.g. w_syn_mV=0.3; repeatable")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.add_argument("--scheduler", default="serial", metavar="ADDRESS",
                        help="'serial' (default), 'local' (a Dask cluster of this machine's cores) or tcp://HOST:PORT")
    parser.add_argument("--workers", type=int, default=None, metavar="N", help="workers of a local cluster")


def split_pair(connectome, text: str) -> tuple[str, str]:
    """``PRE:POST`` into two selectors that both select cells (selectors hold colons themselves)."""
    from brainview.connectome.selectors import FIELDS, Selector

    candidates = []
    for i, char in enumerate(text):
        if char != ":":
            continue
        left, right = text[:i], text[i + 1:]
        try:
            if Selector.parse(left).resolve(connectome).size and Selector.parse(right).resolve(connectome).size:
                candidates.append((right.partition(":")[0] not in FIELDS, left, right))
        except BrainviewError:  # a split that is not two selectors of this dataset
            continue
    if not candidates:
        raise ParameterError(f"--plastic {text!r}: write PRE:POST with two selectors that select cells, "
                             "e.g. class:Kenyon_Cell:class:MBON")
    _, left, right = min(candidates)
    return left, right


def run(args: argparse.Namespace) -> int:
    from brainview.cli._common import ProgressBar, load_connectome
    from brainview.cli.simulate import parse_lesion, parse_param
    from brainview.comparison.conditioning import Conditioning, run_conditioning
    from brainview.comparison.design import Lesion
    from brainview.sim.plasticity import PlasticityRule

    for name in ("pairings", "trials"):
        if getattr(args, name) < (1 if name == "pairings" else 2):
            raise ParameterError(f"--{name} must be at least {1 if name == 'pairings' else 2}, was {getattr(args, name)}")
    params = dict(parse_param(p) for p in args.param)
    connectome = load_connectome(args.path, rules=args.rules)
    pre, post = split_pair(connectome, args.plastic)
    cells(connectome, args.modulators, "--modulators")
    lesions = []
    for text in args.lesion:
        spec = parse_lesion(text)
        if spec.time_ms:
            raise ParameterError(f"--lesion {text!r}: lesions here act during training; leave out the time")
        lesions.append(Lesion(cells(connectome, spec.selector, "--lesion"), spec.mode))
    rule = PlasticityRule(pre=pre, post=post, modulators=args.modulators,
                          tau_e_ms=parse_duration_ms(args.tau_e, "--tau-e"), eta_mV=parse_number(args.eta, "mV", "--eta"))
    conditioning = Conditioning(
        connectome, cells(connectome, args.odour_a, "--odour-a"), cells(connectome, args.odour_b, "--odour-b"),
        cells(connectome, args.reward, "--reward"), cells(connectome, args.readout, "--readout"), rule,
        tuple(lesions), args.pairings, args.trials, args.seed,
        odour_Hz=parse_number(args.odour_rate, "Hz", "--odour-rate"),
        reward_Hz=parse_number(args.reward_rate, "Hz", "--reward-rate"),
        odour_ms=parse_duration_ms(args.presentation, "--presentation"), gap_ms=parse_duration_ms(args.gap, "--gap"),
        params=params,
    )
    result = run_conditioning(conditioning, args.scheduler, args.workers, progress=ProgressBar("conditioning"))
    figures = result.to_dict()
    if args.json:
        print(json.dumps(figures, indent=2))
        return 0
    rates = figures["readout_Hz"]
    print(f"learning index {figures['learning_index']:+.3f} (95 % interval {figures['ci_low']:+.3f} to "
          f"{figures['ci_high']:+.3f}) over {figures['trials']} trials, {args.pairings} pairings"
          + (f", with {'; '.join(figures['lesions'])} during training" if lesions else ""))
    for phase in ("pre", "training", "post"):
        print(f"  {phase:<9} readout {rates[phase]['A']:7.2f} Hz to odour A, {rates[phase]['B']:7.2f} Hz to odour B")
    return 0
