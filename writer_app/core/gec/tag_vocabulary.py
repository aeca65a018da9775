"""TagVocabulary: the ordered tag set a tagger predicts over, saved with the model."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from writer_app.core.gec.tag_set import (
    BASE_TAGS,
    DELETE,
    KEEP,
    is_lexical,
    is_valid_tag,
)

# --- the vocabulary -------------------------------------------------------------------------

_VOCAB_FORMAT = "writer_app.gec.tag_vocabulary"
_VOCAB_VERSION = 1


@dataclass(frozen=True)
class TagVocabulary:
    """An ordered tag set: ``$KEEP`` (index 0), ``$DELETE``, every g-transform, then the
    ``$APPEND_x``/``$REPLACE_x`` tags kept from the training data, most frequent first."""

    tags: tuple[str, ...]
    _index: dict[str, int] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        if self.tags[:2] != (KEEP, DELETE):
            raise ValueError("a tag vocabulary starts with $KEEP and $DELETE")
        invalid = [tag for tag in self.tags if not is_valid_tag(tag)]
        if invalid:
            raise ValueError(f"invalid tags: {invalid[:5]}")
        index = {tag: i for i, tag in enumerate(self.tags)}
        if len(index) != len(self.tags):
            raise ValueError("duplicate tags in vocabulary")
        object.__setattr__(self, "_index", index)

    @classmethod
    def build(
        cls, counts: Mapping[str, int], max_lexical: int = 5000, min_count: int = 1
    ) -> TagVocabulary:
        """All base tags plus the ``max_lexical`` most frequent APPEND/REPLACE tags seen at
        least ``min_count`` times (ties broken alphabetically, for reproducibility)."""
        invalid = [tag for tag in counts if not is_valid_tag(tag)]
        if invalid:
            raise ValueError(f"invalid tags: {invalid[:5]}")
        lexical = sorted(
            ((tag, n) for tag, n in counts.items() if is_lexical(tag) and n >= min_count),
            key=lambda item: (-item[1], item[0]),
        )
        return cls(BASE_TAGS + tuple(tag for tag, _ in lexical[:max_lexical]))

    @classmethod
    def from_tag_lists(
        cls, tag_lists: Iterable[Sequence[str]], max_lexical: int = 5000, min_count: int = 1
    ) -> TagVocabulary:
        counts: Counter[str] = Counter()
        for tags in tag_lists:
            counts.update(tags)
        return cls.build(counts, max_lexical=max_lexical, min_count=min_count)

    def __len__(self) -> int:
        return len(self.tags)

    def __contains__(self, tag: object) -> bool:
        return tag in self._index

    def __iter__(self) -> Iterator[str]:
        return iter(self.tags)

    def index(self, tag: str) -> int:
        """The id of ``tag``; KeyError if it is not in the vocabulary."""
        return self._index[tag]

    def tag(self, index: int) -> str:
        if not 0 <= index < len(self.tags):
            raise IndexError(f"tag id {index} out of range 0..{len(self.tags) - 1}")
        return self.tags[index]

    def encode(self, tags: Iterable[str], unknown: str | None = None) -> list[int]:
        """Ids of ``tags``; tags outside the vocabulary become ``unknown`` (e.g. ``$KEEP``)
        or raise KeyError when it is None."""
        fallback = None if unknown is None else self._index[unknown]
        ids = []
        for tag in tags:
            found = self._index.get(tag, fallback)
            if found is None:
                raise KeyError(tag)
            ids.append(found)
        return ids

    def decode(self, ids: Iterable[int]) -> list[str]:
        return [self.tag(i) for i in ids]

    def to_json(self) -> str:
        payload = {"format": _VOCAB_FORMAT, "version": _VOCAB_VERSION, "tags": list(self.tags)}
        return json.dumps(payload, ensure_ascii=False, indent=1)

    @classmethod
    def from_json(cls, text: str) -> TagVocabulary:
        payload = json.loads(text)
        if not isinstance(payload, dict) or payload.get("format") != _VOCAB_FORMAT:
            raise ValueError("not a writer_app tag vocabulary")
        if payload.get("version") != _VOCAB_VERSION:
            raise ValueError(f"unsupported tag vocabulary version {payload.get('version')!r}")
        return cls(tuple(payload["tags"]))

    def save(self, path: str | Path) -> None:
        Path(path).write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: str | Path) -> TagVocabulary:
        return cls.from_json(Path(path).read_text(encoding="utf-8"))
