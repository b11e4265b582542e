"""``brainview simulate [PATH]``: run the spiking model headless and write the run to a file.

The format goes by ``--out`` (or ``--format``): ``run.h5`` a brainview-run file, ``run.nwb``
NWB, a folder (``run/``) SONATA (spikes, circuit and simulation config); ``--format sonata``
with ``run_spikes.h5`` writes the SONATA spikes there and the circuit beside it
(:mod:`brainview.experiment.export`). Example::

    brainview simulate --duration 1s --stim type:ASH@150 --lesion type:AVA@500ms:ablate \\
        --trials 5 --out run.h5
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from brainview.cli._common import ProgressBar, add_rules_option, load_connectome
from brainview.errors import ParameterError
from brainview.units import parse_duration_ms, parse_number


def parse_stimulus(text: str):
    """``SELECTOR[@RATE_HZ]`` as a Poisson :class:`~brainview.sim.protocol.StimulusSpec`."""
    from brainview.sim.protocol import StimulusSpec
    from brainview.sim.stimuli import StimulusKind

    selector, at, rate = text.rpartition("@") if "@" in text else (text, "", "")
    rate_Hz = parse_number(rate, "Hz", f"--stim {text!r}: the rate") if at else None
    if rate_Hz is not None and rate_Hz < 0:
        raise ParameterError(f"--stim {text!r}: the rate must be zero or more Hz, was {rate_Hz:g}")
    return StimulusSpec(_selector(selector, "--stim", text), StimulusKind.POISSON, rate_Hz)


def parse_current(text: str):
    """``SELECTOR@AMPLITUDE_MV`` as a current-step :class:`~brainview.sim.protocol.StimulusSpec`."""
    from brainview.sim.protocol import StimulusSpec
    from brainview.sim.stimuli import StimulusKind

    selector, at, amplitude = text.rpartition("@")
    if not at:
        raise ParameterError(f"--current {text!r}: give the amplitude after '@', e.g. type:AVA@10mV")
    amplitude_mV = parse_number(amplitude, "mV", f"--current {text!r}: the amplitude")
    return StimulusSpec(_selector(selector, "--current", text), StimulusKind.CURRENT, amplitude_mV)


def parse_lesion(text: str):
    """``SELECTOR[@TIME][:ablate|:silence]`` as a :class:`~brainview.sim.protocol.LesionSpec`."""
    from brainview.sim.lesions import LesionMode
    from brainview.sim.protocol import LesionSpec

    body, mode = text, LesionMode.SILENCE
    for candidate in LesionMode:
        if body.lower().endswith(f":{candidate.value}"):
            body, mode = body[: -len(candidate.value) - 1], candidate
    selector, at, when = body.rpartition("@") if "@" in body else (body, "", "")
    time_ms = parse_duration_ms(when, f"--lesion {text!r}: the time") if at else 0.0
    return LesionSpec(_selector(selector, "--lesion", text), mode, time_ms)


def _selector(selector: str, option: str, text: str) -> str:
    if not selector.strip():
        raise ParameterError(f"{option} {text!r} names no cells; write a selector such as type:AVA")
    return selector.strip()


def parse_param(text: str) -> tuple[str, float]:
    """``NAME=VALUE`` of a model parameter (``w_syn_mV=0.3``)."""
    name, equals, value = text.partition("=")
    if not equals:
        raise ParameterError(f"--param {text!r}: write NAME=VALUE, e.g. w_syn_mV=0.3")
    return name.strip(), parse_number(value, "", f"--param {name.strip()}")


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "simulate", help=help_text,
        description="Run the spiking simulation headless and write the run: a brainview-run file, NWB or SONATA.",
    )
    parser.add_argument("path", nargs="?", help="connectome to simulate (default: the embedded C. elegans)")
    add_rules_option(parser)
    parser.add_argument("--duration", default="1s", help="simulated time per trial, e.g. 1s, 250ms (default 1s)")
    parser.add_argument("--dt", default="0.1ms", help="time step; must divide the 1.8 ms synaptic delay (default 0.1ms)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the Poisson drive (default 0)")
    parser.add_argument("--trials", type=int, default=1, help="independent trials, run in parallel (default 1)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="threads sharing each trial's busy steps (default 1); with more, each trial times its busy steps"
                             " both ways and uses the threads only while they are faster (a busy core makes them slower)")
    parser.add_argument("--stim", action="append", default=[], metavar="SELECTOR[@RATE_HZ]",
                        help="Poisson drive on the selected cells (default rate 150 Hz); repeatable")
    parser.add_argument("--current", action="append", default=[], metavar="SELECTOR@MV",
                        help="current step (as R x I, mV) on the selected cells for the whole run; repeatable")
    parser.add_argument("--lesion", action="append", default=[], metavar="SELECTOR[@TIME][:ablate]",
                        help="silence (default) or ablate the selected cells from TIME (default 0); repeatable")
    parser.add_argument("--probe", action="append", default=[], metavar="SELECTOR",
                        help="record the membrane potential of these cells every step; repeatable")
    parser.add_argument("--rates-by", default="cell_type", metavar="COLUMN",
                        help="column whose labels group the binned rates (default cell_type)")
    parser.add_argument("--bin", default="10ms", help="width of the rate bins (default 10ms)")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="change a model parameter, e.g. w_syn_mV=0.3; repeatable")
    parser.add_argument("--out", required=True,
                        help="where to write the run: run.h5 (brainview-run), run.nwb (NWB), or a folder (SONATA)")
    parser.add_argument("--format", choices=("brainview", "nwb", "sonata"), default=None,
                        help="the run format, instead of choosing it by --out (sonata with an .h5 path: the "
                             "spikes file there, the circuit beside it)")
    parser.epilog = (
        "SELECTOR: type:AVA, class:DAN, region:GNG, subsystem:steering, name:ASHL, "
        "id:720575940622486057, or a comma list of names (ALML,ALMR)."
    )


def build_protocol(args: argparse.Namespace):
    """The :class:`~brainview.sim.protocol.Protocol` the options describe (ParameterError if malformed)."""
    from brainview.sim.protocol import Protocol

    duration_ms = parse_duration_ms(args.duration)
    if duration_ms <= 0:
        raise ParameterError(f"--duration must be positive, was {args.duration!r}")
    bin_ms = parse_duration_ms(args.bin, "--bin")
    if bin_ms <= 0:
        raise ParameterError(f"--bin must be positive, was {args.bin!r}")
    return Protocol(
        duration_ms=duration_ms,
        stimuli=tuple(parse_stimulus(s) for s in args.stim) + tuple(parse_current(s) for s in args.current),
        lesions=tuple(parse_lesion(s) for s in args.lesion),
        probes=tuple(args.probe),
        rates_by=args.rates_by or None,
        rate_bin_ms=bin_ms,
    )


def run(args: argparse.Namespace) -> int:
    from brainview.experiment.export import run_format, write_run_file
    from brainview.resources import default_dataset_path
    from brainview.sim.params import ShiuParams
    from brainview.sim.protocol import run_protocol
    from brainview.sim.runfile import DatasetInfo

    out = Path(args.out)
    chosen = run_format(args.out, args.format)  # before anything runs: a bad --out fails fast
    if chosen == "nwb":
        from brainview.experiment.nwb import require_pynwb

        require_pynwb()
    dt_ms = parse_duration_ms(args.dt, "--dt")
    if dt_ms <= 0:
        raise ParameterError(f"--dt must be positive, was {args.dt!r}")
    if args.trials < 1:
        raise ParameterError(f"--trials must be at least 1, was {args.trials}")
    if args.seed < 0:
        raise ParameterError(f"--seed must be zero or positive, was {args.seed}")
    if args.threads < 1:
        raise ParameterError(f"--threads must be at least 1, was {args.threads}")
    protocol = build_protocol(args)
    params = ShiuParams().replace(**dict(parse_param(p) for p in args.param))
    connectome = load_connectome(args.path, rules=args.rules)
    source = Path(args.path) if args.path else default_dataset_path()
    dataset = DatasetInfo.of(connectome, source, connectome.meta.get("name", source.stem))
    result = run_protocol(
        connectome, protocol, params, dt_ms, args.seed, args.trials,
        progress=ProgressBar(f"simulating {dataset.name}"), threads_per_trial=args.threads,
    )
    written = write_run_file(out, result, dataset, chosen, connectome)
    print(format_summary(result, connectome.n, written[0] if len(written) == 1 else out))
    if len(written) > 1:
        print(f"  {chosen}: {', '.join(p.name for p in written)}")
    return 0


def format_summary(result, n_cells: int, out: Path) -> str:
    """Spikes, active cells, mean rates, wall time and real-time factor of a finished run."""
    trials = len(result.trials)
    spikes = sum(t.spike_steps.size for t in result.trials)
    active = np.unique(np.concatenate([t.spike_cells for t in result.trials])).size
    seconds = result.n_steps * result.dt_ms * 1e-3
    total_s = seconds * trials
    rate = spikes / (n_cells * total_s)
    rate_active = spikes / (active * total_s) if active else 0.0
    return "\n".join([
        f"simulated {seconds:g} s x {trials} trial{'s' if trials > 1 else ''} of {n_cells:,} cells "
        f"in {result.wall_s:.2f} s wall ({total_s / result.wall_s:.2f}x real time)",
        f"  spikes: {spikes:,}  active cells: {active:,}  mean rate: {rate:.3g} Hz "
        f"(active cells: {rate_active:.3g} Hz)",
        f"wrote {out}",
    ])
