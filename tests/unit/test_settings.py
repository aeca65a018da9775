import dataclasses

from writer_app.core.settings import (
    CompletionSettings,
    EditorSettings,
    GrammarSettings,
    ModelSettings,
    Settings,
    ensure_settings_file,
    load_settings,
    save_settings,
)


def test_round_trip(tmp_path):
    path = tmp_path / "settings.toml"
    settings = Settings(completion=dataclasses.replace(
        CompletionSettings(), debounce_ms=450, temperature=0.7))
    save_settings(settings, path)
    loaded, warnings = load_settings(path)
    assert loaded == settings and warnings == []


def test_first_start_writes_every_default_with_comments(tmp_path):
    path = tmp_path / "sub" / "settings.toml"
    settings, warnings = ensure_settings_file(path)
    assert settings == Settings() and warnings == []
    text = path.read_text()
    assert "debounce_ms = 300" in text and "# Pause after typing" in text


def test_bad_values_fall_back_with_warnings_and_a_backup(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[completion]\ndebounce_ms = "soon"\ntemperature = 9.0\ntop_p = 0.5\n'
                    '[editor]\ntheme = "purple"\nmystery = 1\n')
    settings, warnings = load_settings(path)
    assert settings.completion.debounce_ms == 300
    assert settings.completion.temperature == 0.0
    assert settings.completion.top_p == 0.5  # the good value is kept
    assert settings.editor.theme == "system"
    assert len(warnings) == 4
    assert list(tmp_path.glob("settings.toml.bad-*"))


def test_corrupt_file_loads_defaults_and_is_kept_aside(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[completion\nthis is not toml")
    settings, warnings = load_settings(path)
    assert settings == Settings()
    assert "could not be read" in warnings[0]
    backups = list(tmp_path.glob("settings.toml.bad-*"))
    assert backups and backups[0].read_text().startswith("[completion")


def test_continue_params_run_on_across_sentences_and_lines():
    completion = dataclasses.replace(CompletionSettings(), continue_tokens=120,
                                     continue_temperature=0.4)
    params = completion.continue_params(seed=7)
    assert params.max_new_tokens == 120 and params.temperature == 0.4 and params.seed == 7
    assert params.top_p == completion.continue_top_p
    assert params.repetition_penalty == completion.continue_repetition_penalty
    assert params.no_repeat_ngram == completion.continue_no_repeat_ngram
    assert params.multiline and not params.stop_at_sentence_end and params.end_at_boundary
    inline = completion.inline_params()
    assert not inline.multiline and inline.stop_at_sentence_end


def test_alternatives_count_is_checked(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[completion]\nalternatives = 9\n")
    settings, warnings = load_settings(path)
    assert settings.completion.alternatives == 3
    assert "1..5" in warnings[0]
    path.write_text("[completion]\nalternatives = 5\n")
    assert load_settings(path)[0].completion.alternatives == 5


def test_new_fields_round_trip(tmp_path):
    path = tmp_path / "settings.toml"
    settings = Settings(
        editor=dataclasses.replace(EditorSettings(), line_width=72, focus_mode=True,
                                   font_family="DejaVu Serif", theme="dark"),
        grammar=GrammarSettings(grammar_enabled=False, spelling_enabled=True,
                                sensitivity="picky", language_variant="en-GB",
                                disabled_categories="style,word-choice"),
        models=dataclasses.replace(ModelSettings(), completion_model="/models/tiny \"gpt\"",
                                   device="cpu", dtype="float32", cpu_threads=4),
    )
    save_settings(settings, path)
    text = path.read_text(encoding="utf-8")
    assert "[grammar]" in text and "# How readily to flag" in text
    loaded, warnings = load_settings(path)
    assert loaded == settings and warnings == []
    assert loaded.grammar.disabled_set() == {"style", "word-choice"}


def test_invalid_new_fields_fall_back_to_defaults(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text('[editor]\nline_width = -3\nfocus_mode = "yes"\n'
                    '[grammar]\nsensitivity = "brutal"\nlanguage_variant = "en-AU"\n'
                    'spelling_enabled = 1\ndisabled_categories = ["style"]\n'
                    'grammar_enabled = false\n')
    settings, warnings = load_settings(path)
    assert settings.editor.line_width == 0 and settings.editor.focus_mode is False
    assert settings.grammar == GrammarSettings(grammar_enabled=False)
    assert len(warnings) == 6
    assert list(tmp_path.glob("settings.toml.bad-*"))


def test_missing_grammar_section_uses_defaults(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[editor]\nfont_size = 14\n")
    settings, warnings = load_settings(path)
    assert settings.grammar == GrammarSettings() and warnings == []
    assert settings.editor.font_size == 14


def test_disabled_set_trims_and_ignores_blanks():
    grammar = GrammarSettings(disabled_categories=" Style, ,spelling,")
    assert grammar.disabled_set() == {"style", "spelling"}


def test_a_line_width_under_forty_becomes_forty(tmp_path):
    path = tmp_path / "settings.toml"
    path.write_text("[editor]\nline_width = 1\n")
    settings, warnings = load_settings(path)
    assert settings.editor.line_width == 40 and "below 40" in warnings[0]
