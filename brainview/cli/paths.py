"""``brainview paths [PATH] --from SELECTOR --to SELECTOR``: shortest synaptic paths between selections.

Prints the fewest hops from any cell of ``--from`` to any cell of ``--to`` along chemical
synapses (pre to post), then the best paths of that length as
``ALML (sensory) -[12]-> AVDL (steering) -[8]-> VA08 (motor)``, the synapse count on each link.
Without ``--to``, ``--hops N`` prints how many cells lie 1, 2, ... N hops downstream of
``--from``, per subsystem. See :mod:`brainview.connectome.paths` for the ranking.
"""

from __future__ import annotations

import argparse
import json
import textwrap

from brainview.cli._common import add_rules_option, load_connectome, visible

DEFAULT_MAX_HOPS = 6
DEFAULT_LIMIT = 10

EPILOG = """\
Paths are ranked by the synapses on their weakest link (most first), then by the synapses along
the whole path, then by row. Only connections with at least --min-synapses synapses are followed.
Selectors: a comma list of names (ALML,ALMR,AVM) or FIELD:VALUE[,VALUE] with FIELD one of type,
class, superclass, region, subsystem, nt, kind, side, name, id (type:VA,DA; subsystem:motor).
"""


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser(
        "paths", help=help_text, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.fill(
            "The shortest paths along chemical synapses from any cell of --from to any cell of --to, with the "
            "synapse count of each link and the subsystem of each cell; or, with --hops N and no --to, the cells "
            "1..N hops downstream of --from per subsystem.", 79),
    )
    parser.add_argument("path", nargs="?", help="file or folder to read (default: the embedded C. elegans)")
    parser.add_argument("--from", dest="source", metavar="SELECTOR", required=True,
                        help="where the paths start (e.g. ALML,ALMR,AVM)")
    parser.add_argument("--to", dest="target", metavar="SELECTOR", help="where the paths end (e.g. type:VA,DA)")
    parser.add_argument("--max-hops", type=int, default=DEFAULT_MAX_HOPS, metavar="N",
                        help=f"look no further than N hops (default {DEFAULT_MAX_HOPS})")
    parser.add_argument("--min-synapses", type=float, default=1, metavar="N",
                        help="follow only connections of at least N synapses (default 1)")
    parser.add_argument("--limit", type=int, default=DEFAULT_LIMIT, metavar="N",
                        help=f"print at most N paths (default {DEFAULT_LIMIT})")
    parser.add_argument("--hops", type=int, metavar="N",
                        help="without --to: count the cells 1..N hops downstream of --from, per subsystem")
    add_rules_option(parser)
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def run(args: argparse.Namespace) -> int:
    from brainview.connectome.paths import downstream_by_hop, paths_between
    from brainview.connectome.queries import rows_of
    from brainview.connectome.selectors import SelectorError
    from brainview.errors import ParameterError

    if args.max_hops < 0:
        raise ParameterError(f"--max-hops must be at least 0, was {args.max_hops}")
    if args.min_synapses <= 0:
        raise ParameterError(f"--min-synapses must be more than 0, was {args.min_synapses:g}")
    if args.limit < 1:
        raise ParameterError(f"--limit must be at least 1, was {args.limit}")
    if args.hops is not None and args.hops < 0:
        raise ParameterError(f"--hops must be at least 0, was {args.hops}")
    if args.target is None and args.hops is None:
        raise ParameterError("give --to SELECTOR for paths, or --hops N for the neighbourhood of --from")
    if args.target is not None and args.hops is not None:
        raise ParameterError("--hops counts the neighbourhood of --from alone; leave out --to (or use --max-hops)")
    connectome = load_connectome(args.path, rules=args.rules)
    selections = {}
    for option, text in (("--from", args.source), ("--to", args.target)):
        if text is None:
            continue
        try:
            selections[option] = rows_of(connectome, text)
        except SelectorError as error:
            raise SelectorError(f"{option} {text!r}: {error}") from None
    if args.target is None:
        counts = downstream_by_hop(connectome, selections["--from"], args.hops, args.min_synapses)
        if args.json:
            print(json.dumps(hops_json(args, selections["--from"].size, counts), indent=2))
        else:
            print(visible(format_hops(args, selections["--from"].size, counts)))
        return 0
    result = paths_between(connectome, selections["--from"], selections["--to"], args.max_hops,
                           args.min_synapses, args.limit)
    if args.json:
        print(json.dumps(paths_json(args, selections, result), indent=2))
    else:
        print(visible(format_paths(args, selections, result)))
    return 0


def _count(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _hops(n: int) -> str:
    return f"{n} hop" if n == 1 else f"{n} hops"


def format_path(path) -> str:
    """``ALML (sensory) -[12]-> AVDL (steering)``: each cell with its subsystem, each link's count."""
    parts = []
    for i, cell in enumerate(path.cells):
        if i:
            parts.append(f" -[{_count(path.counts[i - 1]):g}]-> ")
        parts.append(f"{cell.name or f'row {cell.row}'} ({cell.subsystem or 'no subsystem'})")
    return "".join(parts)


def format_paths(args, selections, result) -> str:
    n_from, n_to = selections["--from"].size, selections["--to"].size
    head = f"from {args.source} ({n_from} cells) to {args.target} ({n_to} cells)"
    if args.min_synapses != 1:
        head += f", links of at least {args.min_synapses:g} synapses"
    if result.hops is None:
        return f"{head}:\nno path within {_hops(args.max_hops)}"
    lines = [f"{head}:", f"shortest path: {_hops(result.hops)}; {result.n_paths:,} path(s) of that length"
             + (f", the best {len(result.paths)} (weakest link strongest first):" if result.n_paths > len(result.paths)
                else ":")]
    lines.extend(f"  {format_path(p)}" for p in result.paths)
    if not result.complete:
        lines.append("  (the search stopped early: more paths exist than it could rank)")
    return "\n".join(lines)


def paths_json(args, selections, result) -> dict:
    return {
        "from": {"selector": args.source, "cells": int(selections["--from"].size)},
        "to": {"selector": args.target, "cells": int(selections["--to"].size)},
        "max_hops": args.max_hops,
        "min_synapses": _count(args.min_synapses),
        "hops": result.hops,
        "n_paths": result.n_paths,
        "complete": result.complete,
        "paths": [
            {
                "cells": [{"row": c.row, "name": c.name, "cell_type": c.cell_type, "subsystem": c.subsystem}
                          for c in p.cells],
                "synapses": [_count(n) for n in p.counts],
                "weakest_link": _count(p.bottleneck),
                "total_synapses": _count(p.total),
            }
            for p in result.paths
        ],
    }


def format_hops(args, n_seeds: int, counts) -> str:
    lines = [f"downstream of {args.source} ({n_seeds} cells), cells first reached at each hop:"]
    labels = sorted(counts.totals(), key=lambda label: (-counts.totals()[label], label))
    if not labels:
        lines.append("  none")
        return "\n".join(lines)
    width = max(12, *(len(label or "no subsystem") for label in labels))
    header = "".join(f"{f'hop {h}':>8}" for h in range(1, counts.hops + 1))
    lines.append(f"  {'subsystem':<{width}}{header}{'total':>8}")
    for label in labels:
        row = "".join(f"{level.get(label, 0):>8}" for level in counts.per_hop)
        lines.append(f"  {label or 'no subsystem':<{width}}{row}{counts.totals()[label]:>8}")
    row = "".join(f"{sum(level.values()):>8}" for level in counts.per_hop)
    lines.append(f"  {'all':<{width}}{row}{sum(counts.totals().values()):>8}")
    return "\n".join(lines)


def hops_json(args, n_seeds: int, counts) -> dict:
    return {
        "from": {"selector": args.source, "cells": n_seeds},
        "hops": counts.hops,
        "min_synapses": _count(args.min_synapses),
        "per_hop": [dict(level) for level in counts.per_hop],
        "total": counts.totals(),
    }
