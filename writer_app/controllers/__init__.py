"""The only wiring between the GUI and inference: one controller per concern, built
and ended together by EditorController (see editor.py for the list)."""

from writer_app.controllers.editor import EditorController

__all__ = ["EditorController"]
