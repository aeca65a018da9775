"""`writer-app synonyms`: synonyms of a word, ranked for its sentence by the model.

    writer-app synonyms [--json] [--top N] SENTENCE WORD
    writer-app synonyms --json -      (sentence<TAB>word lines on standard input)

WORD's first whole-word occurrence in SENTENCE is the one replaced. With --json, one
object a line: {"word", "offset", "suggestions": [{"text", "score", "sense"}]}, best
first; offset counts characters from 0, text replaces WORD (inflected to fit), score is
the suggestion's share among the candidates the model read, and sense the short gloss
of the sense it belongs to. When WORD follows "a" or "an" and the suggestion needs the
other article, the suggestion also has "article" (the one to write instead).
"""

from __future__ import annotations

import argparse
import json
import sys

EXIT_USAGE = 2
MAX_TOP = 50


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "synonyms", help="synonyms of WORD ranked for SENTENCE",
        description="Synonyms of WORD (its first occurrence in SENTENCE), inflected to fit "
        "and ranked for the sentence by the completion model.")
    parser.add_argument("sentence", help="the sentence; '-' reads sentence<TAB>word lines "
                        "from standard input")
    parser.add_argument("word", nargs="?", help="the word to replace")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument("--top", type=int, default=8, metavar="N",
                        help="at most N suggestions (default 8)")
    parser.add_argument("--model", default="default",
                        help="'default', a model folder, or a model id in the local HF cache")
    parser.add_argument("--device", default="auto", help="auto, cpu, cuda, cuda:N or mps")
    parser.set_defaults(handler=run)


def _error(message: str) -> int:
    print(f"writer-app: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _queries(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(sentence, word) pairs; raises ValueError with a message for the user."""
    if args.sentence != "-":
        if not args.word:
            raise ValueError("WORD is missing (or pass '-' to read sentence<TAB>word lines)")
        return [(args.sentence, args.word)]
    if args.word:
        raise ValueError("with '-', sentences and words come from standard input only")
    from writer_app.cli_input import CHECK_MAX_BYTES, read_stdin

    pairs = []
    for number, line in enumerate(read_stdin(CHECK_MAX_BYTES).splitlines(), start=1):
        if not line.strip():
            continue
        sentence, tab, word = line.rpartition("\t")
        if not tab or not word.strip() or not sentence.strip():
            raise ValueError(f"line {number}: expected sentence<TAB>word")
        pairs.append((sentence, word.strip()))
    if not pairs:
        raise ValueError("no sentence<TAB>word lines on standard input")
    return pairs


def run(args: argparse.Namespace) -> int:
    from writer_app.core.documents import DocumentError
    from writer_app.core.substitutes import find_target

    if not 1 <= args.top <= MAX_TOP:
        return _error(f"--top must be between 1 and {MAX_TOP}")
    try:
        queries = _queries(args)
    except (ValueError, DocumentError) as exc:
        return _error(str(exc).rstrip("."))
    targets = []
    for sentence, word in queries:
        target = find_target(sentence, word)
        if target is None:
            return _error(f"'{word}' does not occur in the sentence: {sentence}")
        targets.append((sentence, target))
    chooser = _load_chooser(args)
    if isinstance(chooser, int):
        return chooser
    from writer_app.core.word_choice import SynonymRequest

    for number, (sentence, target) in enumerate(targets):
        result = chooser.synonyms(SynonymRequest(number, 0, sentence, target.start,
                                                 target.end, top=args.top))
        if args.json:
            print(json.dumps(as_json(result), ensure_ascii=False), flush=True)
        else:
            print(as_text(result), flush=True)
    return 0


def _load_chooser(args: argparse.Namespace):
    """The WordChooser on the chosen model, or an exit status after an error line."""
    from writer_app.core.requests import ModelSpec
    from writer_app.core.thesaurus import ThesaurusError, shipped_thesaurus
    from writer_app.inference.devices import DeviceError
    from writer_app.inference.registry import ModelLoadError, load_causal_lm

    try:
        thesaurus = shipped_thesaurus()
    except ThesaurusError as exc:
        return _error(str(exc))
    try:
        loaded = load_causal_lm(ModelSpec(args.model, args.device),
                                lambda message: print(message, file=sys.stderr))
    except (ModelLoadError, DeviceError) as exc:
        return _error(str(exc))
    from writer_app.inference.completion import CompletionEngine
    from writer_app.inference.word_choice import WordChooser

    return WordChooser(CompletionEngine(loaded.model, loaded.tokenizer), thesaurus)


def as_json(result) -> dict:
    suggestions = []
    for suggestion in result.suggestions:
        item = {"text": suggestion.text, "score": suggestion.score, "sense": suggestion.sense}
        if suggestion.article:
            item["article"] = suggestion.article
        suggestions.append(item)
    return {"word": result.word, "offset": result.start, "suggestions": suggestions}


def as_text(result) -> str:
    if not result.suggestions:
        return f"{result.word}: no synonyms found"
    lines = [f"{result.word}:"]
    for suggestion in result.suggestions:
        text = suggestion.replacement if suggestion.article else suggestion.text
        lines.append(f"  {text:<24} {suggestion.score:5.2f}  {suggestion.sense}")
    return "\n".join(lines)
