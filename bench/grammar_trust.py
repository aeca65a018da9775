"""Trust figures for bench/grammar.py, and the confusion margin's calibration.

* **Confusion set** (bench/data/confusions.tsv, written for this benchmark): word-level
  precision and recall of the whole checker on sentences with a confused word and on
  correct uses of the same words.
* **False alarms per 1,000 words** of clean, edited prose (bench/data/clean-prose.txt,
  written for this benchmark; none of it comes from the tagger's training sources).
* **Damaging suggestions**: edits on every benchmark sentence that would glue two words or
  reach outside the text when applied (``core.gec.edits.damage``); must be 0.
* ``python bench/grammar_trust.py --calibrate``: the confusion margin. Sentences from
  WordNet's examples (Debian ``wordnet-base``) that hold a confusable word are scored as
  written (a correct use: any flag is a false alarm) and with the word swapped for an
  alternative (an error: flagging the original back is a hit); the table gives precision
  and recall per margin, and the smallest margin with precision >= 0.9 on the held-out
  half is the one to ship (``inference/grammar/confusion.py`` MARGIN).
"""

from __future__ import annotations

import argparse
import difflib
import json
import random
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from writer_app.core.gec.edits import apply_edits, damage  # noqa: E402
from writer_app.core.gec.tokens import tokenize  # noqa: E402

CONFUSIONS = REPO / "bench/data/confusions.tsv"
CLEAN_PROSE = REPO / "bench/data/clean-prose.txt"


def load_language_model():
    """(model, tokenizer) of the embedded completion model, or None."""
    from writer_app.core.requests import ModelSpec
    from writer_app.inference.registry import load_causal_lm

    try:
        loaded = load_causal_lm(ModelSpec(device="cpu"))
    except Exception as error:  # noqa: BLE001 - report without the layer
        print(f"completion model not loaded ({error}); confusion layer off")
        return None
    return loaded.model, loaded.tokenizer


def _changes(source: str, output: str) -> set[tuple[int, int, tuple[str, ...]]]:
    a = [t.text for t in tokenize(source)]
    b = [t.text for t in tokenize(output)]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return {(i1, i2, tuple(b[j1:j2])) for op, i1, i2, j1, j2 in matcher.get_opcodes()
            if op != "equal"}


def confusion_figures(checker, path: Path = CONFUSIONS) -> dict:
    pairs = [line.split("\t") for line in path.read_text("utf-8").splitlines() if line]
    sources = [s for s, _ in pairs]
    outputs = [apply_edits(s, e) for s, e in zip(sources, checker.check_many(sources),
                                                 strict=True)]
    tp = fp = fn = 0
    for (source, reference), output in zip(pairs, outputs, strict=True):
        hyp, ref = _changes(source, output), _changes(source, reference)
        tp, fp, fn = tp + len(hyp & ref), fp + len(hyp - ref), fn + len(ref - hyp)
    errors = sum(1 for s, r in pairs if s != r)
    return {
        "confusion_errors": errors,
        "confusion_correct_uses": len(pairs) - errors,
        "confusion_precision": round(tp / (tp + fp), 3) if tp + fp else 1.0,
        "confusion_recall": round(tp / (tp + fn), 3) if tp + fn else 1.0,
        "confusion_correct_uses_changed": sum(
            1 for (s, r), o in zip(pairs, outputs, strict=True) if s == r and o != s),
    }


def false_alarms(checker, path: Path = CLEAN_PROSE) -> dict:
    paragraphs = [p for p in path.read_text("utf-8").split("\n") if p.strip()]
    found = checker.check_many(paragraphs)
    words = sum(len(p.split()) for p in paragraphs)
    alarms = [(p[e.start:e.end], e.replacement) for p, edits in zip(paragraphs, found,
                                                                    strict=True)
              for e in edits]
    for original, replacement in alarms:
        print(f"  false alarm: {original!r} -> {replacement!r}")
    return {"clean_words": words, "false_alarms": len(alarms),
            "false_alarms_per_1000_words": round(1000 * len(alarms) / words, 2)}


def damaging(checker, texts: Sequence[str]) -> dict:
    count = 0
    for text, edits in zip(texts, checker.check_many(list(texts)), strict=True):
        for edit in edits:
            reason = damage(text, edit)
            if reason:
                count += 1
                print(f"  damaging: {text!r}: {reason}")
    return {"damaging_suggestions": count, "damage_checked_sentences": len(texts)}


# --- calibration ----------------------------------------------------------------------------


def calibration_sentences(limit: int, seed: int) -> list[str]:
    from writer_app.core.gec.confusables import find_confusables
    from writer_app.training.corpus import WordNetExampleSource

    sentences = [s for document in WordNetExampleSource().documents()
                 for s in document.split("\n\n") if 5 <= len(s.split()) <= 30
                 and find_confusables(s)]
    random.Random(seed).shuffle(sentences)
    return sentences[:limit]


def calibrate(scorer, sentences: Sequence[str], seed: int) -> list[dict]:
    """Precision and recall per margin: the gains of correct uses (negatives) and of the
    original word back in place of a swapped one (positives), scored in one batch."""
    rng = random.Random(seed)
    originals = list(enumerate(sentences))
    swapped_texts, swapped_at = [], []
    for sentence in sentences:
        for found in scorer._trials(0, sentence, frozenset()):
            wrong = rng.choice(found.found.alternatives)
            start, end = found.found.start, found.found.end
            swapped_texts.append(sentence[:start] + wrong + sentence[end:])
            swapped_at.append((start, found.found.word))
    trials = [t for i, text in originals for t in scorer._trials(i, text, frozenset())]
    negatives = [_best_gain(t, scores)[1] for t, scores in zip(trials, scorer.score(trials),
                                                               strict=True)]
    wanted, rights = [], []
    for k, text in enumerate(swapped_texts):
        start, right = swapped_at[k]
        for trial in scorer._trials(k, text, frozenset()):
            if trial.found.start == start:
                wanted.append(trial)
                rights.append(right)
    positives = []
    for trial, right, scores in zip(wanted, rights, scorer.score(wanted), strict=True):
        best, gain = _best_gain(trial, scores)
        positives.append(gain if best == right else float("-inf"))
    # a swapped word the layer does not even consider is a miss too
    positives += [float("-inf")] * (len(swapped_texts) - len(wanted))
    rows = []
    for margin in [x / 2 for x in range(0, 13)]:
        hits = sum(g > margin for g in positives)
        alarms = sum(g > margin for g in negatives)
        rows.append({"margin": margin, "precision": round(hits / (hits + alarms), 3)
                     if hits + alarms else 1.0,
                     "recall": round(hits / len(positives), 3) if positives else 0.0})
    return rows


def _best_gain(trial, scores) -> tuple[str, float]:
    best = max(range(1, len(scores)), key=scores.__getitem__)
    return trial.choices[best], scores[best] - scores[0]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calibrate", action="store_true")
    parser.add_argument("--sentences", type=int, default=300)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(2)
    lm = load_language_model()
    if lm is None:
        return 2
    if args.calibrate:
        from writer_app.inference.grammar.confusion import ConfusionScorer

        sentences = calibration_sentences(args.sentences, args.seed)
        rows = calibrate(ConfusionScorer(*lm), sentences, args.seed)
        print(f"{len(sentences)} WordNet example sentences with a confusable word")
        for row in rows:
            print(f"margin {row['margin']:4.1f}  P {row['precision']:.3f}  R {row['recall']:.3f}")
        print(json.dumps({"calibration": rows}))
        return 0
    from writer_app.inference.grammar.checker import GrammarChecker

    checker = GrammarChecker.load(variant="en")
    checker.set_language_model(*lm)
    figures = {**confusion_figures(checker), **false_alarms(checker)}
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
