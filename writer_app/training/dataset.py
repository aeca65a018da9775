"""Training examples for the GECToR-style tagger, from clean sentences.

Each clean sentence is corrupted by ``Corruptor`` (a share is left unchanged, so that the
model learns to keep correct text); the aligner then derives the tags that turn the
corrupted tokens back into the clean ones. Corrections that need several iterations
(e.g. two words inserted at one place) give one example per iteration, as GECToR trains
on each iteration's (tokens, tags) pair. An example is one JSON line::

    {"words": [...], "tags": [...], "kinds": [...]}

``tags`` has ``len(words) + 1`` entries (the first is for ``$START``); ``kinds`` are the
error kinds the corruptor applied to the sentence (empty when it was left unchanged).

Determinism: sentences are cut into fixed-size chunks, and each chunk gets its own
``Corruptor`` seeded from (seed, chunk index); the chunks are processed by a pool of
workers but collected in order, so the output depends only on the sentences and the seed
(not on the number of workers). The split into train and validation sets is by a hash of
the clean sentence, so a sentence stays on its side whatever else is in the corpus.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from writer_app.core.documents import atomic_write_text
from writer_app.core.gec.align import AlignmentError, derive_steps
from writer_app.core.gec.tags import TagVocabulary
from writer_app.core.gec.tokens import words
from writer_app.training.corruption import Corruptor

CHUNK_SIZE = 256
PARALLEL_THRESHOLD = 5000  # below this, spawning workers (each imports lemminflect -> torch)
# costs more than it saves: 2,000 sentences took 4 s serially, 7 s with 2 workers
VALID_PERCENT = 5
MAX_LEXICAL_TAGS = 5000

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Example:
    words: tuple[str, ...]
    tags: tuple[str, ...]
    kinds: tuple[str, ...]

    def to_json(self) -> str:
        payload = {"words": list(self.words), "tags": list(self.tags), "kinds": list(self.kinds)}
        return json.dumps(payload, ensure_ascii=False)

    @classmethod
    def from_json(cls, line: str) -> Example:
        payload = json.loads(line)
        return cls(tuple(payload["words"]), tuple(payload["tags"]), tuple(payload["kinds"]))


@dataclass
class SentenceResult:
    """The examples of one clean sentence (all its iterations), or a failed alignment."""

    sentence: str
    examples: list[Example]
    failed: bool = False


@dataclass
class DatasetStats:
    sentences: int = 0
    unchanged: int = 0
    failed: int = 0
    examples: dict[str, int] = field(default_factory=lambda: {"train": 0, "valid": 0})
    sentences_by_split: dict[str, int] = field(default_factory=lambda: {"train": 0, "valid": 0})
    kinds: Counter[str] = field(default_factory=Counter)
    tag_counts: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict:
        return {
            "sentences": self.sentences,
            "unchanged": self.unchanged,
            "alignment_failures": self.failed,
            "examples": self.examples,
            "sentences_by_split": self.sentences_by_split,
            "kinds": dict(sorted(self.kinds.items())),
            "distinct_tags": len(self.tag_counts),
        }


def chunk_seed(seed: int, chunk_index: int) -> int:
    """A Corruptor seed per chunk, independent of string hashing and of the worker count."""
    digest = hashlib.sha256(f"{seed}:{chunk_index}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def split_of(sentence: str, valid_percent: int = VALID_PERCENT) -> str:
    """"valid" for about ``valid_percent`` % of sentences, by a stable hash; else "train"."""
    digest = hashlib.sha1(sentence.encode("utf-8")).digest()
    return "valid" if int.from_bytes(digest[:4], "big") % 100 < valid_percent else "train"


def examples_for(sentence: str, corruptor: Corruptor) -> SentenceResult:
    """Corrupt ``sentence`` and derive one example per tagging iteration back to it."""
    corrupted, kinds = corruptor.corrupt(sentence)
    source, target = words(corrupted), words(sentence)
    if source == target:
        keep = ("$KEEP",) * (len(source) + 1)
        return SentenceResult(sentence, [Example(tuple(source), keep, tuple(kinds))])
    try:
        steps = derive_steps(source, target)
    except AlignmentError:
        return SentenceResult(sentence, [], failed=True)
    return SentenceResult(
        sentence, [Example(step.tokens, step.tags, tuple(kinds)) for step in steps]
    )


def _process_chunk(task: tuple) -> list[SentenceResult]:
    seed, index, sentences, unchanged_share, *rest = task
    rates = rest[0] if rest else None
    corruptor = Corruptor(chunk_seed(seed, index), unchanged_share=unchanged_share,
                          rates=rates)
    return [examples_for(sentence, corruptor) for sentence in sentences]


def iter_results(
    sentences: Sequence[str],
    seed: int = 0,
    workers: int = 2,
    unchanged_share: float = 0.25,
    progress: Progress | None = None,
    rates: Mapping[str, float] | None = None,
) -> Iterator[SentenceResult]:
    """Results for every sentence, in input order; parallel when there are many.
    ``rates``: the Corruptor's weights of error kinds, where they differ from its own."""
    rates = dict(rates) if rates else None
    tasks = [
        (seed, i, sentences[start : start + CHUNK_SIZE], unchanged_share, rates)
        for i, start in enumerate(range(0, len(sentences), CHUNK_SIZE))
    ]
    done = 0
    if workers > 1 and len(sentences) >= PARALLEL_THRESHOLD:
        # "spawn" keeps workers free of whatever the parent imported (Qt, torch threads).
        context = multiprocessing.get_context("spawn")
        with context.Pool(workers) as pool:
            for results in pool.imap(_process_chunk, tasks):
                done += len(results)
                yield from results
                if progress:
                    progress(done, len(sentences))
        return
    for task in tasks:
        results = _process_chunk(task)
        done += len(results)
        yield from results
        if progress:
            progress(done, len(sentences))


@contextmanager
def atomic_lines(path: Path) -> Iterator[TextIO]:
    """A text file written beside ``path`` and renamed over it only when complete, so a
    crash never leaves a half-written dataset (streamed: datasets can be large)."""
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def write_dataset(
    sentences: Sequence[str],
    out_dir: str | Path,
    seed: int = 0,
    workers: int = 2,
    unchanged_share: float = 0.25,
    max_lexical: int = MAX_LEXICAL_TAGS,
    progress: Progress | None = None,
    rates: Mapping[str, float] | None = None,
    vocabulary: TagVocabulary | None = None,
) -> tuple[TagVocabulary, DatasetStats]:
    """Write ``train.jsonl``, ``valid.jsonl`` and ``vocabulary.json`` into ``out_dir``.

    The vocabulary is built from the training split's tag counts only, so that validation
    measures what a model trained on it would really see; a given ``vocabulary`` (a
    model's, to continue training it) is written instead, and tags outside it are left
    out of the tag loss."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stats = DatasetStats()
    with atomic_lines(out / "train.jsonl") as train, atomic_lines(out / "valid.jsonl") as valid:
        handles = {"train": train, "valid": valid}
        for result in iter_results(sentences, seed, workers, unchanged_share, progress,
                                   rates):
            _record(result, stats, handles)
    if vocabulary is None:
        vocabulary = TagVocabulary.build(stats.tag_counts, max_lexical=max_lexical)
    atomic_write_text(out / "vocabulary.json", vocabulary.to_json())
    return vocabulary, stats


def _record(result: SentenceResult, stats: DatasetStats, handles: dict[str, TextIO]) -> None:
    stats.sentences += 1
    if result.failed:
        stats.failed += 1
        return
    split = split_of(result.sentence)
    stats.sentences_by_split[split] += 1
    kinds = result.examples[0].kinds
    if not kinds:
        stats.unchanged += 1
    stats.kinds.update(kinds)
    for example in result.examples:
        handles[split].write(example.to_json() + "\n")
        stats.examples[split] += 1
        if split == "train":
            stats.tag_counts.update(example.tags)


def read_examples(path: str | Path) -> Iterator[Example]:
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield Example.from_json(line)
