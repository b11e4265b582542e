"""``brainview render RUN.h5 --movie OUT.mp4``: a run file's spikes as a movie of the 3D view.

The run file (brainview-run, :mod:`brainview.sim.runfile`) holds the spikes of each trial and the
log of its lesions and stimuli; the network is the dataset it names: the recorded path, else a
file of the same name beside the run file, else ``--dataset PATH`` (an empty recorded path is
the embedded C. elegans). The dataset must have the run's cells, id for id.

Each frame draws the network with the glow of the spikes of the first trial up to its time,
lesioned cells marked while their lesion is in force, and a strip under the view: the legend,
the dataset and the clock, and the lesions and stimuli in force (see
:mod:`brainview.render.movie_frames` for the time base). Examples::

    brainview render run.h5 --movie run.mp4
    brainview render run.h5 --movie zoom.gif --from 0.5 --to 1.5 --fps 15 --size 640x400 --view top
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from brainview.cli._common import ProgressBar
from brainview.errors import BrainviewError, MissingInputError, ParameterError
from brainview.render.movie_frames import Intervention, check_movie, frame_times_ms, in_force, movie_caption

DEFAULT_SIZE = "1280x720"
DEFAULT_FPS = 30.0

MOVIE_ONLY = ("from_s", "to_s", "fps", "dataset")
"""Options that mean something only with ``--movie`` (argparse ``dest`` names)."""


def add_movie_options(parser: argparse.ArgumentParser) -> None:
    """``--movie`` and the options of a movie, on ``brainview render``'s parser."""
    group = parser.add_argument_group("movies of a run file (PATH is the run file)")
    group.add_argument("--movie", metavar="OUT", help="write a movie of the run file's spikes: .mp4 or .gif")
    group.add_argument("--from", dest="from_s", type=float, default=None, metavar="T",
                       help="start at T seconds of simulated time (default 0)")
    group.add_argument("--to", dest="to_s", type=float, default=None, metavar="T",
                       help="end at T seconds of simulated time (default: the run's end)")
    group.add_argument("--fps", type=float, default=None, metavar="N",
                       help=f"frames per simulated second; the movie plays one simulated second per second "
                            f"(default {DEFAULT_FPS:g})")
    group.add_argument("--dataset", metavar="PATH",
                       help="the network the run was made on, when it is no longer where the run file says")


def movie_options_misused(args: argparse.Namespace) -> str | None:
    """The message for movie options given without ``--movie``, else None."""
    if args.movie is None:
        given = [name for name in MOVIE_ONLY if getattr(args, name) is not None]
        if given:
            return f"--{given[0].removesuffix('_s')} applies to --movie only"
    return None


def locate_dataset(run_path: Path, recorded: str, explicit: str | None) -> Path:
    """Where the run's dataset is: ``--dataset``, the recorded path, the same name beside the run file,
    or the embedded default for an empty recorded path."""
    from brainview.resources import default_dataset_path

    if explicit:
        return Path(explicit)
    if not recorded:
        return default_dataset_path()
    if Path(recorded).exists():
        return Path(recorded)
    beside = run_path.resolve().parent / Path(recorded).name
    if beside.exists():
        return beside
    raise MissingInputError(f"{run_path}: its dataset {recorded} is not there, nor beside the run file; "
                            "give it with --dataset PATH")


def run_interventions(log: dict, trial: int = 0) -> tuple[list[Intervention], list[tuple[float, float, str]]]:
    """The stimuli and lesions of a run file's log (``RunRecord.log``) for ``trial``.

    Returns the interventions with their texts, and the lesions as (start_ms, stop_ms, target)
    for marking their cells.
    """
    opened: dict[tuple[str, str], tuple[float, str]] = {}
    spans: list[tuple[tuple[str, str], Intervention]] = []
    for k in np.flatnonzero(log["trial"] == trial):
        action, target, t_ms = str(log["action"][k]), str(log["target"][k]), float(log["time_ms"][k])
        if action == "reset":
            continue
        words = action.split()
        # "silence" / "undo silence" and "poisson on" / "poisson off" name one intervention each
        kind = words[-1] if words[0] == "undo" else words[0]
        slot = (kind, target)
        if slot in opened:
            start_ms, text = opened.pop(slot)
            spans.append((slot, Intervention(start_ms, t_ms, text)))
        if words[0] == "undo" or words[-1] == "off":
            continue
        detail, shown = str(log["detail"][k]), target.removeprefix("name:")  # cells by name read as names
        text = (f"drive {shown} {detail}" if kind == "poisson" else f"inject {shown} {detail}"
                if kind == "current" else f"{kind} {shown}")
        opened[slot] = (t_ms, text)
    spans += [(slot, Intervention(start_ms, math.inf, text)) for slot, (start_ms, text) in opened.items()]
    lesions = [(i.start_ms, i.stop_ms, target) for (kind, target), i in spans if kind in ("silence", "ablate")]
    return [i for _, i in spans], lesions


def _rows_of(connectome, target: str) -> np.ndarray | None:
    """The rows a logged lesion target names, or None for a label that is no selector.

    A protocol's lesions are logged by their selectors ("type:AVA"); the app logs a browser
    group by its label ("AVA"), which the caption shows but which may select nothing.
    """
    from brainview.connectome.selectors import resolve

    try:
        return resolve(connectome, target)
    except BrainviewError:
        return None


def run(args: argparse.Namespace, size: tuple[int, int], draw_scene) -> int:
    """Write the movie of ``args.path`` (a run file); ``draw_scene(view, connectome)`` sets up the
    view as ``brainview render`` does for a picture (colours, selection, camera, meshes)."""
    from brainview.cli import render as render_command
    from brainview.cli._common import load_connectome
    from brainview.render import ConnectomeView, GLUnavailableError, ViewSettings
    from brainview.render.movie_frames import MovieWriter
    from brainview.sim.runfile import read_run

    if args.path is None:
        raise ParameterError("--movie needs a run file: brainview render RUN.h5 --movie OUT.mp4")
    fps = DEFAULT_FPS if args.fps is None else args.fps
    check_movie(args.movie, size, fps)
    run_path = Path(args.path)
    record = read_run(run_path)
    dt_ms = float(record.config.get("dt_ms") or record.protocol.duration_ms / max(int(record.config["n_steps"]), 1))
    end_s = int(record.config["n_steps"]) * dt_ms / 1000
    start_s = 0.0 if args.from_s is None else args.from_s
    stop_s = end_s if args.to_s is None else args.to_s
    if not 0 <= start_s < end_s:
        raise ParameterError(f"--from must lie in [0, {end_s:g}) s, the run's length; got {start_s:g}")
    if not start_s < stop_s <= end_s + 1e-9:
        raise ParameterError(f"--to must be after --from ({start_s:g} s) and at most the run's end ({end_s:g} s); "
                             f"got {stop_s:g}")
    source = locate_dataset(run_path, str(record.config.get("dataset_path", "")), args.dataset)
    connectome = load_connectome(str(source), rules=args.rules)
    if not np.array_equal(connectome.ids, record.cell_ids):
        raise ParameterError(f"{source} does not have the cells of {run_path} ({record.cell_ids.size:,} cells, "
                             f"{connectome.n:,} here, or other ids); give the dataset it ran on with --dataset PATH")
    script = _script(record, connectome, dt_ms, frame_times_ms(start_s * 1000, stop_s * 1000, fps))
    name = str(record.config.get("dataset_name", "")) or connectome.meta.get("name", "") or source.stem
    try:
        view = ConnectomeView(settings=ViewSettings(size=size, backend=args.backend))
    except GLUnavailableError as error:
        raise ParameterError(f"cannot render: {error}") from None
    try:
        draw_scene(view, connectome)
        render_command.ensure_qt_painting()
        writer = MovieWriter(args.movie, size, fps)
        try:
            _frames(view, writer, script, name, ProgressBar(f"drawing {Path(args.movie).name}"))
        finally:
            written = writer.close()
    finally:
        view.close()
    print(f"wrote {written} ({size[0]}x{size[1]}, {script.times_ms.size} frames at {fps:g} fps, "
          f"{start_s:g} to {stop_s:g} s of {name}, {connectome.n:,} cells)")
    return 0


@dataclass(frozen=True)
class _Script:
    """What a movie of a run shows: its frame times, the first trial's spikes in time order, the
    interventions for the caption and the lesioned rows to mark, (start_ms, stop_ms, rows)."""

    times_ms: np.ndarray
    spike_rows: np.ndarray
    spike_t_ms: np.ndarray
    interventions: list[Intervention]
    lesions: list[tuple[float, float, np.ndarray]]


def _script(record, connectome, dt_ms: float, times_ms: np.ndarray) -> _Script:
    interventions, lesions = run_interventions(record.log)
    first = record.spikes["trial"] == 0
    spike_t_ms = record.spikes["step"][first] * dt_ms
    order = np.argsort(spike_t_ms, kind="stable")
    marked = [(start, stop, rows) for start, stop, target in lesions if (rows := _rows_of(connectome, target)) is not None]
    return _Script(times_ms, record.spikes["neuron"][first][order], spike_t_ms[order], interventions, marked)


def _frames(view, writer, script: _Script, name: str, progress) -> None:
    """Draw every frame of ``script`` into ``writer``, reporting to ``progress(fraction, message)``."""
    from brainview.cli.render import LEGEND_ENTRIES
    from brainview.render import FLAG_LESIONED
    from brainview.ui.picture import compose_frame, draw_view, image_rgb

    base_lesioned = (view.flags() & FLAG_LESIONED) > 0  # --lesion marks cells for the whole movie
    cursor = 0  # spikes before the first frame are handed over with it: those still glowing then show
    for index, t_ms in enumerate(script.times_ms):
        end = int(np.searchsorted(script.spike_t_ms, t_ms, side="right"))
        view.push_spikes(script.spike_rows[cursor:end], script.spike_t_ms[cursor:end], now_ms=t_ms)
        cursor = end
        view.set_time(t_ms)
        lesioned = base_lesioned.copy()
        for start, stop, rows in script.lesions:
            if start <= t_ms < stop:
                lesioned[rows] = True
        view.set_flags(lesioned=lesioned)
        caption = movie_caption(name, t_ms, in_force(script.interventions, t_ms))
        frame = compose_frame(lambda size: draw_view(view, size), view.legend(), caption, writer.size, LEGEND_ENTRIES)
        writer.add(image_rgb(frame))
        progress((index + 1) / script.times_ms.size, f"t = {t_ms / 1000:.3f} s")
