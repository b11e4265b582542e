"""``brainview render [PATH] --out shot.png``: draw a connectome off screen and write a PNG;
``brainview render RUN.h5 --movie run.mp4``: a movie of a run file's spikes (:mod:`brainview.cli.render_movie`).

Works without a desktop: with a display (or under ``xvfb-run``) it draws through Qt, without
one through EGL. Examples::

    brainview render --out worm.png --view side --color-by nt
    brainview render flywire/ --out fly.png --size 1600x1000 --select type:DNa02 --view fit
    brainview render run.h5 --movie run.mp4 --from 0.5 --to 2 --fps 30 --size 1280x720
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from brainview.cli import render_movie
from brainview.cli._common import add_rules_option, fail, load_connectome
from brainview.errors import ParameterError

DESCRIPTION = (
    "Draw a connectome off screen and write a PNG (--out), or a movie of a run file's spikes (--movie): "
    "MP4 or GIF by the suffix, with the legend, the clock and the lesions and stimuli in force under the view."
)

VIEWS = ("front", "side", "top", "fit")

LEGEND_ENTRIES = 20
"""At most this many legend entries are drawn under the picture (then "... N more"); all are printed."""


def add_parser(subparsers, help_text: str) -> None:
    parser = subparsers.add_parser("render", help=help_text, description=DESCRIPTION)
    parser.add_argument("path", nargs="?", help="file or folder to read (default: the embedded C. elegans); "
                                                "with --movie, the run file (brainview-run .h5)")
    add_rules_option(parser)
    parser.add_argument("--out", "-o", help="PNG file to write")
    parser.add_argument("--size", default=None,
                        help=f"image size WIDTHxHEIGHT in pixels (default 1600x1000); a movie's frame size, "
                             f"its strip included (default {render_movie.DEFAULT_SIZE}, even for MP4)")
    parser.add_argument("--color-by", default=None, metavar="FIELD",
                        help="colour by a column: subsystem, cell_type (type), cell_class (class), super_class, "
                             "region, nt, kind, side, or a numeric column (default: subsystem, else class)")
    parser.add_argument("--colormap", default="viridis", help="vispy colormap for numeric columns (default viridis)")
    parser.add_argument("--select", metavar="SELECTOR",
                        help="highlight cells and draw their synapses, e.g. type:AVA or name:ALML,ALMR")
    parser.add_argument("--lesion", metavar="SELECTOR", help="mark cells as lesioned (dark with a red rim)")
    parser.add_argument("--hide", metavar="SELECTOR", help="leave cells out of the picture")
    parser.add_argument("--view", choices=VIEWS, default=None,
                        help="camera: the animal's front, side or top, or fit the selection "
                             "(default: side for a long body, front for a brain)")
    parser.add_argument("--edges", type=int, default=0, metavar="K",
                        help="also draw the K strongest connections (e.g. 200000)")
    parser.add_argument("--mesh", action="append", default=[], metavar="FILE",
                        help="outline mesh (OBJ, PLY or STL) drawn translucent; repeatable")
    parser.add_argument("--mesh-scale", type=float, default=1.0, metavar="F",
                        help="multiply mesh coordinates by F to get micrometres (0.001 for nanometres)")
    parser.add_argument("--backend", choices=("auto", "qt", "egl"), default="auto",
                        help="OpenGL window system: Qt (needs a display) or EGL (none needed)")
    parser.add_argument("--legend", action="store_true",
                        help="draw the colour legend in a strip under the picture, and print it "
                             "(a movie always has its strip)")
    render_movie.add_movie_options(parser)


def parse_size(text: str) -> tuple[int, int]:
    """``"1600x1000"`` -> (1600, 1000); ValueError with the expected form otherwise."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX]\s*(\d+)\s*", text)
    if not match:
        raise ParameterError(f"--size must look like 1600x1000, got {text!r}")
    width, height = int(match.group(1)), int(match.group(2))
    if not (16 <= width <= 8192 and 16 <= height <= 8192):
        raise ParameterError(f"--size must be between 16 and 8192 pixels each way, got {width}x{height}")
    return width, height


def run(args: argparse.Namespace) -> int:
    if (args.out is None) == (args.movie is None):
        return fail("give --out PICTURE.png or --movie MOVIE.mp4 (or .gif), one of the two")
    misused = render_movie.movie_options_misused(args)
    if misused:
        return fail(misused)
    if args.view == "fit" and not args.select:
        return fail("--view fit needs --select (the cells to fit)")
    if args.movie is not None:
        size = parse_size(args.size or render_movie.DEFAULT_SIZE)
        return render_movie.run(args, size, lambda view, connectome: _draw_scene(view, connectome, args,
                                                                                  _marks(connectome, args)))
    return _picture(args, parse_size(args.size or "1600x1000"))


def _marks(connectome, args: argparse.Namespace) -> dict:
    """The rows of ``--select``, ``--lesion`` and ``--hide`` (None where not given); a selector
    that selects nothing, or a connectome without cells, fails before anything is drawn."""
    from brainview.connectome.selectors import resolve

    if connectome.n == 0:
        raise ParameterError(f"{args.path or 'the default dataset'} has no cells; there is nothing to render")
    return {key: resolve(connectome, getattr(args, key)) if getattr(args, key) else None
            for key in ("select", "lesion", "hide")}


def _draw_scene(view, connectome, args: argparse.Namespace, marks: dict) -> None:
    """Set ``view`` up as the options ask: colours, marks, lines, meshes and camera."""
    view.set_connectome(connectome, color_by_field=args.color_by)
    for message in view.messages:
        print(f"brainview: note: {message}", file=sys.stderr)
    view.set_flags(selected=marks["select"], lesioned=marks["lesion"], hidden=marks["hide"])
    if args.edges:
        view.set_edge_budget(args.edges)
    for mesh in args.mesh:
        view.add_mesh(mesh, scale=args.mesh_scale)
    view.set_view(args.view or view.default_view())


def _picture(args: argparse.Namespace, size: tuple[int, int]) -> int:
    from brainview.render import ConnectomeView, GLUnavailableError, ViewSettings

    connectome = load_connectome(args.path, rules=args.rules)
    marks = _marks(connectome, args)
    draw_legend = args.legend and _qt_painting_available()
    try:
        view = ConnectomeView(settings=ViewSettings(size=size, backend=args.backend))
    except GLUnavailableError as error:
        return fail(f"cannot render: {error}")
    try:
        _draw_scene(view, connectome, args, marks)
        if draw_legend:
            written = _write_with_legend(view.render(), view.legend(), connectome.meta.get("name", ""), args.out)
        else:
            written = view.render_png(args.out)
    except OSError as error:
        return fail(f"cannot write {args.out}: {error.strerror or error}")
    finally:
        view.close()
    mapping = view.legend()
    if args.legend and not draw_legend:
        print("brainview: note: PySide6 is not installed, so the legend is printed, not drawn", file=sys.stderr)
    print(f"wrote {written} ({size[0]}x{size[1]}, {connectome.n:,} cells, "
          f"{args.view or view.default_view()} view)")
    if args.legend:
        for label, rgba in mapping:
            print(f"  #{''.join(f'{round(255 * c):02x}' for c in rgba[:3])}  {label}")
    return 0


def _qt_painting_available() -> bool:
    """True when PySide6's QtGui can be imported, to draw the legend strip."""
    try:
        import PySide6.QtGui  # noqa: F401 (only asked whether it imports)
    except ImportError:
        return False
    return True


def ensure_qt_painting() -> None:
    """Make the Qt application QPainter's text needs, where none runs yet.

    Drawn with EGL there is none, and no display may be there either: the offscreen platform
    draws into images without one. A QApplication, not a QGuiApplication, so that widgets made
    later in the process work.
    """
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    if QGuiApplication.instance() is None:
        QApplication(["brainview", "-platform", "offscreen"])


def _write_with_legend(rgba, legend, name: str, path: str) -> Path:
    """Write ``rgba`` with the legend strip of the app's Save picture (:mod:`brainview.ui.picture`)."""
    from brainview.ui.picture import compose_picture

    ensure_qt_painting()
    image = compose_picture(rgba, legend, name, max_entries=LEGEND_ENTRIES)
    if not image.save(path, "PNG"):
        raise OSError("the PNG could not be written (is the folder there and writable?)")
    return Path(path)
