"""Outlines in the 3D view: a long body's outline and the FlyWire neuropils, each toggled.

The 3D view panel owns one :class:`Outlines`; the View menu's "Body outline" action and its
"Neuropils" submenu (one checkable entry per neuropil, rebuilt each time it opens) drive it.
A worm gets its body outline, computed from the cells' positions
(:mod:`brainview.render.body_outline`), shown by default. A FlyWire dataset gets the neuropil
meshes of an installed fafbseg (:mod:`brainview.connectome.neuropils`); without fafbseg the
panel says once, in a line above the view, how to install it, and the view draws the cells only.
"""

from __future__ import annotations

import logging

import numpy as np
from PySide6.QtWidgets import QLabel

from brainview.connectome import Connectome
from brainview.connectome.io.errors import FormatError
from brainview.connectome.meshes import Mesh
from brainview.connectome.neuropils import INSTALL_HINT, load_neuropil_meshes
from brainview.render.appearance import measured_radii
from brainview.render.body_outline import body_outline, is_elongated

log = logging.getLogger(__name__)

BODY_ALPHA = 0.05
"""Opacity of the body outline seen face-on (its silhouette is several times stronger)."""

NEUROPIL_ALPHA = 0.045
"""Opacity of a neuropil seen face-on: up to 78 of them overlap, so each is fainter than the body."""

ON_DARK = (0.66, 0.74, 0.90)
ON_LIGHT = (0.16, 0.20, 0.30)
"""Outline colours on a dark and on a light view background: a contour must stand out from it."""

RIM = 9.0
"""How many times more opaque the outlines' silhouettes are than their face-on surface."""


def outline_rgb(background) -> tuple[float, float, float]:
    """The outline colour for a view background (RGB or RGBA from 0 to 1): light on dark, dark on light."""
    red, green, blue = (float(x) for x in tuple(background)[:3])
    return ON_LIGHT if 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5 else ON_DARK


def is_fly(connectome: Connectome) -> bool:
    """A dataset in the FlyWire (FAFB) frame, which fafbseg's neuropil meshes share.

    Other fly data (the hemibrain's voxels, a computed layout, a schematic) would not line up.
    """
    frame = connectome.meta.get("coordinate_frame", "").lower()
    return frame.startswith(("flywire", "fafb"))  # not "schematic, ... in FlyWire's orientation"


class Outlines:
    """The outline meshes of one 3D view panel and whether each is shown.

    Parameters
    ----------
    panel : ViewPanel
        The panel whose view draws the meshes, and above whose view the hint line goes.
    """

    hint_shown = False
    """The fafbseg hint is shown once per run of the app, not at every dataset opened."""

    def __init__(self, panel) -> None:
        self.panel = panel
        self.body = None
        self._rgb = ON_DARK
        self.neuropils: dict[str, bool] = {}
        """Each neuropil drawn (True) or hidden, by name."""
        self.neuropil_node = None
        self._neuropil_faces: dict[str, np.ndarray] = {}
        self.unavailable = ""
        """Why no neuropil meshes are drawn for a fly dataset ("" when they are, or not a fly)."""
        self.hint = QLabel("")
        self.hint.setWordWrap(True)
        self.hint.setContentsMargins(6, 0, 6, 0)
        self.hint.hide()
        panel.column.insertWidget(2, self.hint)

    @property
    def view(self):
        """The panel's ConnectomeView (None where OpenGL is unavailable)."""
        return self.panel.view

    def set_connectome(self, connectome: Connectome) -> None:
        """Draw the outlines that fit ``connectome``, replacing those of the last one."""
        self.body, self.neuropils, self.neuropil_node, self.unavailable = None, {}, None, ""
        self.hint.hide()
        view = self.view
        if view is None:
            return
        view.clear_meshes()
        self._rgb = outline_rgb(view.canvas.bgcolor.rgba)
        if connectome.positions_measured and is_elongated(view.positions):
            mesh = body_outline(view.positions, measured_radii(connectome))
            self.body = view.add_mesh(mesh, color=(*self._rgb, BODY_ALPHA))
            self.body.set_rim(RIM)
            self.body.set_one_sided(True)
        # A FlyWire download laid out for want of fafbseg says so in its metadata: hint then too.
        if is_fly(connectome) or "fafbseg" in connectome.meta.get("positions_note", ""):
            self._add_neuropils(draw=is_fly(connectome), laid_out=not connectome.positions_measured)

    def _add_neuropils(self, draw: bool, laid_out: bool) -> None:
        try:
            meshes = load_neuropil_meshes()
        except FormatError as error:  # a damaged installation: say so, draw the cells
            self.unavailable = f"fafbseg's neuropil meshes could not be read: {error}"
            log.warning("%s", self.unavailable)
            return
        if meshes is None:
            self.unavailable = f"The neuropil meshes come with the package fafbseg (GPL-3): {INSTALL_HINT}"
            if not Outlines.hint_shown:
                Outlines.hint_shown = True
                why = "The cells are laid out by their wiring, not anatomy. " if laid_out else ""
                self.hint.setText(f"{why}Install fafbseg ({INSTALL_HINT}; GPL-3) and reopen the dataset "
                                  "to see the brain's 78 neuropils and place its cells in them.")
                self.hint.setToolTip("Without it the cells are drawn where they are, without the brain's outline.")
                self.hint.show()
            return
        if not draw:  # fafbseg is here now, but these cells were laid out without it
            self.unavailable = "These cells were laid out without fafbseg: open the Codex folder again to place them"
            return
        # One node for all of them, each neuropil a range of its triangles (see OutlineMeshVisual.set_faces).
        offsets = np.cumsum([0] + [len(mesh.vertices) for mesh in meshes.meshes.values()])
        self._neuropil_faces = {
            name: mesh.faces.astype(np.int64) + offset for (name, mesh), offset in zip(meshes.meshes.items(), offsets)
        }
        merged = Mesh(np.concatenate([mesh.vertices for mesh in meshes.meshes.values()]),
                      np.concatenate(list(self._neuropil_faces.values())), "FlyWire neuropils")
        self.neuropil_node = self.view.add_mesh(merged, color=(*self._rgb, NEUROPIL_ALPHA))
        self.neuropil_node.set_rim(RIM)
        self.neuropil_node.set_one_sided(True)  # fafbseg's meshes wind counter-clockwise seen from outside
        self.neuropils = dict.fromkeys(meshes.meshes, True)
        if self.view.messages:  # placed, not measured: the picture looks anatomical, so say it once more
            self.hint.setText(f"{self.view.messages[0]}. View > Neuropils shows or hides each neuropil.")
            self.hint.show()

    def recolour(self) -> None:
        """Draw the outlines in the colour that stands out from the view's background now (after a
        theme switch)."""
        if self.view is None:
            return
        self._rgb = outline_rgb(self.view.canvas.bgcolor.rgba)
        for node, alpha in ((self.body, BODY_ALPHA), (self.neuropil_node, NEUROPIL_ALPHA)):
            if node is not None:
                node.set_color((*self._rgb, alpha))
        self.view.canvas.update()

    # -- toggles ----------------------------------------------------------------------------------
    @property
    def body_visible(self) -> bool:
        """The body outline is drawn (False when there is none)."""
        return self.body is not None and bool(self.body.visible)

    def set_body_visible(self, visible: bool) -> None:
        """Show or hide the body outline (nothing happens when there is none)."""
        if self.body is not None:
            self.body.visible = bool(visible)
            self.view.canvas.update()

    def neuropil_visible(self, name: str) -> bool:
        """Whether neuropil ``name`` is drawn."""
        return self.neuropils[name]

    def set_neuropils_visible(self, names, visible: bool) -> None:
        """Show or hide the neuropils ``names`` (a KeyError names an unknown one)."""
        for name in names:
            if name not in self.neuropils:
                raise KeyError(f"no neuropil {name!r}; the neuropils are {', '.join(self.neuropils)}")
            self.neuropils[name] = bool(visible)
        shown = [self._neuropil_faces[name] for name, on in self.neuropils.items() if on]
        self.neuropil_node.set_faces(np.concatenate(shown) if shown else np.zeros((0, 3), np.int64))


def install_outline_menu(window, view_menu) -> None:
    """Add "Body outline" and the "Neuropils" submenu to the View menu of ``window``.

    Both follow ``window.view.outlines``: they are refreshed whenever the View menu opens, so
    they always describe the dataset shown.
    """
    from PySide6.QtGui import QAction

    view_menu.addSeparator()
    window.body_outline_action = QAction("Body &outline", window, checkable=True)
    window.body_outline_action.toggled.connect(lambda on: window.view.outlines.set_body_visible(on))
    view_menu.addAction(window.body_outline_action)
    window.neuropil_menu = view_menu.addMenu("&Neuropils")

    def refresh() -> None:
        outlines = window.view.outlines
        action = window.body_outline_action
        action.blockSignals(True)
        action.setEnabled(outlines.body is not None)
        action.setChecked(outlines.body_visible)
        action.setToolTip("The body's outline, computed from its cells' positions" if outlines.body is not None
                          else "Drawn for a long body (the worm) whose positions are measured")
        action.blockSignals(False)
        fill_neuropil_menu(window.neuropil_menu, outlines)

    view_menu.aboutToShow.connect(refresh)
    refresh()


def fill_neuropil_menu(menu, outlines: Outlines) -> None:
    """Rebuild ``menu``: show all, hide all, and one checkable entry per neuropil."""
    menu.clear()
    names = list(outlines.neuropils)
    menu.setEnabled(bool(names) or bool(outlines.unavailable))
    if not names:
        note = menu.addAction(outlines.unavailable or "No neuropil meshes for this dataset")
        note.setEnabled(False)
        return
    menu.addAction("Show all", lambda: outlines.set_neuropils_visible(names, True))
    menu.addAction("Hide all", lambda: outlines.set_neuropils_visible(names, False))
    menu.addSeparator()
    for name in names:
        action = menu.addAction(name)
        action.setCheckable(True)
        action.setChecked(outlines.neuropil_visible(name))
        action.toggled.connect(lambda on, n=name: outlines.set_neuropils_visible([n], on))
