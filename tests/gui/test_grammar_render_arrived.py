"""While a check runs, each batch of results redraws only its own sentences: what is
shown after every batch is what drawing the whole document would show."""

from __future__ import annotations

import random

from PySide6.QtGui import QTextCursor

from writer_app.core.grammar_check import split_units
from writer_app.core.shown_issues import ShownIssues

SENTENCES = ("Teh cat sat.", "She go home.", "It is very very late.", "A wrold apart.",
             "Nothing here.", "We recieve mail.", "An cat came.", "Plain words \U0001f600.")


def _document(rng: random.Random, paragraphs: int = 12) -> str:
    return "\n\n".join(" ".join(rng.choice(SENTENCES) + f" Line {p} {n}." for n in range(4))
                       for p in range(paragraphs))


def test_every_batch_shows_what_a_full_drawing_would(app_parts, qtbot, grammar_checker):
    window, controller = app_parts
    grammar = controller.grammar
    qtbot.waitUntil(lambda: grammar.status is not None, timeout=5000)
    grammar_checker.delay_s = 0.01  # batches arrive one by one
    seen: list[list] = []
    full: list[list] = []

    def compare() -> None:  # the whole document drawn from scratch, changing nothing
        text = window.editor.toPlainText()
        drawn = ShownIssues(text, 0, split_units(text))
        drawn.fill(grammar.cache, grammar._filter)
        seen.append(window.editor.issues())
        full.append(drawn.issues())

    grammar.sig_issues_updated.connect(compare)
    rng = random.Random(5)
    with qtbot.waitSignal(grammar.sig_check_finished, timeout=20000):
        window._replace_document(_document(rng), None, modified=False)
    assert len(seen) >= 2 and seen == full
    assert seen[-1] and len(grammar_checker.calls) > 2  # several batches
    # An edit while a check runs: the next batch finds another text and draws it all.
    seen.clear()
    full.clear()
    cursor = QTextCursor(window.editor.document())
    cursor.insertText("Teh start. ")
    with qtbot.waitSignal(grammar.sig_check_finished, timeout=20000):
        grammar.check_now()
        QTextCursor(window.editor.document()).insertText("Wrold. ")
    grammar.check_now()
    qtbot.waitUntil(lambda: not grammar.is_checking(), timeout=20000)
    assert seen == full
    starts = {i.start for i in grammar.render()}
    assert {0, 7} <= starts  # "Wrold" and "Teh" at the top, where they are now
