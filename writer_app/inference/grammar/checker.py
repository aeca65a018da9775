"""GrammarChecker: the spelling layer and the tagger as one checker, with edits into the
original text.

Pipeline for a batch of texts:

1. the spelling layer finds misspelled words and their candidates;
2. when a tagger is loaded, each misspelling's candidate is chosen in context: every one of
   the top candidates (at the best candidate's edit distance) is put into the sentence and
   the tagger scores it by its ``$KEEP`` log-probability on that word (and on
   ``CONTEXT_WINDOW`` words either side; 0 measured best with an early model: a word the
   tagger would leave alone fits the sentence), plus the spelling layer's rank as a prior,
   plus an optional ``rescorer`` (e.g. a causal LM's log-probability of each candidate
   sentence). Over-regularised forms ("buyed", "childs") get their irregular forms
   ("bought", "children") as candidates, with a verb-form or noun-number category;
3. the tagger runs, batched, on the spelling-corrected texts;
4. its edits are mapped back to the original text; a tagger edit that overlaps a corrected
   word is merged with that word's spelling edit into one edit.

Edits are code-point offsets into the original text, sorted and non-overlapping, so
``apply_edits(text, check(text)) == correct([text])[0]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from writer_app.core.gec.compose import (  # noqa: F401  (compose: part of this API)
    _outside,
    _overlaps_any,
    compose,
    without_overlaps,
)
from writer_app.core.gec.edits import GrammarEdit, apply_edits
from writer_app.core.gec.protect import normalise_words
from writer_app.core.gec.rules import INTRO_ADVERBS, rule_edits
from writer_app.core.gec.tags import KEEP, Category, edit_distance
from writer_app.core.gec.tokens import split_sentences, tokenize
from writer_app.inference.errors import ModelLoadError, one_line
from writer_app.inference.grammar.irregular import (  # noqa: F401
    _with_irregular_forms,
    irregular_forms,
)
from writer_app.inference.grammar.spelling import (
    Misspelling,
    SpellingChecker,
    spelling_edit,
)

# rescorer(sentences) -> one score per sentence (higher = more fluent), e.g. log-probability
Rescorer = Callable[[Sequence[str]], Sequence[float]]

DEFAULT_MODEL_NAMES = (None, "default")
# Candidates tried in context per misspelling, and the weight of the spelling layer's rank
# (log-probability units per rank step): the tagger must be clearly surer to overrule it.
CONTEXT_CANDIDATES = 3
RANK_PRIOR = 0.7
CONTEXT_WINDOW = 0  # words either side of the candidate whose $KEEP probability counts
IRREGULAR_RULE = "IRREGULAR_FORM"
IRREGULAR_CONFIDENCE = 0.9
PROBE_WORDS = ("They", "left", "their", "bags", "at", "the", "station", ".")  # prepacking check


def default_model_path() -> Path:
    """Where the shipped default grammar model lives (inside writer_app.resources)."""
    import writer_app.resources

    return Path(writer_app.resources.__file__).parent / "grammar" / "default"


class GrammarChecker:
    """Spelling and grammar edits for texts. Either layer may be off (``engine`` or
    ``speller`` None). Not thread-safe: use it from one thread at a time."""

    rules = True  # the pattern rules (core.gec.rules) run with the tagger

    def __init__(
        self,
        engine=None,
        speller: SpellingChecker | None = None,
        *,
        rescorer: Rescorer | None = None,
        device: str = "cpu",
        context_candidates: int = CONTEXT_CANDIDATES,
    ) -> None:
        self.engine = engine
        self.speller = speller
        self.rescorer = rescorer
        self.context_candidates = context_candidates
        self._device = device
        self._personal: frozenset[str] = frozenset()
        self.confusion = None  # a ConfusionScorer: set_language_model()
        self._variants: dict[str, GrammarChecker] = {}  # for_variant(): siblings

    def set_language_model(self, model, tokenizer) -> None:
        """Judge confusable words (their/there...) with this causal LM; None turns the
        layer off. The same model keeps its scorer (and the scorer's cache)."""
        if model is None:
            self.confusion = None
        elif self.confusion is None or self.confusion.model is not model:
            from writer_app.inference.grammar.confusion import ConfusionScorer

            self.confusion = ConfusionScorer(model, tokenizer)
        for sibling in self._variants.values():
            sibling.confusion = self.confusion

    def for_variant(self, variant: str) -> GrammarChecker:
        """This checker for another English variant ("en-US", "en-GB" or "en": both): the
        same tagger, rules, confusion layer and personal words, its own spelling layer.
        Made once per variant and kept in step with this one (personal words, LM); this
        checker itself when the variant is its own or spelling is off."""
        if self.speller is None or variant == self.speller.language:
            return self
        sibling = self._variants.get(variant)
        if sibling is None:
            speller = SpellingChecker(variant, sorted(self._personal)).load()
            sibling = GrammarChecker(self.engine, speller, rescorer=self.rescorer,
                                     device=self._device,
                                     context_candidates=self.context_candidates)
            sibling.rules = self.rules
            sibling.confusion = self.confusion
            sibling.set_personal_words(self._personal)
            self._variants[variant] = sibling
        return sibling

    @classmethod
    def load(
        cls,
        model: str | None = None,
        *,
        device: str = "cpu",
        personal_words: Iterable[str] = (),
        variant: str = "en-US",
        spelling: bool = True,
        grammar: bool = True,
        keep_confidence: float | None = None,
        min_error_probability: float | None = None,
        rescorer: Rescorer | None = None,
        rules: bool = True,
    ) -> GrammarChecker:
        """Load the checker. ``model`` None or "default" is the shipped default; any
        problem with the model raises ModelLoadError (one line)."""
        if not spelling and not grammar:
            raise ValueError("both spelling and grammar checking are off: nothing to check")
        words = list(personal_words)
        speller = None
        if spelling:
            try:
                speller = SpellingChecker(variant, words).load()
            except ValueError as error:
                raise ModelLoadError(one_line(error)) from error
        engine = None
        if grammar:
            engine = _load_engine(model, device, keep_confidence, min_error_probability)
        checker = cls(engine, speller, rescorer=rescorer, device=device)
        checker.rules = rules
        checker.set_personal_words(words)
        return checker

    # --- knobs ------------------------------------------------------------------------------

    @property
    def spelling(self) -> bool:
        return self.speller is not None

    @property
    def grammar(self) -> bool:
        return self.engine is not None

    @property
    def device(self) -> str:
        return self._device

    @property
    def variant(self) -> str | None:
        return self.speller.language if self.speller else None

    @property
    def personal_words(self) -> frozenset[str]:
        """The personal dictionary in its compared form (lower case, straight apostrophes)."""
        return self._personal

    @property
    def keep_confidence(self) -> float | None:
        return self.engine.keep_confidence if self.engine else None

    @keep_confidence.setter
    def keep_confidence(self, value: float) -> None:
        if self.engine:
            self.engine.keep_confidence = float(value)

    @property
    def min_error_probability(self) -> float | None:
        return self.engine.min_error_probability if self.engine else None

    @min_error_probability.setter
    def min_error_probability(self, value: float) -> None:
        if self.engine:
            self.engine.min_error_probability = float(value)

    def set_personal_words(self, words: Iterable[str]) -> None:
        """Words neither layer ever flags (compared case-insensitively)."""
        self._personal = normalise_words(list(words))
        if self.speller:
            self.speller.ignore_words = self._personal
        if self.engine:
            self.engine.ignore_words = self._personal
        for sibling in self._variants.values():
            sibling.set_personal_words(self._personal)

    # --- checking ---------------------------------------------------------------------------

    def clear_caches(self) -> None:
        """Forget per-word results remembered across calls (benchmarks time unseen text)."""
        if self.speller is not None:
            self.speller.clear_caches()
        if self.engine is not None:
            self.engine._is_protected.clear()
        if self.confusion is not None:
            self.confusion.clear_cache()
        for sibling in self._variants.values():
            if sibling.speller is not None:
                sibling.speller.clear_caches()

    def check(self, text: str) -> list[GrammarEdit]:
        """Edits for ``text``: code-point offsets into it, sorted, non-overlapping."""
        return self.check_many([text])[0]

    def correct(self, texts: Sequence[str]) -> list[str]:
        """Each text with all its edits applied (spacing and line breaks kept)."""
        if isinstance(texts, str):
            raise TypeError("correct() takes a sequence of texts, not one string")
        found = self.check_many(texts)
        return [apply_edits(text, edits) for text, edits in zip(texts, found, strict=True)]

    def check_many(self, texts: Sequence[str]) -> list[list[GrammarEdit]]:
        """Edits for each text; the tagger sees all texts' sentences in batches."""
        texts = list(texts)
        spelled = self._spelling_edits(texts) if self.speller else [[] for _ in texts]
        if self.engine is None:
            return [sorted(edits, key=_order) for edits in spelled]
        corrected = [apply_edits(t, e) for t, e in zip(texts, spelled, strict=True)]
        # The pattern rules see the spelling-corrected text, the tagger the text after both;
        # each layer's edits are composed back onto the layer below.
        ruled = [rule_edits(text, self._personal) if self.rules else [] for text in corrected]
        if self.confusion is not None:
            confused = self.confusion.check_many(corrected, self._personal)
            ruled = [without_overlaps(r + [c for c in found if not _overlaps_any(c, r)])
                     for r, found in zip(ruled, confused, strict=True)]
        after_rules = [apply_edits(t, e) for t, e in zip(corrected, ruled, strict=True)]
        tagged = [[e for e in edits if _trusted(text, e)]
                  for text, edits in zip(after_rules, self.engine.check_many(after_rules),
                                         strict=True)]
        return [
            without_overlaps(compose(text, spelling_edits,
                                     compose(fixed, rule_found, _outside(rule_found,
                                                                         grammar_edits))))
            for text, fixed, spelling_edits, rule_found, grammar_edits
            in zip(texts, corrected, spelled, ruled, tagged, strict=True)
        ]

    # --- spelling in context ----------------------------------------------------------------

    def _spelling_edits(self, texts: list[str]) -> list[list[GrammarEdit]]:
        found = [
            [_with_irregular_forms(m, self.speller, text)
             for m in self.speller.misspellings(text)]
            for text in texts
        ]
        choices = [[0] * len(misspellings) for misspellings in found]
        if self.engine is not None or self.rescorer is not None:
            self._choose_in_context(texts, found, choices)
        return [
            [_spelling_edit(m, m.candidates[c]) for m, c in zip(ms, cs, strict=True)]
            for ms, cs in zip(found, choices, strict=True)
        ]

    def _choose_in_context(
        self, texts: list[str], found: list[list[Misspelling]], choices: list[list[int]]
    ) -> None:
        """Set ``choices[i][j]`` to the index of the best candidate of misspelling j of
        text i, judged with the other misspellings at their first candidate."""
        trials: list[tuple[int, int, int, str, int]] = []  # (text, misspelling, candidate,
        for i, misspellings in enumerate(found):             # sentence, word position)
            for j, misspelling in enumerate(misspellings):
                contenders = self._contenders(misspelling)
                if len(contenders) < 2:
                    continue  # nothing to choose: its first candidate stands
                for c in contenders:
                    sentence, position = _variant(
                        texts[i], misspellings, j, c, self.engine is not None
                        and self.engine.split_contractions,
                    )
                    trials.append((i, j, c, sentence, position))
        if not trials:
            return
        scores = [-RANK_PRIOR * c for _, _, c, _, _ in trials]
        if self.engine is not None:
            fits = self._keep_scores([(s, p) for _, _, _, s, p in trials])
            scores = [a + b for a, b in zip(scores, fits, strict=True)]
        if self.rescorer is not None:
            extra = self.rescorer([s for _, _, _, s, _ in trials])
            scores = [a + float(b) for a, b in zip(scores, extra, strict=True)]
        best: dict[tuple[int, int], tuple[float, int]] = {}
        for (i, j, c, _, _), score in zip(trials, scores, strict=True):
            if (i, j) not in best or score > best[(i, j)][0]:
                best[(i, j)] = (score, c)
        for (i, j), (_, c) in best.items():
            choices[i][j] = c

    def _contenders(self, misspelling: Misspelling) -> list[int]:
        """Candidate indexes worth trying: the top few at the best one's edit distance, or
        the irregular forms when the word is an over-regularised one ("buyed")."""
        irregular = len(irregular_forms(misspelling.word, self.speller))
        if irregular:
            forms = sum(1 for c in misspelling.candidates[:irregular]
                        if c in dict(irregular_forms(misspelling.word, self.speller)))
            return list(range(max(forms, 1)))
        word = misspelling.word.lower()
        top = edit_distance(word, misspelling.candidates[0].lower())
        return [
            c for c, candidate in enumerate(misspelling.candidates[: self.context_candidates])
            if edit_distance(word, candidate.lower()) == top
        ]

    def _keep_scores(self, trials: list[tuple[str, int]]) -> list[float]:
        """For (sentence, word position): the summed log $KEEP probability of the word and
        its neighbours, batched like the engine (sentences of similar length together)."""
        import torch

        from writer_app.inference.grammar.engine import length_batches

        engine = self.engine
        words = [[t.text for t in tokenize(s, split_contractions=engine.split_contractions)]
                 for s, _ in trials]
        keep = engine.tagger.vocabulary.index(KEEP)
        lengths = engine.tagger.token_lengths(engine.tokenizer, words)
        order = sorted(range(len(trials)), key=lambda k: (lengths[k], k))
        scores = [0.0] * len(trials)
        with torch.inference_mode():
            for chunk in length_batches([lengths[k] for k in order], engine.batch_size):
                members = [order[k] for k in chunk]
                batch = engine.tagger.encode(engine.tokenizer, [words[k] for k in members])
                output = engine.tagger(batch.to(engine.device))
                for row, k in enumerate(members):
                    centre = trials[k][1] + 1  # +1: $START comes first
                    low, high = max(1, centre - CONTEXT_WINDOW), centre + CONTEXT_WINDOW + 1
                    # log-softmax of just the rows that count, not of the whole batch
                    logits = output.tag_logits[row, low:high][output.word_mask[row, low:high]]
                    log_keep = torch.log_softmax(logits.float(), dim=-1)[:, keep]
                    scores[k] = float(log_keep.sum())
        return scores


_WORD_NEAR_RE = re.compile(r"[A-Za-z]+")
WORD_SWAP_CONFIDENCE = 0.6


def _is_word_swap(original: str, replacement: str) -> bool:
    """Whether one word becomes another word that is not one of its forms."""
    from writer_app.core.gec.verb_forms import noun_transform_between, verb_transform_between

    a, b = original.strip().lower(), replacement.strip().lower()
    if not (a.isalpha() and b.isalpha()) or a == b:
        return False
    if verb_transform_between(a, b) or noun_transform_between(a, b):
        return False
    return not _lemmas_of(a) & _lemmas_of(b)  # "were" -> "was": one verb, another form


def _lemmas_of(word: str) -> set[str]:
    from lemminflect import getAllLemmas

    return {lemma for lemmas in getAllLemmas(word).values() for lemma in lemmas}


def _trusted(text: str, edit: GrammarEdit) -> bool:
    """False for tagger edits that need more certainty than the tagger has: a correctly
    spelled word replaced by a different word (not a form of it) below
    ``WORD_SWAP_CONFIDENCE`` ("wagged" -> "was"), and comma deletions that edited prose
    keeps: the comma ending a line ("Yours sincerely,") and the commas around a linking
    adverb ("This year, however, I")."""
    original = text[edit.start : edit.end]
    if _is_word_swap(original, edit.replacement):
        return edit.confidence >= WORD_SWAP_CONFIDENCE
    if original.strip() != "," or edit.replacement.strip():
        return True
    after = text[edit.end :]
    if not after.strip() or after.lstrip(" \t").startswith("\n"):
        return False
    before = _WORD_NEAR_RE.findall(text[max(0, edit.start - 30) : edit.start])
    following = _WORD_NEAR_RE.match(after.lstrip())
    words = {before[-1].lower() if before else "",
             following.group().lower() if following else ""}
    return not words & INTRO_ADVERBS


# --- helpers --------------------------------------------------------------------------------


def _load_engine(
    model: str | None, device: str, keep_confidence: float | None,
    min_error_probability: float | None,
):
    import torch

    from writer_app.inference.grammar.checkpoint import load_any
    from writer_app.inference.grammar.engine import GrammarEngine
    from writer_app.inference.grammar.precision import bfloat16_pays
    from writer_app.inference.prepacked import prepack_linears

    folder = default_model_path() if model in DEFAULT_MODEL_NAMES else Path(model)
    if model in DEFAULT_MODEL_NAMES and not (folder / "config.json").is_file():
        raise ModelLoadError(f"the grammar model is not installed at {folder}")
    try:
        loaded = load_any(folder, device)
        settings = loaded.settings
        tagger = loaded.tagger
        if bfloat16_pays(tagger):  # the same edits on the benchmark sets, a third less time
            tagger = tagger.to(torch.bfloat16)
            # weights laid out once for the matrix units: about 15% less time a check
            probe = tagger.encode(loaded.tokenizer, [PROBE_WORDS])
            prepack_linears(tagger, lambda model: model(probe.to(device)).tag_logits, 0.125)
        return GrammarEngine(
            tagger, loaded.tokenizer, device,
            keep_confidence=_pick(keep_confidence, settings.keep_confidence),
            min_error_probability=_pick(min_error_probability, settings.min_error_probability),
            split_contractions=settings.split_contractions,
            category_min_confidence=dict(settings.category_min_confidence),
        )
    except ModelLoadError:
        raise
    except (OSError, RuntimeError, ValueError, TypeError, KeyError) as error:
        raise ModelLoadError(f"Cannot load grammar model “{folder}”: {one_line(error)}") from error


def _pick(value: float | None, default: float) -> float:
    return float(default if value is None else value)


def _order(edit: GrammarEdit) -> tuple[int, int]:
    return edit.start, edit.end


def _spelling_edit(misspelling: Misspelling, candidate: str) -> GrammarEdit:
    irregular = dict(irregular_forms(misspelling.word))
    if candidate in irregular:
        category, lemma = irregular[candidate]
        kind = "plural"
        if category is Category.VERB_FORM:
            from writer_app.core.gec.verb_forms import verb_paradigms

            past = any(candidate.lower() in p["VBD"] for p in verb_paradigms(lemma))
            kind = "past form" if past else "past participle"
        return GrammarEdit(
            misspelling.start, misspelling.end, candidate, category,
            f"The {kind} of '{lemma}' is '{candidate}'", IRREGULAR_CONFIDENCE, IRREGULAR_RULE,
        )
    return spelling_edit(misspelling, candidate)


def _variant(
    text: str, misspellings: list[Misspelling], index: int, candidate: int,
    split_contractions: bool = False,
) -> tuple[str, int]:
    """The sentence holding misspelling ``index`` with its ``candidate`` put in (the others
    at their first candidate), and the position of that word among the sentence's tokens."""
    target = misspellings[index]
    shift, pieces, cursor = 0, [], 0
    for j, m in enumerate(misspellings):
        word = m.candidates[candidate if j == index else 0]
        pieces += [text[cursor : m.start], word]
        cursor = m.end
        if j < index:
            shift += len(word) - (m.end - m.start)
    changed = "".join(pieces) + text[cursor:]
    start = target.start + shift
    sentence = next(
        (s for s in split_sentences(changed) if s.start <= start < s.end), None
    )
    if sentence is None:  # cannot happen for a word; be safe
        return changed, 0
    tokens = tokenize(sentence.text, split_contractions=split_contractions)
    local = start - sentence.start
    position = next((k for k, t in enumerate(tokens) if t.start <= local < t.end), 0)
    return sentence.text, position


