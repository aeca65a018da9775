"""Build the compact thesaurus the synonym popup reads, shipped as
resources/thesaurus/wordnet-en.tsv.gz.

Each WordNet sense of a one-word lemma (noun, verb, adjective, adverb) becomes a group:
a short gloss and the words that can stand for it (the other lemmas of the synset and,
for adjectives, those of the "similar to" synsets: the senses of "hot" are otherwise
single words). Senses keep WordNet's order (by tagged frequency), so the file's own
order is the baseline a context ranking is measured against. Each candidate word also
carries a Zipf-like frequency (log10 of its count per billion words, from the
frequency list shipped with symspellpy), used to leave out words nobody writes.
Run once when the sources change:

    python -m writer_app.training.thesaurus --wordnet /usr/share/wordnet \
        --out resources/thesaurus/wordnet-en.tsv.gz

Needs the Debian package wordnet-base.

The file is gzipped UTF-8 text, one record a line, tab-separated:
    S  <pos>  <gloss>  <synonyms>  <similar>  <generic>  <specific>
                       a sense (numbered from 0 in order); each list is word|word|...
    W  <lemma>  <pos>  <sense number,sense number,...>   a lemma's senses, most frequent first
    F  <word>  <frequency>                               the frequency of a candidate
"""

from __future__ import annotations

import argparse
import gzip
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

POS_FILES = {"n": "noun", "v": "verb", "a": "adj", "r": "adv"}
GLOSS_CHARS = 56
MAX_WORDS = 3  # candidates longer than this ("make a motion to …") are left out
# The commonest more specific words offered for a noun sense ("factory" and "mill" for
# the "works" sense of plant, "herb" for the flora one): a writer often wants the more
# precise word. Ten measured better than six on both word-choice sets.
MAX_SPECIFIC = 10
# Hypernyms too general to stand for anything ("be" for "begin").
TOO_GENERIC = frozenset({"be", "have", "do", "act", "move", "entity", "abstraction",
                         "physical entity", "object", "whole", "thing", "matter"})
MIN_FREQUENCY = 1.5  # related words rarer than this (per billion, log10) are left out
_LEMMA_RE = re.compile(r"[a-z][a-z'-]*")
_MARKER_RE = re.compile(r"\((?:a|p|ip)\)$")  # adjective position markers: "galore(ip)"


@dataclass
class Synset:
    pos: str
    lemmas: list[str]
    gloss: str
    similar: list[str] = field(default_factory=list)  # offsets of "similar to" synsets
    see_also: list[str] = field(default_factory=list)  # "also see" (adjectives: warm of hot)
    satellite: bool = False
    generic: list[str] = field(default_factory=list)  # hypernyms
    specific: list[str] = field(default_factory=list)  # hyponyms


def read_synsets(folder: Path, part: str) -> dict[str, Synset]:
    """offset -> Synset of one WordNet data file (adjective satellites read as "a")."""
    synsets = {}
    for line in (folder / f"data.{part}").read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue  # licence header
        head, _, gloss = line.partition(" | ")
        fields = head.split()
        count = int(fields[3], 16)
        lemmas = [_MARKER_RE.sub("", fields[4 + 2 * k]).replace("_", " ")
                  for k in range(count)]
        at = 4 + 2 * count
        pointers = int(fields[at])
        links: dict[str, list[str]] = {}
        for k in range(pointers):
            symbol, offset = fields[at + 1 + 4 * k], fields[at + 2 + 4 * k]
            links.setdefault(symbol, []).append(offset)
        pos = "a" if fields[2] == "s" else fields[2]
        synsets[fields[0]] = Synset(pos, lemmas, short_gloss(gloss), links.get("&", []),
                                    links.get("^", []), fields[2] == "s",
                                    links.get("@", []), links.get("~", []))
    return synsets


def short_gloss(gloss: str) -> str:
    """The definition without its examples, cut at a word to about GLOSS_CHARS."""
    text = gloss.split(";")[0].split('"')[0].strip().rstrip(":,")
    text = re.sub(r"^\((?:usually|often|sometimes|followed|of|used)[^)]*\)\s*", "", text)
    if len(text) <= GLOSS_CHARS:
        return text
    cut = text[:GLOSS_CHARS].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def read_index(folder: Path, part: str) -> list[tuple[str, list[str]]]:
    """(lemma, synset offsets, most frequent sense first) of one-word lower-case lemmas."""
    entries = []
    for line in (folder / f"index.{part}").read_text(encoding="utf-8").splitlines():
        if line.startswith(" "):
            continue
        fields = line.split()
        lemma = fields[0]
        if not _LEMMA_RE.fullmatch(lemma):
            continue
        senses = int(fields[2])
        entries.append((lemma, fields[-senses:]))
    return entries


def read_frequencies(path: Path) -> dict[str, float]:
    """word -> log10 of its count per billion words ("Zipf" scale: 1 rare .. 7 'the')."""
    counts = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, _, count = line.partition(" ")
        if count.strip().isdigit():
            counts[word.lower()] = counts.get(word.lower(), 0) + int(count)
    total = sum(counts.values())
    return {word: math.log10(count * 1e9 / total) for word, count in counts.items()}


def phrase_frequency(phrase: str, frequencies: dict[str, float]) -> float:
    """A phrase is as rare as its rarest word, and a little rarer for its length."""
    words = re.split(r"[ -]", phrase.lower())
    values = [frequencies.get(word, 0.0) for word in words if word]
    return round(min(values, default=0.0) - 0.5 * (len(words) - 1), 1)


def _words(synsets: dict[str, Synset], offsets: list[str]) -> list[str]:
    return [word for offset in offsets if offset in synsets for word in synsets[offset].lemmas]


def _similar(synset: Synset, synsets: dict[str, Synset]) -> list[str]:
    """Adjectives: the similar senses and those it refers to ("hot" -> "warm"); for a
    satellite sense, its head's word and the head's other satellites (the "hot" of
    spicy food is a satellite of "tasty", next to "spicy" and "peppery")."""
    words = _words(synsets, synset.similar) + _words(synsets, synset.see_also)
    if synset.satellite:
        for head in synset.similar:
            if head in synsets:
                words += _words(synsets, synsets[head].similar)
    return words


def _tiers(synset: Synset, synsets: dict[str, Synset],
           frequencies: dict[str, float]) -> list[list[str]]:
    """The candidates of a sense by how close they are: its own words, similar words
    (adjectives), more general words, and, for a noun sense, its commonest more specific
    ones. Names, rare words and long phrases are left out."""
    tiers = [synset.lemmas, _similar(synset, synsets),
             [w for w in _words(synsets, synset.generic) if w not in TOO_GENERIC]]
    specific = []
    if synset.pos == "n":
        specific = sorted(_words(synsets, synset.specific),
                          key=lambda w: -phrase_frequency(w, frequencies))[:MAX_SPECIFIC]
    tiers.append(specific)
    seen, kept = set(), []
    for rank, words in enumerate(tiers):
        kept.append([])
        for word in words:
            low = word.lower()
            if word != low or low in seen or len(low.split()) > MAX_WORDS:
                continue  # names ("Begin") are no synonyms of common words
            if rank and phrase_frequency(low, frequencies) < MIN_FREQUENCY:
                continue
            seen.add(low)
            kept[-1].append(low)
    return kept


def build(folder: Path, frequencies: dict[str, float]) -> list[str]:
    lines, numbers, used = [], {}, set()
    for pos, part in POS_FILES.items():
        synsets = read_synsets(folder, part)
        index = []
        for lemma, offsets in read_index(folder, part):
            senses = []
            for offset in offsets:
                synset = synsets[offset]
                tiers = _tiers(synset, synsets, frequencies)
                if not [w for tier in tiers for w in tier if w != lemma]:
                    continue  # a sense with no other word: nothing to offer
                key = (pos, offset)
                if key not in numbers:
                    numbers[key] = len(numbers)
                    lines.append("\t".join(["S", pos, synset.gloss,
                                            *("|".join(tier) for tier in tiers)]))
                    used.update(w for tier in tiers for w in tier)
                senses.append(str(numbers[key]))
            if senses:
                index.append(f"W\t{lemma}\t{pos}\t{','.join(senses)}")
        lines.extend(index)
    lines.extend(f"F\t{word}\t{phrase_frequency(word, frequencies)}" for word in sorted(used))
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--wordnet", type=Path, default=Path("/usr/share/wordnet"))
    parser.add_argument("--frequencies", type=Path, default=None,
                        help="a 'word count' list (default: the one shipped with symspellpy)")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    frequency_file = args.frequencies
    if frequency_file is None:
        import symspellpy

        frequency_file = Path(symspellpy.__file__).parent / "frequency_dictionary_en_82_765.txt"
    lines = build(args.wordnet, read_frequencies(frequency_file))
    header = ("# Thesaurus for writer_app, generated by writer_app.training.thesaurus from "
              "WordNet 3.0 (Princeton University, WordNet 3.0 licence) with word frequencies "
              "from symspellpy's list (MIT).")
    text = header + "\n" + "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # mtime 0: the file is byte-identical between runs
    args.out.write_bytes(gzip.compress(text.encode("utf-8"), compresslevel=9, mtime=0))
    senses = sum(1 for line in lines if line[0] == "S")
    print(f"{senses} senses -> {args.out} ({args.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
