"""MainWindow without a model: files, prompts, recent files, recovery, theme, status bar."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication, QMessageBox

from writer_app.core.recovery import RecoveryEntry, RecoveryStore
from writer_app.core.settings import EditorSettings, Settings
from writer_app.gui import theme as theme_module
from writer_app.gui.main_window import MAX_RECENT, MainWindow
from writer_app.gui.prose_font import is_proportional, prose_font
from writer_app.gui.resources import app_icon, resource_path
from writer_app.gui.settings_store import SettingsStore
from writer_app.gui.theme import (
    apply_theme,
    ghost_text_color,
    is_dark,
    make_palette,
    pending_text_background,
)

Button = QMessageBox.StandardButton
SAMPLE = "# Café notes\n\nZoë’s naïve façade — 東京, 👩‍💻, a\u00a0no-break space.\n"


@dataclass
class Dialogs:
    """Stands in for every dialog; an unexpected prompt fails the test."""

    errors: list[tuple[str, str]] = field(default_factory=list)
    save_answers: list[Button] = field(default_factory=list)
    restore_answers: list[bool] = field(default_factory=list)
    restore_asked: list[RecoveryEntry] = field(default_factory=list)
    save_path: Path | None = None
    open_path: Path | None = None

    def install(self, window: MainWindow) -> None:
        window._show_error = lambda title, text: self.errors.append((title, text))
        window._ask_save_changes = self._ask_save_changes
        window._ask_restore = self._ask_restore
        window._choose_save_path = lambda: self.save_path
        window._choose_open_path = lambda: self.open_path

    def _ask_save_changes(self) -> Button:
        assert self.save_answers, "unexpected unsaved-changes prompt"
        return self.save_answers.pop(0)

    def _ask_restore(self, entry: RecoveryEntry) -> bool:
        self.restore_asked.append(entry)
        return self.restore_answers.pop(0)


@pytest.fixture(autouse=True)
def private_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A fresh gui.ini per test: recent files and geometry must not leak between tests.
    config = tmp_path / "config"
    monkeypatch.setenv("WRITER_APP_CONFIG_DIR", str(config))
    return config


@pytest.fixture
def make_window(qtbot):
    windows: list[MainWindow] = []  # strong references; qtbot keeps only weak ones

    def make(settings: Settings | None = None, recovery: RecoveryStore | None = None,
             dialogs: Dialogs | None = None) -> tuple[MainWindow, Dialogs]:
        window = MainWindow(SettingsStore(settings), recovery)
        dialogs = dialogs or Dialogs()
        dialogs.install(window)
        # pytest-qt closes its widgets before fixtures tear down: skip the prompt.
        qtbot.addWidget(window, before_close_func=lambda w: w.editor.document().setModified(False))
        windows.append(window)
        return window, dialogs

    yield make
    for window in windows:
        window.editor.document().setModified(False)
        window.close()
    windows.clear()
    apply_theme(QApplication.instance(), "system")


@pytest.fixture
def window(make_window) -> MainWindow:
    return make_window()[0]


def type_text(qtbot, window: MainWindow, text: str) -> None:
    qtbot.keyClicks(window.editor, text)


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# --- files ------------------------------------------------------------------------


def test_save_and_open_round_trip_keeps_utf8_text_exactly(make_window, tmp_path: Path) -> None:
    window, _ = make_window()
    window.editor.setPlainText(SAMPLE)
    window.editor.document().setModified(True)
    target = tmp_path / "notes.md"

    assert window.save_to(target)

    assert target.read_bytes() == SAMPLE.encode("utf-8")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config", "notes.md"]  # no temp files
    assert not window.is_modified()
    assert window.current_path == target
    assert window.windowTitle().startswith("notes.md[*]")

    other, _ = make_window()
    assert other.open_path(target)
    assert other.document_text() == SAMPLE
    assert other.current_path == target
    assert not other.is_modified()


def test_title_tracks_modified_state(qtbot, window: MainWindow) -> None:
    assert window.windowTitle() == "Untitled[*] — Writer"
    assert not window.isWindowModified()
    type_text(qtbot, window, "Hi")
    assert window.isWindowModified()
    window.editor.undo()
    assert not window.isWindowModified()


def test_open_non_utf8_file_reports_and_changes_nothing(make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    good = tmp_path / "good.txt"
    good.write_text("original text", encoding="utf-8")
    assert window.open_path(good)
    latin1 = tmp_path / "latin1.txt"
    latin1.write_bytes("café au lait".encode("latin-1"))

    assert not window.open_path(latin1)

    assert len(dialogs.errors) == 1
    assert "UTF-8" in dialogs.errors[0][1]
    assert window.document_text() == "original text"
    assert window.current_path == good
    assert str(latin1) not in window.recent_files()


def test_open_missing_file_keeps_unsaved_document(qtbot, make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    type_text(qtbot, window, "unsaved words")
    dialogs.save_answers = [Button.Discard]

    assert not window.open_path(tmp_path / "missing.md")

    assert "does not exist" in dialogs.errors[0][1]
    assert window.document_text() == "unsaved words"
    assert window.is_modified()
    assert window.current_path is None


def test_save_into_read_only_folder_fails_and_keeps_document_modified(
        qtbot, make_window, tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        if os.access(locked, os.W_OK):
            pytest.skip("running as root: a read-only folder is still writable")
        window, dialogs = make_window()
        type_text(qtbot, window, "precious")
        assert not window.save_to(locked / "doc.md")
        assert dialogs.errors and dialogs.errors[0][0] == "Cannot save file"
        assert window.is_modified()
        assert window.document_text() == "precious"
        assert window.current_path is None
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(stat.S_IRWXU)


def test_save_into_missing_folder_fails_and_keeps_document_modified(
        qtbot, make_window, tmp_path: Path) -> None:
    # Unlike chmod, this fails for root too.
    window, dialogs = make_window()
    type_text(qtbot, window, "precious")
    assert not window.save_to(tmp_path / "no-such-folder" / "doc.md")
    assert dialogs.errors[0][0] == "Cannot save file"
    assert "doc.md" in dialogs.errors[0][1]
    assert window.is_modified()
    assert window.document_text() == "precious"
    assert window.current_path is None
    assert window.isWindowModified()


def test_save_without_path_asks_for_one(qtbot, make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    type_text(qtbot, window, "draft")
    dialogs.save_path = None  # the user cancels the dialog
    assert not window.save()
    assert window.is_modified()
    dialogs.save_path = tmp_path / "draft.txt"
    assert window.save()
    assert (tmp_path / "draft.txt").read_text(encoding="utf-8") == "draft"
    assert window.current_path == tmp_path / "draft.txt"


def test_open_file_through_the_dialog(make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    path = tmp_path / "chosen.markdown"
    path.write_text("chosen", encoding="utf-8")
    dialogs.open_path = path
    assert window.open_file()
    assert window.document_text() == "chosen"
    dialogs.open_path = None  # cancelled
    assert not window.open_file()
    assert window.current_path == path


# --- unsaved-changes prompt -----------------------------------------------------------


def test_prompt_cancel_keeps_the_document(qtbot, make_window) -> None:
    window, dialogs = make_window()
    type_text(qtbot, window, "keep me")
    dialogs.save_answers = [Button.Cancel]
    with qtbot.assertNotEmitted(window.sig_document_replaced):
        assert not window.new_document()
    assert window.document_text() == "keep me"
    assert window.is_modified()
    assert dialogs.save_answers == []


def test_prompt_discard_proceeds(qtbot, make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    type_text(qtbot, window, "throw away")
    other = tmp_path / "other.md"
    other.write_text("other file", encoding="utf-8")
    dialogs.save_answers = [Button.Discard]
    with qtbot.waitSignal(window.sig_document_replaced, timeout=1000):
        assert window.open_path(other)
    assert window.document_text() == "other file"
    assert not window.is_modified()


def test_prompt_save_saves_then_proceeds(qtbot, make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    path = tmp_path / "first.md"
    path.write_text("first", encoding="utf-8")
    assert window.open_path(path)
    type_text(qtbot, window, "edited ")
    dialogs.save_answers = [Button.Save]

    assert window.new_document()

    assert path.read_text(encoding="utf-8") == "edited first"
    assert window.document_text() == ""
    assert window.current_path is None


def test_prompt_save_that_is_cancelled_aborts(qtbot, make_window) -> None:
    window, dialogs = make_window()
    type_text(qtbot, window, "untitled work")
    dialogs.save_answers = [Button.Save]
    dialogs.save_path = None  # Save As dialog cancelled
    assert not window.new_document()
    assert window.document_text() == "untitled work"


def test_close_with_unsaved_changes_and_cancel_keeps_window_open(qtbot, make_window) -> None:
    window, dialogs = make_window()
    window.show()
    qtbot.waitExposed(window)
    type_text(qtbot, window, "not yet")
    dialogs.save_answers = [Button.Cancel]
    assert not window.close()
    assert window.isVisible()
    assert window.document_text() == "not yet"

    dialogs.save_answers = [Button.Discard]
    assert window.close()
    assert not window.isVisible()


# --- recent files ----------------------------------------------------------------------


def test_recent_files_are_updated_and_capped(make_window, tmp_path: Path) -> None:
    window, _ = make_window()
    paths = []
    for index in range(MAX_RECENT + 2):
        path = tmp_path / f"doc{index}.md"
        path.write_text(f"text {index}", encoding="utf-8")
        assert window.open_path(path)
        paths.append(str(path))
    assert window.open_path(paths[5])  # reopening moves it to the front

    recent = window.recent_files()
    expected = [paths[5]] + [p for p in reversed(paths) if p != paths[5]]
    assert recent == expected[:MAX_RECENT]
    file_actions = [a for a in window.menu_recent.actions() if a.statusTip()]
    assert [a.statusTip() for a in file_actions] == recent

    # The list outlives the window: a new one reads it back.
    other, _ = make_window()
    assert other.recent_files() == recent

    window.action_clear_recent.trigger()
    assert window.recent_files() == []
    assert not window.action_clear_recent.isEnabled()


def test_open_recent_of_a_vanished_file_drops_it(make_window, tmp_path: Path) -> None:
    window, dialogs = make_window()
    path = tmp_path / "gone.md"
    path.write_text("x", encoding="utf-8")
    assert window.open_path(path)
    path.unlink()
    action = next(a for a in window.menu_recent.actions() if a.statusTip() == str(path))
    action.trigger()
    assert dialogs.errors
    assert window.recent_files() == []


# --- crash recovery --------------------------------------------------------------------


def write_crashed_entry(folder: Path, text: str, original: str | None) -> RecoveryStore:
    crashed = RecoveryStore(folder, pid=dead_pid())
    crashed.save("crashed-doc", text, original)
    return crashed


def test_check_recovery_restores_when_accepted(qtbot, make_window, tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    original = tmp_path / "essay.md"
    original.write_text("old saved text", encoding="utf-8")
    crashed = write_crashed_entry(folder, "unsaved essay — ü", str(original))
    store = RecoveryStore(folder)
    window, dialogs = make_window(recovery=store)
    dialogs.restore_answers = [True]

    with qtbot.waitSignal(window.sig_document_replaced, timeout=1000):
        assert window.check_recovery()

    assert dialogs.restore_asked[0].text == "unsaved essay — ü"
    assert window.document_text() == "unsaved essay — ü"
    assert window.current_path == original
    assert window.is_modified()
    assert window.windowTitle().startswith("essay.md")
    assert not crashed.session_dir.exists()  # old entry handed over ...
    assert [p.read_text(encoding="utf-8") for p in store.session_dir.glob("*.txt")] == [
        "unsaved essay — ü"]  # ... to this session's own copy
    assert original.read_text(encoding="utf-8") == "old saved text"  # not saved behind the back


def test_check_recovery_discards_when_declined(make_window, tmp_path: Path) -> None:
    folder = tmp_path / "recovery"
    crashed = write_crashed_entry(folder, "unwanted", None)
    window, dialogs = make_window(recovery=RecoveryStore(folder))
    dialogs.restore_answers = [False]

    assert not window.check_recovery()

    assert len(dialogs.restore_asked) == 1
    assert window.document_text() == ""
    assert not window.is_modified()
    assert not crashed.session_dir.exists()
    assert RecoveryStore(folder).pending() == []


def test_autosave_writes_a_recovery_copy_and_save_removes_it(
        qtbot, make_window, tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path / "recovery")
    settings = Settings(editor=EditorSettings(autosave_seconds=1))
    window, _ = make_window(settings=settings, recovery=store)
    assert window.autosave_timer.interval() == 1000
    assert window.autosave_timer.isActive()

    type_text(qtbot, window, "typed before a crash")

    def copies() -> list[str]:
        return [p.read_text(encoding="utf-8") for p in store.session_dir.glob("*.txt")]

    qtbot.waitUntil(lambda: copies() == ["typed before a crash"], timeout=5000)
    assert window.save_to(tmp_path / "safe.md")
    assert copies() == []


def test_clean_close_removes_the_recovery_copy(qtbot, make_window, tmp_path: Path) -> None:
    store = RecoveryStore(tmp_path / "recovery")
    window, dialogs = make_window(recovery=store)
    type_text(qtbot, window, "draft")
    assert window.write_recovery()
    assert not window.write_recovery()  # nothing new since the last copy
    assert list(store.session_dir.glob("*.txt"))
    dialogs.save_answers = [Button.Discard]
    assert window.close()
    assert list(store.session_dir.glob("*.txt")) == []


def test_ghost_text_does_not_count_as_an_edit_for_recovery(
        qtbot, make_window, tmp_path: Path) -> None:
    window, _ = make_window(recovery=RecoveryStore(tmp_path / "recovery"))
    editor = window.editor
    type_text(qtbot, window, "The cat")
    assert window.write_recovery()
    assert editor.show_suggestion(" sat.", editor.cursor_position(), editor.revision)
    assert not window.write_recovery()  # painting the suggestion changed nothing to save
    assert window.document_text() == "The cat"


# --- theme, font, status bar, find ---------------------------------------------------


def test_window_icon_has_every_size(window: MainWindow) -> None:
    assert resource_path("icons", "writer-app.svg").is_file()
    sizes = {size.width() for size in window.windowIcon().availableSizes()}
    assert sizes == {16, 24, 32, 48, 64, 128, 256, 512}
    assert not app_icon().pixmap(32, 32).isNull()


def test_theme_switch_applies_dark_palette_and_reports_settings(qtbot, window) -> None:
    app = QApplication.instance()
    with qtbot.waitSignal(window.store.sig_changed, timeout=1000) as blocker:
        window.theme_actions["dark"].trigger()
    assert blocker.args[1].editor.theme == "dark"
    assert window.settings.editor.theme == "dark"
    palette = app.palette()
    assert is_dark(palette)
    window_bg = palette.color(QPalette.ColorRole.Window).lightness()
    assert window_bg < palette.color(QPalette.ColorRole.WindowText).lightness()
    # Widgets pick up an application palette through posted events.
    qtbot.waitUntil(
        lambda: window.editor.palette().color(QPalette.ColorRole.Base).lightness() < 60,
        timeout=1000)

    # Unchecked boxes get a visible outline in the dark theme only.
    assert "QCheckBox::indicator:unchecked" in app.styleSheet()

    window.theme_actions["light"].trigger()
    assert not is_dark(app.palette())
    assert app.styleSheet() == ""
    assert window.theme_actions["light"].isChecked()
    assert not window.theme_actions["dark"].isChecked()


def test_system_theme_follows_os_colour_scheme_changes(window: MainWindow) -> None:
    app = QApplication.instance()
    apply_theme(app, "system")
    theme_module._on_color_scheme_changed(Qt.ColorScheme.Dark)  # as the OS would signal
    assert is_dark(app.palette())
    theme_module._on_color_scheme_changed(Qt.ColorScheme.Light)
    assert not is_dark(app.palette())

    apply_theme(app, "light")  # an explicit choice ignores the OS
    theme_module._on_color_scheme_changed(Qt.ColorScheme.Dark)
    assert not is_dark(app.palette())


def _luminance(color: QColor) -> float:
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4
    return (0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF())
            + 0.0722 * channel(color.blueF()))


def _contrast(a: QColor, b: QColor) -> float:
    high, low = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@pytest.mark.parametrize("dark", [False, True])
def test_ghost_text_is_readable_but_distinct(dark: bool) -> None:
    palette = make_palette(dark)
    base = palette.color(QPalette.ColorRole.Base)
    text = palette.color(QPalette.ColorRole.Text)
    ghost = ghost_text_color(palette)
    assert is_dark(palette) == dark
    assert 3.0 <= _contrast(ghost, base) <= _contrast(text, base) / 2.5
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.Text)
    assert _contrast(disabled, palette.color(QPalette.ColorRole.Window)) >= 2.5


@pytest.mark.parametrize("dark", [False, True])
def test_pending_text_tint_is_soft_and_keeps_text_readable(dark: bool) -> None:
    palette = make_palette(dark)
    base = palette.color(QPalette.ColorRole.Base)
    tint = pending_text_background(palette)
    assert 1.15 <= _contrast(tint, base) <= 2.0  # visible, yet not a selection
    assert _contrast(palette.color(QPalette.ColorRole.Text), tint) >= 7.0
    assert _contrast(ghost_text_color(palette), tint) >= 2.0


def test_font_comes_from_settings_and_zoom_changes_it(make_window) -> None:
    window, _ = make_window(Settings(editor=EditorSettings(font_size=13)))
    assert window.editor.font().family() == prose_font().family()
    assert is_proportional(window.editor.font())  # prose, not code
    assert window.editor.font().pointSize() == 13
    window.action_zoom_in.trigger()
    window.action_zoom_in.trigger()
    assert window.editor.font().pointSize() == 15
    window.action_zoom_reset.trigger()
    assert window.editor.font().pointSize() == 13
    for _ in range(20):
        window.zoom_out()
    assert window.editor.font().pointSize() == 6


def test_status_bar_labels_and_non_modal_notices(window: MainWindow) -> None:
    window.status_bar.set_model_status("SmolLM2-135M", "cpu")
    window.status_bar.set_state("thinking…")
    window.status_bar.set_latency(312.4)
    assert window.status_bar.label_model.text() == "SmolLM2-135M"
    assert window.status_bar.label_device.text() == "cpu"
    assert window.status_bar.label_state.text() == "thinking…"
    assert window.status_bar.label_latency.text() == "312 ms"
    window.status_bar.set_latency(None)
    assert window.status_bar.label_latency.text() == ""

    window.show_notice("Model failed to load: out of memory", error=True)
    assert window.statusBar().currentMessage() == "Model failed to load: out of memory"
    assert window.statusBar().toolTip() == "Model failed to load: out of memory"
    assert "color" in window.statusBar().styleSheet()
    assert QApplication.activeModalWidget() is None
    window.statusBar().clearMessage()
    assert window.statusBar().toolTip() == ""
    assert window.statusBar().styleSheet() == ""

    window.status_bar.set_state("error")
    assert window.status_bar.label_state.styleSheet() != ""
    window.status_bar.set_state("ready")
    assert window.status_bar.label_state.styleSheet() == ""


def test_writing_toolbar_and_alternative_label_without_a_model(window: MainWindow) -> None:
    assert window.toolbar.actions() == [window.action_continue, window.action_try_again,
                                        window.action_stop]
    assert not window.action_continue.isEnabled() and not window.action_stop.isEnabled()
    assert not window.action_try_again.isEnabled()
    assert {s.toString() for s in window.action_continue.shortcuts()} == {
        "Ctrl+Return", "Ctrl+Enter"}
    assert not window.action_continue.icon().isNull()
    window.set_writing_state(available=True, streaming=True)
    assert window.action_stop.isEnabled() and not window.action_continue.isEnabled()
    window.set_writing_state(available=True, streaming=False)
    assert window.action_continue.isEnabled() and not window.action_stop.isEnabled()
    assert not window.action_try_again.isEnabled()  # nothing pending to write again
    window.set_writing_state(available=True, streaming=False, pending=True)
    assert window.action_try_again.isEnabled()

    window.status_bar.set_alternative_index(1, 3)
    assert window.status_bar.label_alternative.text() == "2/3"
    assert not window.status_bar.label_alternative.isHidden()
    window.status_bar.set_alternative_index(None)
    assert window.status_bar.label_alternative.isHidden()


def test_find_bar_finds_wraps_and_closes_with_escape(qtbot, window: MainWindow) -> None:
    window.show()
    qtbot.waitExposed(window)
    window.editor.setPlainText("one fish two fish red fish")
    window.action_find.trigger()
    assert window.find_bar.isVisible()
    window.find_bar.line_edit.setText("fish")
    positions = []
    for _ in range(4):
        assert window.find_bar.find()
        positions.append(window.editor.textCursor().selectionStart())
    assert positions == [4, 13, 22, 4]  # wrapped around to the first
    assert window.find_bar.find(backward=True)
    assert window.editor.textCursor().selectionStart() == 22

    window.find_bar.line_edit.setText("whale")
    assert not window.find_bar.find()
    assert window.find_bar.status_label.text() == "No matches"

    qtbot.keyClick(window.find_bar.line_edit, Qt.Key.Key_Escape)
    assert not window.find_bar.isVisible()


def test_window_geometry_is_restored(make_window) -> None:
    window, _ = make_window()
    window.resize(700, 500)
    window.action_status_bar.setChecked(False)
    assert window.close()
    other, _ = make_window()
    assert (other.width(), other.height()) == (700, 500)
    assert not other.action_status_bar.isChecked()
    assert other.statusBar().isHidden()


def test_start_document_at_a_new_path_saves_there(qtbot, tmp_path):
    from writer_app.gui.main_window import MainWindow

    window = MainWindow(SettingsStore())
    qtbot.addWidget(window)
    target = tmp_path / "new-notes.md"
    assert window.start_document_at(target)
    assert window.current_path == target and window.editor.toPlainText() == ""
    window.editor.insertPlainText("First line")
    assert window.save()
    assert target.read_text(encoding="utf-8") == "First line"
