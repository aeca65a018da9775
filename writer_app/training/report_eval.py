"""The Personalize report's comparison: the base model against the personalized one on
the writer's held-out text, in the terms of `writer-app evaluate` (keystroke savings
with the editor's suggestion settings, next-word accuracy, BLEU, ROUGE-L, perplexity).

It runs in the training process at the end of a run, on the validation text, with fewer
sampled positions than the command's default so that it stays a small part of a Quick
run; `writer-app evaluate` measures the same things on more text.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from writer_app.jobs.events import Comparison, ModelFigures
from writer_app.training.lora_data import Window

REPORT_POSITIONS = 20
REPORT_CHARS = 6000  # the held-out text compared, at most
# A sampled position costs about as much as this many training-window forward passes.
POSITION_COST_WINDOWS = 2.5


def heldout_text(tokenizer, windows: Sequence[Window], limit: int = REPORT_CHARS) -> str:
    """The scored part of the validation windows as text, a paragraph each."""
    parts, size = [], 0
    for window in windows:
        part = tokenizer.decode(list(window.ids[len(window.ids) - window.scored:]),
                                skip_special_tokens=True).strip()
        if not part:
            continue
        parts.append(part[: limit - size])
        size += len(parts[-1]) + 2
        if size >= limit:
            break
    return "\n\n".join(parts)


def estimate_seconds(valid_tokens: int, forward_per_window: float, context: int) -> float:
    """Both models' evaluations, from the timed forward pass of a training window."""
    scoring = min(valid_tokens, REPORT_CHARS // 4) / max(1, context) * forward_per_window
    return 2 * (1.5 * scoring + REPORT_POSITIONS * POSITION_COST_WINDOWS * forward_per_window)


def compare(peft_model, tokenizer, text: str, load_base: Callable[[], object],
            settings=None) -> Comparison | None:
    """The base and the tuned model's figures for the report, or None without enough text.

    Merges the adapter into `peft_model`'s own weights (no copy): call it last.
    `load_base` gives a fresh base model.
    """
    from writer_app.core.paths import settings_file
    from writer_app.core.settings import load_settings
    from writer_app.inference.completion import CompletionEngine
    from writer_app.inference.evaluation import Evaluator

    if len(text.split()) < 20:
        return None
    if settings is None:
        settings = load_settings(settings_file())[0].completion
    results = {}
    for key in ("tuned", "base"):
        model = peft_model.merge_and_unload() if key == "tuned" else load_base()
        model.eval()
        evaluation = Evaluator(CompletionEngine(model, tokenizer), settings).evaluate(
            text, REPORT_POSITIONS)
        results[key] = ModelFigures(**evaluation.summary(), setting=evaluation.setting,
                                    curve=tuple(evaluation.curve))
        del model
    return Comparison(base=results["base"], tuned=results["tuned"])
