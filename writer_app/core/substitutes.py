"""Candidates that could replace one word of a sentence, before any ranking.

The word is read as every part of speech the thesaurus and lemminflect allow ("runs":
a plural noun and a verb), each with the Penn tag its form carries ("began": VBD).
Every candidate of every sense is inflected to that tag ("began" offers "started",
never "start"), so agreement holds by construction; a candidate that cannot carry the
tag (a mass noun for a plural, an adjective without a comparative) is left out. When
"a" or "an" stands before the word, each candidate brings the article it needs.

Candidates come in the thesaurus's order (sense by sense, most frequent sense first):
that order is the baseline a context ranking is measured against. Each also carries a
prior (closeness to the sense, the sense's rank, how common the word is) that the
ranking may lean on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from writer_app.core.gec.verb_forms import (
    UNCOUNTABLE_NOUNS,
    indefinite_article,
    match_case,
)
from writer_app.core.thesaurus import Thesaurus

UPOS = {"n": "NOUN", "v": "VERB", "a": "ADJ", "r": "ADV"}
_POS_OF = {upos: pos for pos, upos in UPOS.items()}
BASE_TAG = {"n": "NN", "v": "VB", "a": "JJ", "r": "RB"}
# The prior: a word farther from the sense, of a rarer sense, or rarer itself starts lower.
TIER_PENALTY = (0.0, 1.0, 1.5, 2.0)
SENSE_PENALTY = 0.5
FREQUENCY_WEIGHT = 0.8
COMMON_FREQUENCY = 5.0  # as common as words get for this purpose (log10 per billion)
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z'-]*")
_ARTICLE_RE = re.compile(r"(?<![\w'-])(an?)(\s+)$", re.IGNORECASE)
_AUXILIARIES = frozenset({"has", "have", "had", "having", "is", "are", "was", "were", "be",
                          "been", "being", "am", "'s", "'ve", "'d", "'re", "get", "gets",
                          "got", "gotten"})
# Words after which a noun phrase goes on ("her" and "that" left out: "saw her run",
# "the one that runs").
_DETERMINERS = frozenset({"a", "an", "the", "this", "these", "those", "my", "your", "his",
                          "its", "our", "their", "every", "each", "another", "some", "any",
                          "no"})
_NOUN_SLOT_RE = re.compile(r"(?:(?<![\w'-])([A-Za-z']+) +)?(?<![\w'-])([A-Za-z']+) +$")
_SKIPPED_ADVERBS = frozenset({"not", "never", "already", "just", "also", "often", "always",
                              "recently", "since", "ever", "n't", "all", "both", "once"})


@dataclass(frozen=True)
class Target:
    """The word to replace, where it stands, and the article before it, if any."""

    word: str
    start: int
    end: int
    article_start: int = -1  # where a preceding "a"/"an" starts; -1 when there is none
    article: str = ""

    @property
    def span_start(self) -> int:
        """Where a replacement starts: at the article when there is one."""
        return self.article_start if self.article_start >= 0 else self.start


@dataclass(frozen=True)
class SenseGroup:
    pos: str  # n, v, a, r
    gloss: str
    rank: int  # the sense's place among the word's senses of this part of speech


@dataclass(frozen=True)
class Candidate:
    text: str  # replaces the word, inflected and in the word's case
    article: str  # written instead of the target's article ("" when there is none)
    lemma: str
    group: int  # index into CandidateSet.groups
    tier: int  # 0 synonym, 1 similar, 2 more general, 3 more specific
    prior: float

    @property
    def replacement(self) -> str:
        """What replaces the target's span (article included)."""
        return f"{self.article} {self.text}" if self.article else self.text


@dataclass(frozen=True)
class CandidateSet:
    target: Target
    groups: tuple[SenseGroup, ...]
    candidates: tuple[Candidate, ...]  # the thesaurus's order


def find_target(text: str, word: str) -> Target | None:
    """The first whole-word occurrence of `word` in `text` (exact case first)."""
    word = word.strip()
    if not word:
        return None
    pattern = rf"(?<![\w'-]){re.escape(word)}(?![\w'-])"
    match = re.search(pattern, text) or re.search(pattern, text, re.IGNORECASE)
    return None if match is None else target_at(text, match.start(), match.end())


def target_at(text: str, start: int, end: int) -> Target:
    """The target text[start:end], with the article that stands right before it."""
    article = _ARTICLE_RE.search(text[:start])
    if article is None:
        return Target(text[start:end], start, end)
    return Target(text[start:end], start, end, article.start(1), article.group(1))


@lru_cache(maxsize=1)
def _lemminflect():
    import lemminflect  # imported on first use (see core/gec/verb_forms.py)

    return lemminflect


@lru_cache(maxsize=8192)
def _inflections(lemma: str, upos: str) -> dict[str, tuple[str, ...]]:
    forms = dict(_lemminflect().getAllInflections(lemma, upos=upos))
    if upos == "VERB" and forms:
        forms.setdefault("VBN", forms.get("VBD", ()))
        forms.setdefault("VBD", forms.get("VBN", ()))
    return forms


def _readings(word: str, thesaurus: Thesaurus) -> list[tuple[str, str, tuple[str, ...]]]:
    """(lemma, pos, Penn tags the word's form carries) for each reading with senses."""
    lower = word.lower()
    lemmas = dict(_lemminflect().getAllLemmas(lower))
    readings = []
    for pos, upos in UPOS.items():
        found = list(lemmas.get(upos, ()))
        if lower not in found and thesaurus.has(lower, pos):
            found.append(lower)  # WordNet knows the form as a lemma of its own
        for lemma in dict.fromkeys(found):
            if not thesaurus.has(lemma, pos):
                continue
            tags = tuple(t for t, forms in _inflections(lemma, upos).items() if lower in forms)
            if not tags and lemma == lower:
                tags = (BASE_TAG[pos],)
            if tags:
                readings.append((lemma, pos, tags))
    return readings


def _noun_slot(before: str) -> bool:
    """Whether the word stands where a noun phrase goes on: right after a determiner,
    or after a determiner and a word that is only an adjective ("the plant", "a new
    plant"; not "that plant", where "that" may be a pronoun)."""
    match = _NOUN_SLOT_RE.search(before)
    if match is None:
        return False
    first, last = (word.lower() if word else "" for word in match.groups())
    if last in _DETERMINERS:
        return True
    if first not in _DETERMINERS:
        return False
    lemmas = _lemminflect().getAllLemmas(last)
    return "ADJ" in lemmas and "VERB" not in lemmas


def _choose_tag(tags: tuple[str, ...], before: str) -> str:
    """One tag for an ambiguous form: a participle after an auxiliary ("has started"),
    a past tense otherwise; the base form over VBP; the singular over the plural."""
    if "VBD" in tags and "VBN" in tags:
        return "VBN" if _after_auxiliary(before) else "VBD"
    for tag in ("VB", "NN", "JJ", "RB"):
        if tag in tags:
            return tag
    return tags[0]


def _after_auxiliary(before: str) -> bool:
    words = re.findall(r"[\w']+", before.lower())[-4:]
    for word in reversed(words):
        if word in _AUXILIARIES:
            return True
        if word not in _SKIPPED_ADVERBS and not word.endswith("ly"):
            return False
    return False


def inflect(candidate: str, pos: str, tag: str) -> str | None:
    """`candidate` (a lemma or phrase) carrying Penn tag `tag`, or None when it cannot."""
    if tag == BASE_TAG[pos] or (tag == "VBP" and candidate != "be"):
        return candidate
    words = candidate.split(" ")
    head = len(words) - 1 if pos == "n" else 0  # "credit unions", "sets about"
    if pos in ("a", "r") and len(words) > 1:
        return None  # no comparative of a phrase
    upos = UPOS[pos]
    word = words[head]
    if pos == "n" and tag == "NNS" and word in UNCOUNTABLE_NOUNS:
        return None
    forms = _inflections(word, upos).get(tag)
    if not forms:
        if pos == "a" and tag in ("JJR", "JJS") and len(word) >= 7:
            return ("more " if tag == "JJR" else "most ") + candidate
        return None
    words[head] = forms[0]
    return " ".join(words)


def _is_lemma(word: str, pos: str) -> bool:
    """False for inflected forms listed as words of their own ("bigger" under "big")."""
    if " " in word or pos in ("n", "v"):
        return True  # nouns such as "works" are plural in form
    lemmas = _lemminflect().getAllLemmas(word).get(UPOS[pos])
    return not lemmas or word in lemmas


def prior(tier: int, rank: int, frequency: float) -> float:
    return (FREQUENCY_WEIGHT * (min(frequency, COMMON_FREQUENCY) - COMMON_FREQUENCY)
            - TIER_PENALTY[tier] - SENSE_PENALTY * rank)


def candidates(thesaurus: Thesaurus, text: str, target: Target,
               max_senses: int = 12) -> CandidateSet:
    """Every candidate for `target` in `text`, in the thesaurus's order."""
    word = target.word
    groups: list[SenseGroup] = []
    found: list[Candidate] = []
    seen = {word.lower()}
    before = text[:target.span_start]
    if _WORD_RE.fullmatch(word):
        readings = _readings(word, thesaurus)
        if _noun_slot(text[:target.start]):
            # "a new plant": not the verb "plant" ("place", "embed") nor an adverb;
            # participles stay ("the running water": "flowing")
            nominal = [(lemma, pos, tags) for lemma, pos, tags in readings
                       if pos in ("n", "a") or (pos == "v" and {"VBG", "VBN"} & set(tags))]
            readings = nominal or readings
        lemmas = {word.lower()} | {lemma for lemma, _, _ in readings}
        for lemma, pos, tags in readings:
            tag = _choose_tag(tags, before)
            seen.add(lemma)
            for rank, sense in enumerate(thesaurus.senses(lemma, pos)[:max_senses]):
                group = len(groups)
                added = False
                for candidate, tier in sense.words():
                    if (candidate in seen or not _is_lemma(candidate, pos)
                            or repeats(candidate, lemmas)):
                        continue
                    form = inflect(candidate, pos, tag)
                    if form is None or form.lower() in seen:
                        continue
                    seen.update((candidate, form.lower()))
                    text_form = match_case(word, form)
                    article = ""
                    if target.article:
                        article = match_case(target.article, indefinite_article(form))
                    found.append(Candidate(text_form, article, candidate, group, tier,
                                           prior(tier, rank, thesaurus.frequency(candidate))))
                    added = True
                if added:
                    groups.append(SenseGroup(pos, sense.gloss, rank))
    return CandidateSet(target, tuple(groups), tuple(found))


def repeats(candidate: str, lemmas: set[str]) -> bool:
    """Whether `candidate` only repeats the word: a phrase that holds it ("savings bank"
    for bank, "plant life" for plant) or another word from the same stem ("feel" for
    feeling, "weakened" for weak, "leaving" for leave). The writer wants another word.
    Hyphenated compounds ("razor-sharp") stay: they change the word."""
    lower = candidate.lower()
    words = lower.split(" ")
    if len(words) > 1:
        return any(word in lemmas for word in words)
    if "-" in lower:
        return False
    for lemma in lemmas:
        short, long = sorted((lemma, lower), key=len)
        if " " in short or len(short) < 4 or len(long) < len(short) + 2:
            continue
        if long.startswith(short[:-1]) and len(long) - len(short) <= 4:
            return True  # a suffix: -ing, -ed, -ened, -er (not "lightweight" for light)
    return False


def part_of_speech(pos: str) -> str:
    return {"n": "noun", "v": "verb", "a": "adjective", "r": "adverb"}[pos]
