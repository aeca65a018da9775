"""Confidence gating: word ends with the suggestion's probability, and cuts at a threshold."""

from __future__ import annotations

import pytest

from writer_app.core.confidence import (
    CONFIDENCE_LEVELS,
    CURVE_FLOOR,
    CURVE_THRESHOLDS,
    confident_length,
    gated,
    threshold_for,
    word_stops,
)
from writer_app.core.settings import CompletionSettings, settings_from_dict


def test_stops_are_word_ends_with_the_probability_of_the_text_so_far():
    prefixes = [" The", " The ca", " The cat", " The cat sat", " The cat sat."]
    probs = [0.9, 0.5, 1.0, 0.5, 0.9]
    stops = word_stops(prefixes, probs, finished=True)
    # " The" (next char a space), " The cat", " The cat sat" (next: "."), the end
    assert [offset for offset, _ in stops] == [4, 8, 12, 13]
    assert [round(p, 4) for _, p in stops] == [0.9, 0.45, 0.225, 0.2025]


def test_an_unfinished_last_word_is_not_a_stop():
    prefixes = [" The", " The ca"]
    assert [o for o, _ in word_stops(prefixes, [0.9, 0.9], finished=False)] == [4]
    assert [o for o, _ in word_stops(prefixes, [0.9, 0.9], finished=True)] == [4, 7]


def test_apostrophes_belong_to_the_word():
    prefixes = [" don", " don't", " don't go"]
    stops = word_stops(prefixes, [0.9, 0.9, 0.9], finished=True)
    assert [o for o, _ in stops] == [6, 9]


def test_gated_cuts_at_the_last_confident_word_end():
    text = " The cat sat."
    stops = ((4, 0.9), (8, 0.45), (12, 0.225), (13, 0.2025))
    assert gated(text, stops, 0.5) == " The"
    assert gated(text, stops, 0.4) == " The cat"
    assert gated(text, stops, 0.2) == text
    assert gated(text, stops, 0.95) == ""
    assert gated(text, stops, 0.0) == text, "0 means no gating"
    assert confident_length(stops, 0.3) == 8


def test_settings_choose_the_threshold_and_reject_unknown_levels():
    assert CompletionSettings().confidence == "balanced"
    params = CompletionSettings(confidence="conservative").inline_params()
    assert params.min_confidence == CONFIDENCE_LEVELS["conservative"] > 0
    assert CONFIDENCE_LEVELS["conservative"] > CONFIDENCE_LEVELS["balanced"] \
        > CONFIDENCE_LEVELS["eager"]
    assert set(CONFIDENCE_LEVELS.values()) <= set(CURVE_THRESHOLDS)
    assert CONFIDENCE_LEVELS["eager"] >= CURVE_FLOOR
    settings, warnings = settings_from_dict({"completion": {"confidence": "reckless"}})
    assert settings.completion.confidence == "balanced" and "confidence" in warnings[0]
    assert threshold_for("nonsense") == 0.0
    # continue writing is never gated
    assert CompletionSettings().continue_params().min_confidence == 0.0


@pytest.mark.parametrize("level", list(CONFIDENCE_LEVELS))
def test_every_level_round_trips_through_the_toml(level, tmp_path):
    from writer_app.core.settings import Settings, load_settings, save_settings

    path = tmp_path / "settings.toml"
    save_settings(Settings(completion=CompletionSettings(confidence=level)), path)
    loaded, warnings = load_settings(path)
    assert loaded.completion.confidence == level and not warnings
    assert "conservative" in path.read_text(encoding="utf-8")
