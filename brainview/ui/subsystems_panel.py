"""The Subsystems panel: the dataset's groups with their colours, counts, rationales and citations.

Each group of the subsystem rules is a row (in priority order, the default label last) with its
colour and cell count; the row under the cursor shows its rationale, its rules and its
citations, as links where a citation ends with a DOI or an address. Groups are made from the
current selection (the browser's group, else the selected cell) or from a selector, renamed
(double-click the label), recoloured, moved up or down (earlier groups claim their cells
first) and deleted; every edit applies at once (:meth:`Session.apply_rules`: the 3D colours,
the browser and the traces follow while the simulation runs on) and can be undone here.
Lesion and Drive act on the whole group through the browser, as its right-click menu does.

Save keeps the rules for this dataset between launches (a file in the app's data folder,
:meth:`AppSettings.user_rules_path`), applied the next time the dataset opens; a kept file that
no longer loads or fits is reported here and the shipped rules are used instead.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QColorDialog, QFileDialog, QFrame, QGridLayout, QHBoxLayout, QHeaderView, QLabel, QLineEdit, QMenu,
    QPushButton, QScrollArea, QSplitter, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget,
)

from brainview.connectome.subsystem_files import check_fits, load_rules, write_rules
from brainview.connectome.subsystem_making import blank_rules, new_group, rule_for_rows, rule_for_selector
from brainview.connectome.subsystems import Rule, RuleFileError, SubsystemRules, rules_fit
from brainview.errors import BrainviewError
from brainview.ui import theme
from brainview.ui.browser import GROUP_PALETTE
from brainview.ui.session import Session
from brainview.ui.settings import AppSettings
from brainview.ui.subsystem_details import cells, details_html

NO_FIT = "No subsystem rules fit this dataset; make groups here or load a rule file."
"""What the panel says instead of letting every cell be drawn grey."""

LABEL_ROLE = Qt.ItemDataRole.UserRole + 1

Selection = Callable[[], tuple[np.ndarray, str]]
"""Gives the current selection: its rows and words for it ("the browser's group AVA")."""


def dataset_key(session: Session) -> str:
    """What the kept rules of ``session``'s dataset are filed under: its digest, else its name."""
    return session.experiment.dataset.digest[:32] or str(session.connectome.meta.get("name", "dataset"))


class SubsystemsPanel(QWidget):
    """The subsystem groups of the open dataset, editable; see the module docstring.

    Parameters
    ----------
    settings : AppSettings
        Where the rules kept between launches are filed.
    selection : callable
        Gives the current selection (:data:`Selection`).
    """

    lesionRequested = Signal(str, object)
    """Lesion the browser group (node key) as ``"silence"``/``"ablate"``, or lift its lesion (None)."""

    driveRequested = Signal(str, bool)
    """Drive the browser group (node key) with the stimulus panel's rate (True), or stop driving it."""

    def __init__(self, settings: AppSettings, selection: Selection, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.selection = selection
        self.session: Session | None = None
        self.rules: SubsystemRules = blank_rules()
        self.shipped: SubsystemRules | None = None
        # Each edit's rules before it, with the renames that undoing it reverses.
        self.undo_stack: list[tuple[SubsystemRules, dict[str, str]]] = []
        self.saved = True
        self.status = QLabel(wordWrap=True, textFormat=Qt.TextFormat.PlainText)
        self.groups = QTreeWidget(columnCount=2, rootIsDecorated=False, uniformRowHeights=True)
        self.groups.setHeaderLabels(["Group", "Cells"])
        self.groups.header().setStretchLastSection(False)
        self.groups.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.details = QLabel(wordWrap=True, textFormat=Qt.TextFormat.RichText, openExternalLinks=True)
        self.details.setAlignment(Qt.AlignmentFlag.AlignTop)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.selector = QLineEdit(placeholderText="type:AVA,AVB  or  name:AVA*  or  ALML,ALMR")
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        for index, (name, text, tip, slot) in enumerate((
            ("selection", "From selection", "A group of the browser's current group, else of the selected cell",
             self.group_from_selection),
            ("colour", "Colour...", "Choose the group's colour", self._choose_colour),
            ("up", "Up", "Earlier: claims its cells before the groups below", lambda: self.move(-1)),
            ("down", "Down", "Later: the groups above claim their cells first", lambda: self.move(1)),
            ("delete", "Delete", "Delete the group (Undo edit brings it back)", self.delete),
            ("lesion", "Lesion", "Silence or ablate the whole group, as the browser does", None),
            ("drive", "Drive", "Drive the whole group at the stimulus panel's rate", self._toggle_drive),
            ("undo", "Undo edit", "Take back the last edit of the groups", self.undo),
            ("save", "Save", "Keep these rules for this dataset: they apply the next time it opens", self.save),
            ("load", "Load file...", "Apply a rule file", self._choose_file),
            ("export", "Export...", "Write these rules to a rule file of your choice", self._choose_export),
            ("forget", "Shipped rules", "Forget your rules for this dataset and use the shipped ones", self.forget),
        )):
            button = QPushButton(text, toolTip=tip)
            if slot is not None:
                button.clicked.connect(slot)
            self.buttons[name] = button
            grid.addWidget(button, index // 4, index % 4)
        self.buttons["lesion"].clicked.connect(self._lesion_menu)
        from_selector = QPushButton("From selector", toolTip="A group of the cells a selector names")
        from_selector.clicked.connect(lambda: self.group_from_selector(self.selector.text()))
        self.selector.returnPressed.connect(from_selector.click)
        selector_row = QHBoxLayout()
        selector_row.addWidget(self.selector, 1)
        selector_row.addWidget(from_selector)
        scroll = QScrollArea(widgetResizable=True, frameShape=QFrame.Shape.NoFrame)
        scroll.setWidget(self.details)
        split = QSplitter(Qt.Orientation.Vertical, childrenCollapsible=False)
        split.addWidget(self.groups)
        split.addWidget(scroll)
        split.setSizes([300, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.status)
        layout.addLayout(selector_row)
        layout.addLayout(grid)
        layout.addWidget(split, 1)
        self.groups.currentItemChanged.connect(lambda *_: self._show_current())
        self.groups.itemChanged.connect(self._on_item_changed)
        self.setEnabled(False)

    # -- the session ----------------------------------------------------------------------------
    def set_session(self, session: Session) -> None:
        """Show ``session``'s groups, after applying the rules kept for its dataset, if any."""
        self.session = session
        self.shipped = session.rules
        self.undo_stack, self.saved = [], True
        session.subsystemsChanged.connect(self.refresh)
        session.lesionsChanged.connect(self._show_current)
        session.stimuliChanged.connect(self._show_current)
        self.setEnabled(True)
        self.rules = session.rules or blank_rules()
        kept = self.kept_path()
        message = ""
        if kept.is_file():
            try:
                rules = load_rules(kept)
                check_fits(session.connectome, rules)
            except (RuleFileError, OSError) as error:
                message = f"Your kept rules could not be used, so the shipped rules apply: {error}"
            else:
                self.rules = rules
                session.apply_rules(rules)
                message = f"Your rules for this dataset ({kept})."
        self.refresh(message)

    def kept_path(self) -> Path:
        """The file the rules of this dataset are kept in between launches."""
        return self.settings.user_rules_path(dataset_key(self.session))

    def refresh(self, message: str = "") -> None:
        """Show the groups of :attr:`rules` with the session's counts, and what applies."""
        session = self.session
        counts = session.connectome["subsystem"].counts()
        current = self.current_label()
        self.groups.blockSignals(True)
        self.groups.clear()
        for group in self.rules.groups:
            self._add_row(group.label, group.colour, counts.get(group.label, 0), editable=True)
        if self.rules.groups or counts:
            self._add_row(self.rules.default, self.rules.default_colour, counts.get(self.rules.default, 0), False)
        self.groups.blockSignals(False)
        rows = {self.groups.topLevelItem(i).data(0, LABEL_ROLE): i for i in range(self.groups.topLevelItemCount())}
        if rows:
            self.groups.setCurrentItem(self.groups.topLevelItem(rows.get(current, 0)))
        fits = session.rules is not None and rules_fit(session.connectome, session.rules)
        if not message:
            if not fits:
                message = NO_FIT
            elif not self.saved:
                message = "Edited: Save keeps these rules for this dataset."
            else:
                message = f"Rules: {self.rules.title or self.rules.source}."
        self.status.setText(message)
        self.status.setStyleSheet(f"color: {theme.LESION};" if not fits or "could not" in message else "")
        self.buttons["undo"].setEnabled(bool(self.undo_stack))
        self.buttons["save"].setEnabled(bool(self.rules.groups))
        self.buttons["export"].setEnabled(bool(self.rules.groups))
        self.buttons["forget"].setEnabled(self.kept_path().is_file() or self.rules != self.shipped)
        self._show_current()

    def _add_row(self, label: str, colour: str, count: int, editable: bool) -> None:
        item = QTreeWidgetItem([label, f"{count:,}"])
        item.setData(0, LABEL_ROLE, label)
        item.setData(0, Qt.ItemDataRole.DecorationRole, QColor(colour))
        item.setTextAlignment(1, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if editable:
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(0, "Double-click to rename")
        else:
            item.setForeground(0, QBrush(QColor(theme.MUTED)))
            item.setToolTip(0, "Cells no group claims")
        if count == 0:
            item.setToolTip(1, "No cell of this dataset is in this group")
        self.groups.addTopLevelItem(item)

    def current_label(self) -> str | None:
        """Label of the group under the cursor, or None."""
        item = self.groups.currentItem()
        return item.data(0, LABEL_ROLE) if item is not None else None

    def group_key(self, label: str) -> str | None:
        """The browser's key of the subsystem ``label``, None when it holds no cell."""
        key = f"subsystem={label}"
        return key if self.session is not None and key in self.session.tree.by_key else None

    def _show_current(self) -> None:
        label = self.current_label()
        editable = label is not None and label != self.rules.default
        for name in ("colour", "up", "down", "delete"):
            self.buttons[name].setEnabled(editable)
        key = self.group_key(label) if label else None
        self.buttons["lesion"].setEnabled(key is not None)
        self.buttons["drive"].setEnabled(key is not None)
        driven = key is not None and key in self.session.experiment.stimuli
        self.buttons["drive"].setText("Stop driving" if driven else "Drive")
        lesion = self.session.experiment.lesions.get(key) if key else None
        self.buttons["lesion"].setText(f"Lesion ({lesion.mode.value})" if lesion else "Lesion")
        counts = self.session.connectome["subsystem"].counts()
        self.details.setText(details_html(self.rules, label, counts.get(label, 0)) if label else "")

    # -- edits ----------------------------------------------------------------------------------
    def edit(self, rules: SubsystemRules, renamed: dict[str, str] | None = None) -> None:
        """Apply ``rules`` now (undoably): the session relabels its cells and every panel follows."""
        self.undo_stack.append((self.rules, dict(renamed or {})))
        self._apply(rules, renamed)

    def _apply(self, rules: SubsystemRules, renamed: dict[str, str] | None = None) -> None:
        self.rules, self.saved = rules, False
        self.session.apply_rules(rules, renamed)  # refresh() runs on the session's signal

    def undo(self) -> None:
        """Take back the last edit."""
        if self.undo_stack:
            old, renamed = self.undo_stack.pop()
            self._apply(old, {new: before for before, new in renamed.items()})

    def _try(self, change: Callable[[], None]) -> bool:
        try:
            change()
        except (BrainviewError, KeyError) as error:
            self.status.setText(str(error))
            self.status.setStyleSheet(f"color: {theme.LESION};")
            return False
        return True

    def _next_label(self) -> str:
        taken = set(self.rules.labels)
        return next(f"group{n}" for n in range(1, len(taken) + 2) if f"group{n}" not in taken)

    def _next_colour(self) -> str:
        used = set(self.rules.colours.values())
        return next((c for c in GROUP_PALETTE if c not in used), GROUP_PALETTE[len(used) % len(GROUP_PALETTE)])

    def group_from_rows(self, rows: np.ndarray, source: str, label: str | None = None) -> bool:
        """Make a group (first in priority, so it claims them all) of exactly the cells ``rows``."""
        return self._add_group(label, lambda: rule_for_rows(self.session.connectome, rows),
                               f"Made in brainview from {source} ({cells(np.unique(rows).size)}).")

    def group_from_selection(self) -> bool:
        """Make a group of the current selection (see :data:`Selection`)."""
        rows, source = self.selection()
        if rows.size == 0:
            self.status.setText("Nothing is selected: choose a group in the browser or click a cell first.")
            return False
        return self.group_from_rows(rows, source)

    def group_from_selector(self, text: str, label: str | None = None) -> bool:
        """Make a group (first in priority) of the cells the selector ``text`` names, keeping its test."""
        return self._add_group(label, lambda: rule_for_selector(self.session.connectome, text),
                               f"Made in brainview from the selector '{text.strip()}'.")

    def _add_group(self, label: str | None, rule: Callable[[], Rule], rationale: str) -> bool:
        label = label or self._next_label()
        return self._select_after(label, self._try(lambda: self.edit(
            self.rules.with_group(new_group(label, self._next_colour(), rule(), rationale), 0))))

    def _select_after(self, label: str, done: bool) -> bool:
        for index in range(self.groups.topLevelItemCount()):
            if done and self.groups.topLevelItem(index).data(0, LABEL_ROLE) == label:
                self.groups.setCurrentItem(self.groups.topLevelItem(index))
        return done

    def rename(self, label: str, new_label: str) -> bool:
        """Rename the group ``label``; its traced rate and colour follow it."""
        return self._select_after(new_label, self._try(
            lambda: self.edit(self.rules.edited(label, new_label=new_label), {label: new_label})))

    def recolour(self, label: str, colour: str) -> bool:
        """Give the group ``label`` the ``#rrggbb`` colour ``colour``."""
        return self._try(lambda: self.edit(self.rules.edited(label, colour=colour)))

    def move(self, offset: int) -> bool:
        """Move the current group ``offset`` places (negative: earlier, it claims its cells first)."""
        label = self.current_label()
        return label is not None and self._select_after(label, self._try(
            lambda: self.edit(self.rules.moved(label, offset))))

    def delete(self) -> bool:
        """Delete the current group (its cells fall to later groups); Undo edit brings it back."""
        label = self.current_label()
        return label is not None and self._try(lambda: self.edit(self.rules.without(label)))

    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        old, new = item.data(0, LABEL_ROLE), item.text(0).strip()
        if column == 0 and new != old and not self.rename(old, new):
            self.groups.blockSignals(True)
            item.setText(0, old)  # a refused name goes back; the status says why
            self.groups.blockSignals(False)

    def _choose_colour(self) -> None:
        label = self.current_label()
        colour = QColorDialog.getColor(QColor(self.rules.colours[label]), self, f"Colour of {label}")
        if colour.isValid():
            self.recolour(label, colour.name())

    # -- files ------------------------------------------------------------------------------------
    def save(self) -> Path:
        """Keep the rules for this dataset; they apply the next time it opens."""
        path = write_rules(self.rules, self.kept_path())
        self.saved = True
        self.refresh(f"Saved: these rules apply whenever this dataset opens ({path}).")
        return path

    def load_file(self, path: str | Path) -> bool:
        """Apply the rule file ``path`` (undoably); every group must match a cell of this dataset."""
        def change() -> None:
            rules = load_rules(path)
            check_fits(self.session.connectome, rules)
            self.edit(rules)

        return self._try(change)

    def export(self, path: str | Path) -> Path:
        """Write the rules to ``path``."""
        path = write_rules(self.rules, path)
        self.status.setText(f"Written to {path}.")
        return path

    def forget(self) -> None:
        """Delete the kept rules of this dataset and use the shipped ones (Undo edit brings the
        rules back, for this session; Save keeps them again)."""
        self.kept_path().unlink(missing_ok=True)
        self.edit(self.shipped or blank_rules())
        self.saved = True
        self.refresh()

    def _choose_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Apply a subsystem rule file", "", "Rule files (*.toml)")
        if path:
            self.load_file(path)

    def _choose_export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Write the subsystem rules", "subsystems.toml",
                                              "Rule files (*.toml)")
        if path:
            self.export(path)

    # -- lesions and drive, through the browser ---------------------------------------------------
    def lesion(self, mode: str | None) -> None:
        """Lesion the current group as ``mode`` (None lifts its lesion)."""
        key = self.group_key(self.current_label() or "")
        if key is not None:
            self.lesionRequested.emit(key, mode)

    def _lesion_menu(self) -> None:
        menu = QMenu(self)
        for mode, text in ((None, "No lesion"), ("silence", "Silence (clamp at rest)"),
                           ("ablate", "Ablate (remove with synapses)")):
            menu.addAction(text).triggered.connect(lambda _=False, m=mode: self.lesion(m))
        button = self.buttons["lesion"]
        menu.exec(button.mapToGlobal(button.rect().bottomLeft()))

    def _toggle_drive(self) -> None:
        key = self.group_key(self.current_label() or "")
        if key is not None:
            self.driveRequested.emit(key, key not in self.session.experiment.stimuli)


def install_subsystems_dock(window) -> SubsystemsPanel:
    """Give the main window a Subsystems dock, a tab beside the browser; its Lesion and Drive go
    through the browser (the same commands and history as the browser's right-click menu)."""

    def selection() -> tuple[np.ndarray, str]:
        session, key = window.session, window.browser.current_key()
        if session is None:
            return np.zeros(0, np.int64), ""
        if key is not None and key in session.tree.by_key:
            node = session.tree.find(key)
            return node.rows, f"the browser's group {node.label}"
        if session.selected >= 0:
            return np.array([session.selected]), f"the cell {session.cell_label(session.selected)}"
        return np.zeros(0, np.int64), ""

    panel = SubsystemsPanel(window.settings, selection)
    dock = window._dock("Subsystems", panel, Qt.DockWidgetArea.LeftDockWidgetArea)
    window.docks["subsystems"] = dock
    window.tabifyDockWidget(window.docks["browser"], dock)
    window.docks["browser"].raise_()
    panel.lesionRequested.connect(window.browser.set_lesion)
    panel.driveRequested.connect(window.browser.driveRequested)
    return panel
