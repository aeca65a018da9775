import dataclasses

from writer_app.core.settings import (
    CompletionSettings,
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
    completion = dataclasses.replace(CompletionSettings(), continue_tokens=120, temperature=0.4)
    params = completion.continue_params()
    assert params.max_new_tokens == 120 and params.temperature == 0.4
    assert params.top_p == completion.top_p
    assert params.repetition_penalty == completion.repetition_penalty
    assert params.multiline and not params.stop_at_sentence_end
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
