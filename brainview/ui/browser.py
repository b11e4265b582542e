"""The cell-type browser: subsystem > class > cell type, with counts, search and per-group toggles.

Each row has a visibility check box (parents check and uncheck their children), a colour
swatch (click to paint the group in the 3D view, right-click for a colour of your choice) and a
lesion cell (click for none / silence / ablate). The right-click menu also drives the group,
watches its rate or selects it. All changes go through the :class:`~brainview.ui.session.Session`.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QEvent, QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QBrush, QColor, QFont, QKeySequence, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QColorDialog, QHeaderView, QLineEdit, QMenu, QTreeView, QVBoxLayout, QWidget,
)

from brainview.ui import theme
from brainview.ui.celltree import CellNode
from brainview.ui.session import Session

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
NAME, COUNT, COLOUR, LESION = range(4)
HEADERS = ("Group", "Cells", "", "Lesion")

GROUP_PALETTE = (
    "#ff6b6b", "#ffd23f", "#6ee7a8", "#4fa3ff", "#d08cff", "#ff9f43", "#7fdbff", "#ff5fa2",
    "#c3e88d", "#f8f8f2",
)
"""Colours given to groups in turn when their swatch is first clicked."""


class _SearchProxy(QSortFilterProxyModel):
    """Keeps groups whose label (or, for small cell types, a cell name) contains the search text."""

    def __init__(self, browser: CellTypeBrowser) -> None:
        super().__init__(browser)
        self.browser = browser
        self.text = ""
        self.setRecursiveFilteringEnabled(True)
        self.setAutoAcceptChildRows(True)

    def set_text(self, text: str) -> None:
        self.beginFilterChange()
        self.text = text.strip().lower()
        self.endFilterChange()

    def filterAcceptsRow(self, source_row: int, source_parent: QModelIndex) -> bool:  # noqa: N802 (Qt API)
        if not self.text or self.browser.session is None:
            return True
        key = self.sourceModel().index(source_row, NAME, source_parent).data(KEY_ROLE)
        return self.text in self.browser.session.tree.search_text.get(key, "")


class CellTypeBrowser(QWidget):
    """The tree of groups of the open dataset, with search, visibility, colour and lesion toggles."""

    groupActivated = Signal(str)
    """A group was chosen (clicked or selected with the keyboard); its node key."""

    driveRequested = Signal(str, bool)
    """Drive the group (node key) with the stimulus panel's rate (True), or stop driving it."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session: Session | None = None
        self.items: dict[str, QStandardItem] = {}
        self.lesion_items: dict[str, QStandardItem] = {}
        self.colour_items: dict[str, QStandardItem] = {}
        self._painted: set[str] = set()
        self._lesion_codes: np.ndarray | None = None
        self._own_lesions: dict[str, str] = {}
        self.search = QLineEdit(placeholderText="Search types, classes or cell names  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, len(HEADERS), self)
        self.model.setHorizontalHeaderLabels(HEADERS)
        self.proxy = _SearchProxy(self)
        self.proxy.setSourceModel(self.model)
        self.view = QTreeView()
        self.view.setModel(self.proxy)
        self.view.setUniformRowHeights(True)
        self.view.setAlternatingRowColors(True)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.setEditTriggers(QTreeView.EditTrigger.NoEditTriggers)
        header = self.view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        for column in (COUNT, COLOUR, LESION):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Fixed)
        self.model.horizontalHeaderItem(COLOUR).setToolTip("Colour in the 3D view (click a row's cell)")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.search)
        layout.addWidget(self.view)
        self._propagating = False
        self._visibility_timer = QTimer(self, singleShot=True, interval=0)
        self._visibility_timer.timeout.connect(self._apply_visibility)
        self.search.textChanged.connect(self._on_search)
        self.model.itemChanged.connect(self._on_item_changed)
        self.view.clicked.connect(self._on_clicked)
        self.view.customContextMenuRequested.connect(self._on_context_menu)
        self.view.selectionModel().currentRowChanged.connect(self._on_current_changed)
        for text, shortcut, slot in (
            ("Silence group", "L", lambda: self._lesion_current("silence")),
            ("Ablate group", "Shift+L", lambda: self._lesion_current("ablate")),
        ):
            action = QAction(text, self.view, shortcut=QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            action.triggered.connect(slot)
            self.view.addAction(action)

    # -- building ---------------------------------------------------------------------------
    def _size_columns(self) -> None:
        """Fit the fixed columns to their widest text at the present font."""
        # The panel's font, which the tree inherits: at a font change the panel hears first.
        metrics, header = self.fontMetrics(), self.view.header()
        count = f"{self.session.tree.root.count:,}" if self.session is not None else "000,000"
        for column, sample in ((COUNT, count), (COLOUR, "MM"), (LESION, "(lesioned)")):
            header.resizeSection(column, max(metrics.horizontalAdvance(sample), metrics.horizontalAdvance(HEADERS[column])) + 16)

    def changeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().changeEvent(event)
        if event.type() == QEvent.Type.FontChange:  # View > Larger text, presentation mode
            self._size_columns()

    def set_session(self, session: Session) -> None:
        """Show the groups of ``session``'s dataset (and follow its subsystem rules)."""
        self.session = session
        self._build()
        session.lesionsChanged.connect(self.refresh_lesions)
        session.appearanceChanged.connect(self.refresh_colours)
        session.subsystemsChanged.connect(self._build)

    def _build(self) -> None:
        session = self.session
        self.items.clear()
        self.lesion_items.clear()
        self.colour_items.clear()
        self._painted = set()
        self._lesion_codes, self._own_lesions = None, {}
        # Removed with signals on, so the search proxy and the view drop their indexes of the old
        # rows (a tree rebuilt under a current row otherwise crashes the next paint); the new rows
        # are added silently, then announced at once.
        self.model.removeRows(0, self.model.rowCount())
        self.model.blockSignals(True)
        for node in session.tree.root.children:
            self.model.appendRow(self._make_row(node))
        self.model.blockSignals(False)
        self.model.layoutChanged.emit()
        self._size_columns()
        self.view.expandToDepth(0)
        self.refresh_lesions()
        self.refresh_colours()

    def _make_row(self, node: CellNode) -> list[QStandardItem]:
        name = QStandardItem(node.label)
        name.setData(node.key, KEY_ROLE)
        name.setCheckable(True)
        name.setCheckState(Qt.CheckState.Checked)
        name.setToolTip(f"{node.column.replace('_', ' ')}: {node.label}\n{node.count:,} cells")
        count = QStandardItem(f"{node.count:,}")
        count.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        colour = QStandardItem("")
        colour.setToolTip("Click: paint this group in the 3D view. Right-click: choose a colour.")
        lesion = QStandardItem("")
        lesion.setToolTip("Click to silence or ablate this group")
        row = [name, count, colour, lesion]
        for item in row:
            item.setEditable(False)
            item.setData(node.key, KEY_ROLE)
        if node.children:
            for child in node.children:
                name.appendRow(self._make_row(child))
        self.items[node.key] = name
        self.colour_items[node.key] = colour
        self.lesion_items[node.key] = lesion
        return row

    # -- refresh from the session -----------------------------------------------------------
    def refresh_lesions(self) -> None:
        """Show every group's own lesion, and mark groups lesioned through another group.

        Only rows whose text changes are touched, so a lesion costs little even with the
        thousands of groups of a whole fly brain.
        """
        session = self.session
        tree = session.tree
        hit = tree.marked_counts(session.lesion_state() > 0)
        total = np.array([node.count for node in tree.node_list])
        state = np.where(hit == 0, 0, np.where(hit == total, 2, 1))
        own = {key: lesion.mode for key, lesion in session.experiment.lesions.items()}
        changed = set(np.flatnonzero(state != self._lesion_codes).tolist()) if self._lesion_codes is not None \
            else set(range(len(tree.node_list)))
        changed |= {tree.node_position[key] for key in own.keys() | self._own_lesions.keys() if key in tree.node_position}
        self._lesion_codes, self._own_lesions = state, own
        bold = QFont(self.view.font())
        bold.setBold(True)
        for index in changed:
            key = tree.node_list[index].key
            if key in own:
                text, colour, font = ("silenced" if own[key] == "silence" else "ablated"), theme.LESION, bold
            else:
                text, colour, font = (("", theme.TEXT), ("(partly)", theme.MUTED), ("(lesioned)", theme.LESION))[state[index]] \
                    + (self.view.font(),)
            item = self.lesion_items[key]
            if item.text() != text or item.font() != font:
                item.setText(text)
                item.setForeground(QBrush(QColor(colour)))
                item.setFont(font)

    def refresh_colours(self) -> None:
        """Show a swatch on every coloured group (and clear the swatches of the others)."""
        painted = set(self.session.colours)
        for key in painted | self._painted:
            colour = self.session.colours.get(key)
            swatch = self.colour_items.get(key)
            if swatch is not None:
                swatch.setBackground(QBrush(colour) if colour is not None else QBrush())
        self._painted = painted

    # -- user actions ---------------------------------------------------------------------------
    def current_key(self) -> str | None:
        """Key of the group under the keyboard cursor, or None."""
        index = self.view.currentIndex()
        return index.data(KEY_ROLE) if index.isValid() else None

    def reveal(self, key: str) -> None:
        """Expand the tree to the group ``key`` and make it current."""
        item = self.items.get(key)
        if item is None:
            return
        if self.search.text():
            self.search.clear()
        index = self.proxy.mapFromSource(item.index())
        self.view.scrollTo(index)
        self.view.setCurrentIndex(index)

    def set_lesion(self, key: str, mode: str | None) -> None:
        """Lesion the group ``key`` as ``mode`` (None lifts its lesion)."""
        self.session.lesion(self.session.tree.find(key).target(), mode)

    def toggle_colour(self, key: str) -> None:
        """Paint the group ``key`` in its next palette colour, or clear its colour."""
        if key in self.session.colours:
            self.session.set_colour(key, None)
        else:
            colour = GROUP_PALETTE[len(self.session.colours) % len(GROUP_PALETTE)]
            self.session.set_colour(key, QColor(colour))

    def _lesion_current(self, mode: str) -> None:
        key = self.current_key()
        if key is None or self.session is None:
            return
        current = self.session.experiment.lesions.get(key)
        self.set_lesion(key, None if current is not None and current.mode == mode else mode)

    def _on_search(self, text: str) -> None:
        self.proxy.set_text(text)
        if text.strip():
            self.view.expandAll()
        else:
            self.view.collapseAll()
            self.view.expandToDepth(0)

    def _on_item_changed(self, item: QStandardItem) -> None:
        if item.column() != NAME or not item.isCheckable() or self._propagating:
            return
        self._propagating = True  # the check states set below come back here
        try:
            state = item.checkState()
            if state != Qt.CheckState.PartiallyChecked:
                _set_descendants(item, state)
            parent = item.parent()
            while parent is not None:
                states = {parent.child(r, NAME).checkState() for r in range(parent.rowCount())}
                parent.setCheckState(states.pop() if len(states) == 1 else Qt.CheckState.PartiallyChecked)
                parent = parent.parent()
        finally:
            self._propagating = False
        self._visibility_timer.start()

    def _apply_visibility(self) -> None:
        session = self.session
        hidden = np.zeros(session.connectome.n, bool)
        for leaf in session.tree.leaves:
            item = self.items.get(leaf.key)
            if item is not None and item.checkState() == Qt.CheckState.Unchecked:
                hidden[leaf.rows] = True
        if not np.array_equal(hidden, session.hidden):
            session.set_hidden_mask(hidden)

    def _on_clicked(self, index: QModelIndex) -> None:
        key = index.data(KEY_ROLE)
        if key is None:
            return
        if index.column() == COLOUR:
            self.toggle_colour(key)
        elif index.column() == LESION:
            self._lesion_menu(key).exec(self.view.viewport().mapToGlobal(self.view.visualRect(index).bottomLeft()))

    def _on_current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        key = current.data(KEY_ROLE)
        if key is not None:
            self.groupActivated.emit(key)

    def _lesion_menu(self, key: str) -> QMenu:
        menu = QMenu(self)
        current = self.session.experiment.lesions.get(key)
        for mode, text in ((None, "No lesion"), ("silence", "Silence (clamp at rest)"), ("ablate", "Ablate (remove with synapses)")):
            action = menu.addAction(text)
            action.setCheckable(True)
            action.setChecked((current.mode if current else None) == mode)
            action.triggered.connect(lambda _=False, m=mode: self.set_lesion(key, m))
        return menu

    def _on_context_menu(self, position) -> None:
        index = self.view.indexAt(position)
        key = index.data(KEY_ROLE)
        if key is None:
            return
        node = self.session.tree.find(key)
        menu = QMenu(self)
        lesion_menu = self._lesion_menu(key)
        lesion_menu.setTitle("Lesion")
        menu.addMenu(lesion_menu)
        stimulated = key in self.session.experiment.stimuli
        drive = menu.addAction("Stop driving" if stimulated else "Drive (Poisson input)")
        drive.triggered.connect(lambda: self.driveRequested.emit(key, not stimulated))
        watched = key in self.session.groups
        watch = menu.addAction("Stop tracing rate" if watched else "Trace population rate")
        watch.triggered.connect(lambda: self.session.watch(node.target(), not watched))
        menu.addSeparator()
        colour = menu.addAction("Choose colour...")
        colour.triggered.connect(lambda: self._choose_colour(key))
        if key in self.session.colours:
            menu.addAction("Clear colour").triggered.connect(lambda: self.session.set_colour(key, None))
        menu.addAction("Select first cell").triggered.connect(lambda: self.session.select(int(node.rows[0])))
        menu.exec(self.view.viewport().mapToGlobal(position))

    def _choose_colour(self, key: str) -> None:
        start = self.session.colours.get(key, QColor(GROUP_PALETTE[0]))
        colour = QColorDialog.getColor(start, self, "Colour of the group")
        if colour.isValid():
            self.session.set_colour(key, colour)


def _set_descendants(item: QStandardItem, state: Qt.CheckState) -> None:
    for row in range(item.rowCount()):
        child = item.child(row, NAME)
        child.setCheckState(state)
        _set_descendants(child, state)
