"""One checker for every face: build_checker (the variant from the locale, the LM for the
confusion layer), add_scoring_model's fallback, for_variant's siblings, and the server's
engines built with them."""

from __future__ import annotations

import pytest

from tests.unit.grammar.conftest import make_tokenizer, random_tagger
from writer_app.inference import registry
from writer_app.inference.errors import ModelLoadError
from writer_app.inference.grammar.checker import GrammarChecker
from writer_app.inference.grammar.checkpoint import save_tagger
from writer_app.inference.grammar.factory import (
    CheckerOptions,
    add_scoring_model,
    build_checker,
)
from writer_app.inference.grammar.spelling import VARIANT_RULE_ID, SpellingChecker
from writer_app.server.standalone import LoadedEngines, load_engines

TEXT = "The colour of the flavor."


@pytest.fixture(scope="module")
def tiny_lm(tiny_gpt2_dir):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return (AutoModelForCausalLM.from_pretrained(tiny_gpt2_dir).eval(),
            AutoTokenizer.from_pretrained(tiny_gpt2_dir))


@pytest.fixture(scope="module")
def tagger_dir(tiny_bert_dir, tmp_path_factory):
    folder = tmp_path_factory.mktemp("taggers") / "tagger"
    save_tagger(folder, random_tagger(tiny_bert_dir, seed=1), make_tokenizer(tiny_bert_dir))
    return folder


def _variant_words(checker, text: str = TEXT) -> list[str]:
    return [text[e.start:e.end] for e in checker.check(text) if e.rule_id == VARIANT_RULE_ID]


def test_each_variant_flags_the_other_ones_spelling_and_en_accepts_both():
    checker = GrammarChecker(None, SpellingChecker("en-US").load())
    british = checker.for_variant("en-GB")
    assert checker.for_variant("en-US") is checker
    assert checker.for_variant("en-GB") is british  # made once
    assert _variant_words(checker) == ["colour"]
    assert _variant_words(british) == ["flavor"]
    assert _variant_words(checker.for_variant("en")) == []
    assert british.variant == "en-GB" and checker.variant == "en-US"


def test_siblings_follow_the_personal_words_and_the_language_model(tiny_lm):
    checker = GrammarChecker(None, SpellingChecker("en-US").load())
    british = checker.for_variant("en-GB")
    checker.set_personal_words(["Flavor"])
    assert _variant_words(british) == []
    checker.set_language_model(*tiny_lm)
    assert british.confusion is checker.confusion is not None
    checker.set_language_model(None, None)
    assert british.confusion is None


def test_spelling_off_means_one_checker_for_every_variant():
    checker = GrammarChecker(object(), None)
    assert checker.for_variant("en-GB") is checker


@pytest.mark.parametrize(("locale", "expected"), [
    ("en_GB.UTF-8", "en-GB"), ("en_US.UTF-8", "en-US"), ("C", "en"), ("de_DE.UTF-8", "en")])
def test_build_checker_follows_the_locale_for_auto(monkeypatch, locale, expected):
    monkeypatch.setenv("LC_ALL", locale)
    checker = build_checker(CheckerOptions(grammar=False))
    assert checker.variant == expected
    assert build_checker(CheckerOptions(grammar=False, variant="en-GB")).variant == "en-GB"


def test_build_checker_takes_the_language_model(tagger_dir, tiny_lm):
    checker = build_checker(CheckerOptions(model=str(tagger_dir), variant="en-US"),
                            ["Qwzxy"], language_model=tiny_lm)
    assert checker.confusion is not None and checker.confusion.model is tiny_lm[0]
    assert "qwzxy" in checker.personal_words and checker.grammar


def test_without_a_scoring_model_the_other_layers_still_check(monkeypatch, tagger_dir):
    def fail(spec, on_progress=None):
        raise ModelLoadError("the completion model is not installed")

    monkeypatch.setattr(registry, "load_causal_lm", fail)
    checker = build_checker(CheckerOptions(model=str(tagger_dir), variant="en-US"))
    notes: list[str] = []
    assert add_scoring_model(checker, "cpu", notes.append) is False
    assert notes == ["confusable words are not checked: the completion model is not "
                     "installed"]
    assert checker.confusion is None
    assert isinstance(checker.check("They left there coats."), list)
    spelling_only = build_checker(CheckerOptions(grammar=False, variant="en-US"))
    assert add_scoring_model(spelling_only, "cpu", notes.append) is False
    assert len(notes) == 1  # nothing tried: the confusion layer runs with the tagger


def test_the_server_scores_confusions_with_its_completion_model(tagger_dir, tiny_llama_dir):
    engines = load_engines(grammar=True, spelling=True, grammar_model=str(tagger_dir),
                           completion=True, model=str(tiny_llama_dir), device="cpu",
                           dtype="float32", adapter="", variant="en-US",
                           progress=lambda message: None)
    model = engines.completion().model
    for variant in ("en-US", "en-GB", "en"):
        checker = engines.checker(variant)
        assert checker.variant == variant
        assert checker.confusion is not None and checker.confusion.model is model
    assert engines.checker("en-GB").engine is engines.checker("en-US").engine  # one tagger


def test_the_server_without_completion_loads_a_scoring_model(monkeypatch, tagger_dir,
                                                             tiny_gpt2_dir):
    from writer_app.core.requests import ModelSpec

    asked = []
    real = registry.load_causal_lm

    def load(spec, on_progress=None):
        asked.append(spec)
        return real(ModelSpec(str(tiny_gpt2_dir), "cpu", "float32"))

    monkeypatch.setattr(registry, "load_causal_lm", load)
    engines = load_engines(grammar=True, spelling=False, grammar_model=str(tagger_dir),
                           completion=False, model="default", device="cpu", dtype="auto",
                           adapter="", variant="en-GB", progress=lambda message: None)
    assert engines.completion() is None and engines.model_id is None
    assert engines.checker("en-US").confusion is not None and len(asked) == 1
    none = load_engines(grammar=True, spelling=False, grammar_model=str(tagger_dir),
                        completion=False, model="default", device="cpu", dtype="auto",
                        adapter="", variant="en-GB", progress=lambda message: None,
                        confusions=False)
    assert none.checker("en-US").confusion is None and len(asked) == 1


def test_a_checker_without_variants_serves_every_one():
    class Plain:
        def check_many(self, texts):
            return [[] for _ in texts]

    plain = Plain()
    engines = LoadedEngines(plain)
    assert engines.checker("en-GB") is plain and engines.checker("en") is plain
    assert LoadedEngines(None).checker("en-US") is None
