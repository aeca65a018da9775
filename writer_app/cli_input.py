"""What every command line command does with its input and options before any work:
regular files only, bounded sizes, strict UTF-8 on files and standard input alike, and
numeric options capped by a sane maximum and by the model's context."""

from __future__ import annotations

import argparse
import sys

from writer_app.core.documents import MAX_INPUT_BYTES, MB, DocumentError, read_stream_text

MAX_NEW_TOKENS = 2048  # complete --max-new-tokens
MAX_CONTEXT = 4096  # perplexity --context
MAX_BYTES_CAP = 1024 * MB  # --max-bytes may raise the input limit up to this
CHECK_MAX_BYTES = 2 * MB  # check, correct, perplexity: a long novel; more takes hours on a CPU
PROMPT_MAX_BYTES = 1 * MB  # complete: only the end of the text is read by the model


def add_input_options(parser: argparse.ArgumentParser, *, pickle: bool = True,
                      max_bytes: int | None = MAX_INPUT_BYTES) -> None:
    if max_bytes:
        parser.add_argument("--max-bytes", type=int, default=max_bytes, metavar="N",
                            help=f"refuse input larger than N bytes (default "
                                 f"{max_bytes // MB} MB)")
    if pickle:
        parser.add_argument("--allow-pickle", action="store_true",
                            help="load a model whose weights are pickle files only "
                                 "(pickle can run code: only for models you trust)")


def option_problem(args: argparse.Namespace) -> str:
    """Why the generic options cannot be used, or ""."""
    limit = getattr(args, "max_bytes", None)
    if limit is not None and not 1 <= limit <= MAX_BYTES_CAP:
        return f"--max-bytes must be between 1 and {MAX_BYTES_CAP}"
    return ""


def read_stdin(limit: int = MAX_INPUT_BYTES) -> str:
    """Standard input as text (see core.documents); raises DocumentError."""
    raw = getattr(sys.stdin, "buffer", None)
    if raw is None:  # a text stream (tests, embedding): encode it back to check it
        try:
            data = sys.stdin.read().encode("utf-8", "strict")
        except (UnicodeError, ValueError) as exc:
            raise DocumentError(f"standard input is not valid UTF-8 ({exc}).") from None
        import io

        return read_stream_text(io.BytesIO(data), limit)
    return read_stream_text(raw, limit)


def model_context(model) -> int | None:
    """The longest sequence the model's positions allow, when its config says."""
    config = getattr(model, "config", None)
    for name in ("max_position_embeddings", "n_positions", "n_ctx", "seq_length"):
        value = getattr(config, name, None)
        if isinstance(value, int) and value > 0:
            return value
    return None


def tokens_problem(option: str, value: int, low: int, high: int, model=None) -> str:
    """Why `value` is out of range for `option` (also against the model's context)."""
    if value < low:
        return f"{option} must be at least {low}"
    if value > high:
        return f"{option} must be at most {high}"
    context = model_context(model) if model is not None else None
    if context is not None and value > context:
        return f"{option} {value} is more than this model's context of {context} tokens"
    return ""


LONG_LINE = 4000  # characters: a longer line is checked (and printed) in pieces


def line_pieces(line: str, size: int = LONG_LINE) -> list[tuple[int, int]]:
    """(start, end) spans covering `line`, cut at sentence starts into pieces of about
    `size` characters (a longer sentence at a space), so that a huge line is checked and
    printed a piece at a time instead of all at the end."""
    if len(line) <= size:
        return [(0, len(line))]
    from writer_app.core.gec.tokens import split_sentences

    cuts = [0]
    for sentence in split_sentences(line):
        while sentence.start - cuts[-1] > size:  # one long run of words: cut at a space
            space = line.rfind(" ", cuts[-1] + 1, cuts[-1] + size)
            cuts.append(space + 1 if space > cuts[-1] else cuts[-1] + size)
        if sentence.start - cuts[-1] >= size // 2 or (
                sentence.end - cuts[-1] > size and sentence.start > cuts[-1]):
            cuts.append(sentence.start)
    while len(line) - cuts[-1] > size:
        space = line.rfind(" ", cuts[-1] + 1, cuts[-1] + size)
        cuts.append(space + 1 if space > cuts[-1] else cuts[-1] + size)
    return list(zip(cuts, [*cuts[1:], len(line)], strict=True))
