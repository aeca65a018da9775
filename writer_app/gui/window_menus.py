"""The main window's actions, menus and toolbar, built onto the window.

Like a Designer form's setupUi(): each builder sets attributes on the window
(`window.action_save`, `window.menu_view`, …), which the window, its controllers and
the tests use by name. The slots the actions call are the window's own methods.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QToolBar

from writer_app import APP_DISPLAY_NAME
from writer_app.gui.theme import THEMES
from writer_app.gui.writing_actions import WritingActions


def _action(window, text: str, slot=None, shortcut=None, *, tip: str = "",
            role: QAction.MenuRole | None = None) -> QAction:
    action = QAction(text, window)
    if shortcut is not None:
        shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
        action.setShortcuts([QKeySequence(s) for s in shortcuts])
    if tip:
        action.setStatusTip(tip)
    if role is not None:
        action.setMenuRole(role)
    if slot is not None:
        action.triggered.connect(slot)
    return action

def build_actions(window) -> None:
    """The window's actions, as attributes of the window (action_new, action_open, …)."""
    keys, roles = QKeySequence.StandardKey, QAction.MenuRole
    window.action_new = _action(window, "&New", window.new_document, keys.New)
    window.action_open = _action(window, "&Open…", window.open_file, keys.Open)
    window.action_save = _action(window, "&Save", window.save, keys.Save)
    window.action_save_as = _action(window, "Save &As…", window.save_as, "Ctrl+Shift+S")
    window.action_quit = _action(window, "&Quit", window.close, "Ctrl+Q", role=roles.QuitRole)
    window.action_clear_recent = _action(window, "&Clear Recent", window.clear_recent_files)

    ed = window.editor
    window.action_undo = _action(window, "&Undo", ed.undo, keys.Undo)
    window.action_redo = _action(window, "&Redo", ed.redo, keys.Redo)
    window.action_cut = _action(window, "Cu&t", ed.cut, keys.Cut)
    window.action_copy = _action(window, "&Copy", ed.copy, keys.Copy)
    window.action_paste = _action(window, "&Paste", ed.paste, keys.Paste)
    window.action_select_all = _action(window, "Select &All", ed.selectAll, keys.SelectAll)
    for action in (window.action_undo, window.action_redo, window.action_cut, window.action_copy):
        action.setEnabled(False)
    window.action_find = _action(window, "&Find…", window.find_bar.open_bar, keys.Find)
    window.action_replace = _action(window, "R&eplace…", window.find_bar.open_replace,
                                       "Ctrl+H")
    window.action_find_next = _action(window, "Find &Next", window._on_find_next, keys.FindNext)
    window.action_find_previous = _action(window, "Find Pre&vious", window._on_find_previous,
                                             keys.FindPrevious)
    # The controller opens the dialog: it holds what the Models page needs.
    window.action_preferences = _action(window,
        "Pr&eferences…", window._on_preferences_triggered, "Ctrl+,",
        tip="Models, suggestions, grammar and editor settings", role=roles.PreferencesRole)

    window.action_zoom_in = _action(window, "Zoom &In", window.zoom_in, [keys.ZoomIn, "Ctrl+="])
    window.action_zoom_out = _action(window, "Zoom &Out", window.zoom_out, keys.ZoomOut)
    window.action_zoom_reset = _action(window, "&Reset Zoom", window.zoom_reset, "Ctrl+0")
    window.action_status_bar = _action(window, "&Status Bar")
    window.action_status_bar.setCheckable(True)
    window.action_status_bar.setChecked(True)
    window.action_status_bar.toggled.connect(window._on_status_bar_toggled)
    _build_theme_actions(window)
    window.action_about = _action(window, f"&About {APP_DISPLAY_NAME}", window._show_about,
                                     role=roles.AboutRole)
    # The grammar controller connects it: check everything, then list it.
    window.action_check_document = _action(window,
        "&Check Document", None, "F7",
        tip="Check the whole document and list its issues, with Fix all after a review")
    window.action_personalize = _action(window,   # the controller connects it
        "&Personalize…", None, tip="Train suggestions on your own writing: pick "
        "documents, Start, watch the progress, then use the new adapter")
    window.action_shortcuts = _action(window, "&Keyboard Shortcuts", window._show_shortcuts,
                                         ["F1", "Ctrl+/"])
    _build_writing_actions(window)

def _build_writing_actions(window) -> None:
    # The controller connects these and enables them once a model is ready.
    window.writing_actions = WritingActions(window)
    window.action_continue = window.writing_actions.continue_
    window.action_try_again = window.writing_actions.try_again
    window.action_stop = window.writing_actions.stop

def _build_theme_actions(window) -> None:
    window._theme_group = QActionGroup(window)
    window._theme_group.setExclusive(True)
    window.theme_actions: dict[str, QAction] = {}
    for theme in THEMES:
        action = _action(window, theme.capitalize(),
                         lambda _=False, t=theme: window.set_theme(t))
        action.setCheckable(True)
        window._theme_group.addAction(action)
        window.theme_actions[theme] = action

def build_menus(window) -> None:
    """File, Edit, View, Tools and Help, from the actions build_actions made."""
    bar = window.menuBar()
    window.menu_file = bar.addMenu("&File")
    window.menu_file.addActions([window.action_new, window.action_open])
    window.menu_recent = window.menu_file.addMenu("Open &Recent")
    window.menu_file.addSeparator()
    window.menu_file.addActions([window.action_save, window.action_save_as])
    window.menu_file.addSeparator()
    window.menu_file.addAction(window.action_quit)

    window.menu_edit = bar.addMenu("&Edit")
    window.menu_edit.addActions([window.action_undo, window.action_redo])
    window.menu_edit.addSeparator()
    window.menu_edit.addActions([window.action_cut, window.action_copy, window.action_paste,
                               window.action_select_all])
    window.menu_edit.addSeparator()
    window.menu_edit.addActions([window.action_find, window.action_replace,
                               window.action_find_next, window.action_find_previous])
    window.menu_edit.addSeparator()
    window.menu_edit.addActions(window.writing_actions.all())
    window.menu_edit.addSeparator()
    window.menu_edit.addAction(window.action_preferences)

    window.menu_view = bar.addMenu("&View")
    window.menu_view.addActions([window.action_zoom_in, window.action_zoom_out,
                               window.action_zoom_reset])
    window.menu_view.addSeparator()
    window.menu_theme = window.menu_view.addMenu("&Theme")
    window.menu_theme.addActions(list(window.theme_actions.values()))
    window.menu_view.addAction(window.action_status_bar)

    window.menu_tools = bar.addMenu("&Tools")
    window.menu_tools.addActions([window.action_check_document, window.action_personalize])

    window.menu_help = bar.addMenu("&Help")
    window.menu_help.addActions([window.action_shortcuts, window.action_about])

def build_toolbar(window) -> None:
    window.toolbar = QToolBar("Writing toolbar", window)
    window.toolbar.setObjectName("writingToolbar")  # saveState() needs a name
    window.toolbar.setMovable(False)
    window.toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
    window.toolbar.addActions(window.writing_actions.all())
    window.addToolBar(Qt.ToolBarArea.TopToolBarArea, window.toolbar)
    action = window.toolbar.toggleViewAction()
    action.setText("Tool&bar")
    window.menu_view.insertAction(window.action_status_bar, action)
