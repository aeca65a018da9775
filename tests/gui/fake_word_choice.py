"""A fake completion backend that also offers synonyms and rephrasings.

Synonyms are real candidates of the shipped thesaurus (inflected, with articles and
senses), kept in the thesaurus's order instead of being ranked by a model; `gate`
holds a request until the test releases it (the text can change meanwhile).
"""

from __future__ import annotations

import threading
from pathlib import Path

from tests.fakes import FakeBackend
from writer_app.core.substitutes import candidates, part_of_speech, target_at
from writer_app.core.thesaurus import Thesaurus
from writer_app.core.word_choice import (
    RephraseResult,
    SenseInfo,
    Suggestion,
    SynonymResult,
)

RESOURCE = Path(__file__).resolve().parents[2] / "resources" / "thesaurus" / "wordnet-en.tsv.gz"
_THESAURUS: list[Thesaurus] = []


def thesaurus() -> Thesaurus:
    if not _THESAURUS:
        _THESAURUS.append(Thesaurus.load(RESOURCE))
        warm = "A warm-up."  # lemminflect's tables load here, not in the worker's first call
        candidates(_THESAURUS[0], warm, target_at(warm, 2, 6))
    return _THESAURUS[0]


class FakeWordChoiceBackend(FakeBackend):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.phrasings = ["At first she wrote to her mother.", "She started a letter.",
                          "A letter to her mother was begun."]
        self.parameters = 135_000_000
        self.word_gate: threading.Event | None = None
        self.synonym_requests = []
        thesaurus()

    def synonyms(self, request, cancel=None) -> SynonymResult:
        self.synonym_requests.append(request)
        cancel = cancel or threading.Event()
        if self.word_gate is not None:
            while not self.word_gate.wait(0.01) and not cancel.is_set():
                pass
        text = request.text
        target = target_at(text, request.start, request.end)
        found = candidates(thesaurus(), text, target)
        chosen = found.candidates[:40]  # all of them (a real backend keeps the best)
        suggestions = []
        for rank, candidate in enumerate(chosen):
            start = target.span_start if candidate.article != target.article else target.start
            replacement = candidate.replacement if start != target.start else candidate.text
            suggestions.append(Suggestion(
                candidate.text, round(1 / (rank + 2), 3), found.groups[candidate.group].gloss,
                candidate.group, request.offset + start, request.offset + target.end,
                replacement))
        senses = tuple(SenseInfo(part_of_speech(g.pos), g.gloss) for g in found.groups)
        return SynonymResult(request.request_id, request.revision, target.word,
                             request.offset + target.start, request.offset + target.end,
                             tuple(suggestions), senses, cancelled=cancel.is_set())

    def rephrase(self, request, cancel=None) -> RephraseResult:
        return RephraseResult(request.request_id, request.revision, request.sentence,
                              request.start, request.end,
                              tuple(self.phrasings[: request.count]), self.info.name,
                              self.parameters, True)
