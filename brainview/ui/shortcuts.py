"""Keyboard shortcuts work wherever the focus is, unless a text field is being edited.

Qt asks the focused widget first (a ``ShortcutOverride`` event) whether it wants a key for
itself: a text field rightly keeps Space and letters, so after typing a selector Space typed a
space instead of playing. :class:`ShortcutFilter` makes Esc in a text field leave it (the focus
goes back to the window), so that the next Space plays again; elsewhere Esc keeps its own
shortcut (clearing the selection).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QTextEdit, QWidget

_TEXT_WIDGETS = (QLineEdit, QAbstractSpinBox, QTextEdit, QPlainTextEdit)


def is_text_field(widget: QObject | None) -> bool:
    """True for a widget the user types text into (an editable combo box's line edit included)."""
    if isinstance(widget, QComboBox):
        return widget.isEditable()
    if isinstance(widget, (QTextEdit, QPlainTextEdit)):
        return not widget.isReadOnly()
    return isinstance(widget, _TEXT_WIDGETS)


class ShortcutFilter(QObject):
    """An application event filter: Esc in one of the window's text fields leaves the field.

    Parameters
    ----------
    window : QWidget
        The main window; Esc in one of its text fields hands the focus to it.
    """

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window = window

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 (Qt API)
        if event.type() != QEvent.Type.ShortcutOverride or not is_text_field(watched):
            return False
        if event.key() == Qt.Key.Key_Escape and watched.window() is self.window:
            # Leave the field (rather than clear the 3D selection, Esc's shortcut elsewhere).
            watched.clearFocus()
            self.window.setFocus()
            event.accept()
            return True
        return False
