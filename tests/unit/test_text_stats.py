from writer_app.core.text_stats import count_characters, count_words, session_words


def test_words_are_counted_as_writers_count_them():
    assert count_words("") == 0
    assert count_words("Don't stop — it's well-known.") == 4
    assert count_words("one,two three\nfour  5") == 5
    assert count_words("— … !") == 0


def test_characters_leave_out_line_breaks_and_sessions_never_go_negative():
    assert count_characters("ab\ncd") == 4
    assert session_words(120, 100) == 20 and session_words(90, 100) == 0
