"""Choosing a trained tagger's inference knobs, and exporting it for shipping.

``tune``: the knobs ``keep_confidence`` and ``min_error_probability`` trade recall for
precision. They are chosen on held-out synthetic pairs, never on an evaluation set: clean
sentences of the validation side of the corpus (``dataset.split_of``), corrupted afresh
with a seed the training data did not use. Each grid point is scored with ERRANT F0.5;
the best point whose precision reaches ``min_precision`` wins (the best F0.5 overall
when none does), because false alarms annoy writers more than misses.

``export``: rewrites a checkpoint with the encoder in float16 (half the size; loading
turns it back into float32 on a CPU), the heads in float16, the chosen knobs in its
config, and the model card extended with the tuning results.
"""

from __future__ import annotations

import itertools
import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from writer_app.core.documents import atomic_write_text
from writer_app.training.corpus import build_corpus
from writer_app.training.corruption import Corruptor
from writer_app.training.dataset import split_of
from writer_app.training.gec_scoring import ErrantScorer, f_score

KEEP_CONFIDENCES = (0.0, 0.15, 0.3, 0.45)
MIN_ERROR_PROBABILITIES = (0.0, 0.5, 0.7)

Corrector = Callable[[Sequence[str]], list[str]]


@dataclass(frozen=True)
class TuningPoint:
    keep_confidence: float
    min_error_probability: float
    precision: float
    recall: float
    f05: float


def tuning_pairs(count: int, seed: int, sources=None) -> tuple[list[str], list[str]]:
    """(corrupted, clean) pairs from validation-side corpus sentences."""
    clean = [s for s in build_corpus(sources, seed=seed) if split_of(s) == "valid"][:count]
    corruptor = Corruptor(seed + 7919, unchanged_share=0.25)
    corrupted = [corruptor.corrupt(sentence)[0] for sentence in clean]
    return corrupted, clean


def choose(points: Sequence[TuningPoint], min_precision: float) -> TuningPoint:
    precise = [p for p in points if p.precision >= min_precision]
    return max(precise or points, key=lambda p: (p.f05, p.precision))


def tune(
    make_corrector: Callable[[float, float], Corrector],
    sources: Sequence[str],
    references: Sequence[str],
    min_precision: float = 0.7,
    grid: tuple[Sequence[float], Sequence[float]] = (KEEP_CONFIDENCES, MIN_ERROR_PROBABILITIES),
    report: Callable[[TuningPoint], None] | None = None,
) -> tuple[TuningPoint, list[TuningPoint]]:
    scorer = ErrantScorer()
    points = []
    for keep, min_error in itertools.product(*grid):
        corrected = make_corrector(keep, min_error)(sources)
        score = f_score(scorer.evaluate(sources, corrected, references).total)
        point = TuningPoint(keep, min_error, score.precision, score.recall, score.f05)
        points.append(point)
        if report:
            report(point)
    return choose(points, min_precision), points


def export(model: Path, out: Path, chosen: TuningPoint | None, notes: str = "",
           base_encoder: Path | None = None,
           floors: tuple[tuple[str, float], ...] = ()) -> Path:
    """Write ``model`` to ``out`` in float16 with the chosen knobs (atomically). With
    ``base_encoder`` (the packaged encoder's folder), only the encoder weights that differ
    from it are stored, and the checkpoint refers to the package for the rest."""
    from writer_app.inference.grammar.checkpoint import (
        PACKAGED_ENCODER,
        TaggerSettings,
        load_tagger,
        save_encoder_delta,
        save_tagger,
        weights_sha256,
    )
    from writer_app.training.tagger_training import replace_folder

    loaded = load_tagger(model)
    settings = loaded.settings
    if chosen is not None:
        settings = TaggerSettings(chosen.keep_confidence, chosen.min_error_probability,
                                  settings.split_contractions)
    if floors:
        settings = replace(settings, category_min_confidence=tuple(floors))
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        if base_encoder is not None:  # compared in float32, before the cast
            save_encoder_delta(staging, loaded.tagger.encoder, base_encoder)
        tagger = loaded.tagger.to(torch.float16)
        reference = PACKAGED_ENCODER if base_encoder is not None else None
        save_tagger(staging, tagger, loaded.tokenizer, encoder_reference=reference,
                    settings=settings, heads_dtype=torch.float16)
        if base_encoder is not None:
            config_path = staging / "config.json"
            config = json.loads(config_path.read_text(encoding="utf-8"))
            config["encoder_sha256"] = weights_sha256(base_encoder)
            atomic_write_text(config_path, json.dumps(config, indent=1))
        card = model / "model_card.md"
        text = card.read_text(encoding="utf-8") if card.exists() else ""
        atomic_write_text(staging / "model_card.md", text + notes)
        _readable(staging)  # mkdtemp and safetensors leave owner-only modes
        replace_folder(staging, out)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return out


def _readable(folder: Path) -> None:
    folder.chmod(0o755)
    for path in folder.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def tuning_notes(chosen: TuningPoint, points: Sequence[TuningPoint], pairs: int,
                 seed: int) -> str:
    rows = [f"| {p.keep_confidence} | {p.min_error_probability} | {p.precision:.3f} | "
            f"{p.recall:.3f} | {p.f05:.3f} |" for p in points]
    return "\n".join([
        "",
        "## Inference knobs",
        f"Chosen on {pairs} held-out synthetic pairs (validation-side corpus sentences, "
        f"corrupted with seed {seed + 7919}), with the spelling layer in front, by ERRANT "
        "F0.5 among points with precision >= 0.7: "
        f"keep_confidence {chosen.keep_confidence}, "
        f"min_error_probability {chosen.min_error_probability}.",
        "",
        "| keep_confidence | min_error_probability | P | R | F0.5 |",
        "|---|---|---|---|---|",
        *rows,
        "",
        "Exported with the encoder and heads in float16 (loaded as float32 on a CPU).",
        "",
    ])
