"""The spelling layer: misspelled words with character offsets and ranked candidates.

pyspellchecker's 160k-word list (0.3 s to load) decides which words are known and proposes
candidates (all words one edit away, else two). They are ranked by edit distance (a swap
of two letters counts as one), then by frequency in symspellpy's bundled frequency list
(82,834 words from a large web corpus; read directly as a text file, 0.15 s, without
building symspellpy's delete index, which takes about 4 s), then by pyspellchecker's own
frequency. Both load lazily, on the first check. A word in either list is known (the
web list has newer words: "app", "wifi", "maths"). A short hand-made table of frequent
misspellings and -s plurals of irregular nouns (PREFERRED_CORRECTIONS) puts the intended
word first where distance and frequency would not ("wich" -> "which", "childs" ->
"children").

Never flagged: protected tokens (URLs, e-mail addresses, numbers, code, personal-dictionary
words; see writer_app.core.gec.protect), capitalised words that do not start a sentence
(likely proper nouns; at a sentence start, a capitalised word is flagged only when its
best candidate is one edit away and keeps the first letter), all-caps acronyms, words with
letters outside ASCII (foreign words, other scripts), single letters, and
contractions/possessives whose parts are known
("don't", "it's", "Anna's"). Hyphenated words are checked part by part.

Language variants: pyspellchecker is American. With ``language="en-GB"`` British spellings
are accepted (a built-in list plus the regular -our/-re/-ise/-yse/-ll- patterns that map to
a known American word), and candidates are given in their British form ("colur" ->
"colour").
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import cached_property

from writer_app.core.gec.edits import GrammarEdit, apply_edits
from writer_app.core.gec.protect import IgnoreWordsField, normalise_words
from writer_app.core.gec.tags import Category, edit_distance
from writer_app.core.gec.tokens import Token, split_sentences, tokenize
from writer_app.inference.grammar.near_words import known_near, words_by_length

RULE_ID = "SPELLING"
LANGUAGES = ("en-US", "en-GB", "en")  # "en": British and American both accepted
_SYMSPELL_FILE = "frequency_dictionary_en_82_765.txt"
_APOSTROPHES = "'\u2019"
_CHECKABLE_RE = re.compile(r"[A-Za-z]+(?:['\u2019][A-Za-z]+)*")
_SUFFIX_RE = re.compile(r"^(?P<stem>[A-Za-z]+)['\u2019](?:s|d|ll|re|ve|m|t)$", re.IGNORECASE)
_CHUNK_RE = re.compile(r"\S+")
_CHUNK_STRIP = "\"'\u201c\u201d\u2018\u2019()[]{}<>,;:!?."
_DOTTED_RE = re.compile(r"[A-Za-z]\.[A-Za-z]{2,}")  # file.txt, obj.method (not "e.g")
_OPENING_PUNCTUATION = frozenset("\"'\u201c\u2018([{¿¡«-*•")
_CACHE_SIZE = 20_000  # words each per-word cache keeps (then it starts again)

# Common British spellings (American form in brackets where it is not regular). The
# patterns in _BRITISH_PATTERNS cover most others and their inflections.
BRITISH_WORDS: dict[str, str] = {
    "colour": "color", "favour": "favor", "favourite": "favorite", "honour": "honor",
    "labour": "labor", "neighbour": "neighbor", "behaviour": "behavior", "humour": "humor",
    "flavour": "flavor", "harbour": "harbor", "rumour": "rumor", "vapour": "vapor",
    "armour": "armor", "endeavour": "endeavor", "saviour": "savior", "odour": "odor",
    "centre": "center", "theatre": "theater", "metre": "meter", "litre": "liter",
    "fibre": "fiber", "calibre": "caliber", "sombre": "somber", "spectre": "specter",
    "organise": "organize", "realise": "realize", "recognise": "recognize",
    "apologise": "apologize", "criticise": "criticize", "emphasise": "emphasize",
    "analyse": "analyze", "paralyse": "paralyze", "catalogue": "catalog",
    "dialogue": "dialog", "defence": "defense", "offence": "offense", "licence": "license",
    "pretence": "pretense", "travelled": "traveled", "travelling": "traveling",
    "traveller": "traveler", "cancelled": "canceled", "cancelling": "canceling",
    "labelled": "labeled", "modelling": "modeling", "jewellery": "jewelry", "grey": "gray",
    "programme": "program", "cheque": "check", "tyre": "tire", "aluminium": "aluminum",
    "plough": "plow", "sceptical": "skeptical", "mould": "mold", "moustache": "mustache",
    "pyjamas": "pajamas", "manoeuvre": "maneuver", "oestrogen": "estrogen",
    "paediatric": "pediatric", "encyclopaedia": "encyclopedia", "ageing": "aging",
    "judgement": "judgment", "acknowledgement": "acknowledgment", "storey": "story",
    "kerb": "curb", "draught": "draft", "whilst": "while", "amongst": "among",
    "learnt": "learned", "spelt": "spelled", "dreamt": "dreamed", "burnt": "burned",
    "enrol": "enroll", "fulfil": "fulfill", "instalment": "installment", "skilful": "skillful",
    "wilful": "willful", "cosy": "cozy", "mum": "mom", "practise": "practice",
    "gaol": "jail", "arse": "ass", "sulphur": "sulfur", "doughnut": "donut",
}
# (British ending, American ending): a British word is accepted when the American form
# is a known word ("colours" -> "colors", "organisation" -> "organization").
_BRITISH_PATTERNS: tuple[tuple[str, str], ...] = (
    ("our", "or"), ("ours", "ors"), ("oured", "ored"), ("ouring", "oring"),
    ("ourite", "orite"), ("ourites", "orites"), ("ourable", "orable"),
    ("re", "er"), ("res", "ers"), ("red", "ered"),
    ("ise", "ize"), ("ises", "izes"), ("ised", "ized"), ("ising", "izing"),
    ("isation", "ization"), ("isations", "izations"), ("iser", "izer"), ("isers", "izers"),
    ("yse", "yze"), ("ysed", "yzed"), ("yses", "yzes"), ("ysing", "yzing"),
    ("lled", "led"), ("lling", "ling"), ("ller", "ler"), ("llers", "lers"),
    ("ogue", "og"), ("ogues", "ogs"), ("ence", "ense"), ("ences", "enses"),
)


# Frequent misspellings whose intended word edit distance and frequency alone would not
# pick ("wich" is as near to "with" as to "which"), and irregular plurals built with -s.
# The word here is put first among the candidates.
PREFERRED_CORRECTIONS: dict[str, str] = {
    "wich": "which", "whith": "with", "woud": "would", "shoud": "should", "coud": "could",
    "thier": "their", "teh": "the", "adn": "and", "alot": "a lot", "becuase": "because",
    "beleive": "believe", "belive": "believe", "recieve": "receive", "recieved": "received",
    "acheive": "achieve", "freind": "friend", "wierd": "weird", "peice": "piece",
    "definately": "definitely", "definatly": "definitely", "seperate": "separate",
    "seperately": "separately", "occured": "occurred", "occuring": "occurring",
    "occassion": "occasion", "accomodate": "accommodate", "accomodation": "accommodation",
    "untill": "until", "tommorow": "tomorrow", "tomorow": "tomorrow", "goverment": "government",
    "enviroment": "environment", "begining": "beginning", "comming": "coming",
    "commited": "committed", "concious": "conscious", "existance": "existence",
    "grammer": "grammar", "independant": "independent", "libary": "library",
    "neccessary": "necessary", "necesary": "necessary", "noticable": "noticeable",
    "realy": "really", "reccomend": "recommend", "recomend": "recommend",
    "remeber": "remember", "succesful": "successful", "sucessful": "successful",
    "suprise": "surprise", "truely": "truly", "writting": "writing", "buisness": "business",
    "completly": "completely", "diffrent": "different", "finaly": "finally",
    "immediatly": "immediately", "sentance": "sentence", "speach": "speech",
    "wensday": "Wednesday", "febuary": "February",
    "embarass": "embarrass", "harrass": "harass", "knowlege": "knowledge",
    "tounge": "tongue", "rythm": "rhythm", "medecine": "medicine", "publically": "publicly",
    "unfortunatly": "unfortunately", "persue": "pursue", "arguement": "argument",
    "judgemental": "judgmental", "maintainance": "maintenance", "millenium": "millennium",
    "posession": "possession", "prefered": "preferred", "refered": "referred",
    "tendancy": "tendency", "wether": "whether",
    "womans": "women", "womens": "women", "mens": "men", "childs": "children",
    "childrens": "children", "foots": "feet", "feets": "feet", "tooths": "teeth",
    "teeths": "teeth", "gooses": "geese", "sheeps": "sheep", "deers": "deer",
    "wifes": "wives", "lifes": "lives", "mouses": "mice",
}


# Contractions written without their apostrophe: the contraction is the first candidate,
# at a high confidence ("dont" -> "don't", never "font").
CONTRACTIONS: dict[str, str] = {
    "dont": "don't", "doesnt": "doesn't", "didnt": "didn't", "isnt": "isn't",
    "wasnt": "wasn't", "arent": "aren't", "werent": "weren't", "hasnt": "hasn't",
    "havent": "haven't", "hadnt": "hadn't", "wouldnt": "wouldn't", "couldnt": "couldn't",
    "shouldnt": "shouldn't", "mustnt": "mustn't", "neednt": "needn't", "aint": "ain't",
    "im": "I'm", "ive": "I've", "youre": "you're", "theyre": "they're", "youve": "you've",
    "theyve": "they've", "weve": "we've", "youll": "you'll", "theyll": "they'll",
    "thats": "that's", "whats": "what's", "wheres": "where's", "theres": "there's",
    "heres": "here's", "whos": "who's", "shouldve": "should've", "wouldve": "would've",
    "couldve": "could've", "mightve": "might've", "mustve": "must've", "itll": "it'll",
    "shes": "she's", "doesn": "doesn't", "didn": "didn't",
}
CONTRACTION_CONFIDENCE = 0.95
# Two words written as one: the split form comes first ("infront" -> "in front").
SPLIT_WORDS: dict[str, str] = {
    "alot": "a lot", "infront": "in front", "atleast": "at least", "aswell": "as well",
    "infact": "in fact", "eachother": "each other", "noone": "no one",
    "everytime": "every time", "thankyou": "thank you", "eventhough": "even though",
    "incase": "in case", "ofcourse": "of course", "inspite": "in spite", "alittle": "a little",
    "allready": "already", "untill": "until",
}
PREFERRED_CORRECTIONS.update(CONTRACTIONS)
PREFERRED_CORRECTIONS.update(SPLIT_WORDS)
# American forms that British English never uses (the safe subset: "program", "meter",
# "check", "tire", "story" and -ize are British too), with their British spelling.
AMERICAN_ONLY: dict[str, str] = {
    american: british for british, american in BRITISH_WORDS.items()
    if british.endswith(("our", "ourite", "yse")) or british in {
        "centre", "theatre", "litre", "fibre", "sombre", "spectre", "calibre", "travelled",
        "travelling", "traveller", "cancelled", "cancelling", "labelled", "modelling",
        "jewellery", "aluminium", "moustache", "pyjamas", "sceptical", "manoeuvre",
        "catalogue", "defence", "offence", "pretence", "paediatric", "oestrogen", "plough",
        "mould", "grey",
    }
}
VARIANT_RULE_ID = "SPELLING_VARIANT"
_VARIANT_NAMES = {"en-GB": "British", "en-US": "American"}
_OTHER = {"en-GB": "en-US", "en-US": "en-GB"}
VARIANT_CONFIDENCE = 0.9


@dataclass(frozen=True)
class Misspelling:
    """An unknown word at ``text[start:end]`` and its candidates, best first (in the case
    pattern of the original word)."""

    start: int
    end: int
    word: str
    candidates: tuple[str, ...]
    confidence: float
    variant: str = ""  # set when right in the other English variant: the one it belongs to


def match_case(template: str, word: str) -> str:
    """``word`` written in the case pattern of ``template`` (Recieved -> Received)."""
    if template.isupper() and len(template) > 1:
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


class SpellingChecker:
    """Finds misspelled words. Loads its dictionaries on first use (or call ``load()``);
    once loaded it can be shared between threads."""

    ignore_words = IgnoreWordsField()  # the personal dictionary: never flagged

    def __init__(
        self,
        language: str = "en-US",
        ignore_words: Collection[str] = (),
        *,
        max_candidates: int = 5,
    ) -> None:
        if language not in LANGUAGES:
            raise ValueError(f"unsupported language {language!r}; use one of {LANGUAGES}")
        self.language = language
        self.ignore_words = normalise_words(ignore_words)
        self.max_candidates = max_candidates


    def clear_caches(self) -> None:
        """Forget remembered per-word results (benchmarks time unseen text this way)."""
        self._is_protected.clear()
        self._near_cache.clear()

    # --- dictionaries -----------------------------------------------------------------------

    @cached_property
    def _speller(self):
        from spellchecker import SpellChecker

        speller = SpellChecker(language="en", distance=2)
        if self.language != "en-US":
            speller.word_frequency.load_words(BRITISH_WORDS)
        return speller

    @cached_property
    def _frequencies(self) -> dict[str, int]:
        """symspellpy's word counts (empty if symspellpy is not installed)."""
        try:
            path = importlib.resources.files("symspellpy") / _SYMSPELL_FILE
            text = path.read_text(encoding="utf-8")
        except (ModuleNotFoundError, FileNotFoundError):
            return {}
        counts: dict[str, int] = {}
        for line in text.splitlines():
            word, _, count = line.partition(" ")
            if count.isdigit():
                counts[word] = int(count)
        return counts

    def load(self) -> SpellingChecker:
        """Load both dictionaries now (otherwise the first check does)."""
        _ = self._speller, self._frequencies
        return self

    # --- words ------------------------------------------------------------------------------

    def is_known(self, word: str) -> bool:
        """Whether ``word`` (any case, straight or curly apostrophe) is spelled correctly."""
        lower = word.lower().replace("\u2019", "'")
        if lower in self.ignore_words:
            return True
        if lower in PREFERRED_CORRECTIONS:
            return False
        if lower in self._speller:
            return True
        # symspellpy's web-corpus list knows newer words (app, wifi, maths); it has
        # British spellings too, which only en-GB accepts.
        if lower in self._frequencies:
            return self.language != "en-US" or not self._is_british(lower)
        if self.language != "en-US" and self._is_british(lower):
            return True
        match = _SUFFIX_RE.match(lower)
        return bool(match) and self.is_known(match.group("stem"))

    def _is_british(self, lower: str) -> bool:
        return self._american_form(lower) is not None

    def _american_form(self, lower: str) -> str | None:
        """The American spelling of a British word ("flavours" -> "flavors"), else None."""
        if lower in BRITISH_WORDS:
            return BRITISH_WORDS[lower]
        for british, american in _BRITISH_PATTERNS:
            if lower.endswith(british) and len(lower) > len(british) + 2:
                form = lower[: -len(british)] + american
                if form in self._speller:
                    return form
        return None

    def variant_form(self, word: str) -> str | None:
        """The spelling the chosen variant uses for ``word`` when ``word`` is right only in
        the other one ("flavour" in en-US -> "flavor", "color" in en-GB -> "colour")."""
        lower = word.lower()
        if lower in self.ignore_words:
            return None
        if self.language == "en-US":
            form = self._american_form(lower)
        elif self.language == "en-GB":
            form = AMERICAN_ONLY.get(lower)
        else:
            form = None
        return match_case(word, form) if form else None

    def candidates(self, word: str) -> list[str]:
        """Corrections for ``word``, best first, in its case pattern (may be empty)."""
        lower = word.lower().replace("\u2019", "'")
        found = set(self._known_near(lower))
        found.discard(lower)
        if self.language == "en-GB":
            found = self._british_forms(found)
        ranked = sorted(found, key=lambda c: self._rank(lower, c))
        preferred = PREFERRED_CORRECTIONS.get(lower)
        if preferred:
            ranked = [preferred, *(c for c in ranked if c != preferred)]
        ranked = ranked[: self.max_candidates]
        if "\u2019" in word:
            ranked = [c.replace("'", "\u2019") for c in ranked]
        return [match_case(word, c) for c in ranked]

    def _known_near(self, lower: str) -> frozenset[str]:
        """pyspellchecker's ``candidates(lower)`` (the word itself when known, else the known
        words one edit away, else two), with the per-string work done by C-level set
        look-ups, and words two edits away found by edit distance (rapidfuzz) rather than
        by generating every string two edits make: pyspellchecker itself spends about a
        second on a word two edits from every known one. Cached: the editor re-checks the
        same words."""
        cache = self._near_cache
        found = cache.get(lower)
        if found is None:
            found = known_near(self._speller, lower, self._words_by_length)
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[lower] = found
        return found

    @cached_property
    def _near_cache(self) -> dict[str, frozenset[str]]:
        return {}

    @cached_property
    def _words_by_length(self) -> dict[int, list[str]]:
        return words_by_length(self._speller.word_frequency.dictionary)

    def _british_forms(self, found: set[str]) -> set[str]:
        american_to_british = {v: k for k, v in BRITISH_WORDS.items()}
        return {american_to_british.get(c, c) for c in found}

    def _rank(self, word: str, candidate: str) -> tuple[int, int, float, str]:
        frequency = self._frequencies.get(candidate, 0)
        return (edit_distance(word, candidate), -frequency,
                -self._speller.word_usage_frequency(candidate), candidate)

    def _confidence(self, word: str, ranked: list[str]) -> float:
        """High when the best candidate is one edit away and much more frequent than the
        runner-up."""
        lower = [c.lower() for c in ranked]
        best = self._frequencies.get(lower[0], 0) + 1
        second = self._frequencies.get(lower[1], 0) + 1 if len(lower) > 1 else 1
        share = best / (best + second)
        near = 1.0 if edit_distance(word.lower(), lower[0]) <= 1 else 0.8
        return round(min(0.99, max(0.3, share * near)), 3)

    # --- text -------------------------------------------------------------------------------

    def misspellings(self, text: str) -> list[Misspelling]:
        """The misspelled words of ``text``, in text order, with offsets into ``text``."""
        found = []
        for word, initial in self._words(text):
            if self._should_skip(word.text, initial):
                continue
            form = self.variant_form(word.text)
            if form:
                other = "en-GB" if self.language == "en-US" else "en-US"
                found.append(Misspelling(word.start, word.end, word.text, (form,),
                                         VARIANT_CONFIDENCE, variant=other))
                continue
            if self.is_known(word.text):
                continue
            ranked = self.candidates(word.text)
            if initial and word.text[:1].isupper() and not self._near(word.text, ranked):
                continue  # a capitalised unknown word at a sentence start: likely a name
            if ranked:
                confidence = self._confidence(word.text, ranked)
                if word.text.lower() in CONTRACTIONS or word.text.lower() in SPLIT_WORDS:
                    confidence = CONTRACTION_CONFIDENCE
                found.append(
                    Misspelling(word.start, word.end, word.text, tuple(ranked), confidence)
                )
        return found

    def check(self, text: str) -> list[GrammarEdit]:
        """One spelling edit per misspelled word (its best candidate), in text order."""
        return [spelling_edit(m) for m in self.misspellings(text)]

    def correct(self, text: str) -> str:
        """``text`` with every misspelled word replaced by its best candidate."""
        return apply_edits(text, self.check(text))

    def _near(self, word: str, ranked: list[str]) -> bool:
        """A likely typo rather than a name: one edit away, same first letter."""
        if not ranked or ranked[0][:1].lower() != word[:1].lower():
            return False
        return edit_distance(word.lower(), ranked[0].lower()) <= 1

    def _should_skip(self, word: str, initial: bool) -> bool:
        if len(word) < 2 or not _CHECKABLE_RE.fullmatch(word):
            return True  # single letters, foreign or accented words, other scripts
        if self._is_protected(word):
            return True
        letters = [ch for ch in word if ch.isalpha()]
        if all(ch.isupper() for ch in letters):
            return True  # an acronym (NASA, HTML)
        return word[:1].isupper() and not initial  # a proper noun inside a sentence

    def _words(self, text: str) -> Iterator[tuple[Token, bool]]:
        """Word pieces of ``text`` with offsets, and whether each starts its sentence."""
        code = self._code_spans(text)
        for piece, initial in self._all_words(text):
            if not any(start <= piece.start < end for start, end in code):
                yield piece, initial

    def _code_spans(self, text: str) -> list[tuple[int, int]]:
        """Spans of whitespace-separated chunks that look like code or paths as a whole
        ("src/modle.py", "obj.methd()"), which the tokeniser splits at punctuation."""
        spans = []
        for match in _CHUNK_RE.finditer(text):
            chunk = match.group().strip(_CHUNK_STRIP)
            if self._is_protected(chunk) or _DOTTED_RE.search(chunk):
                spans.append(match.span())
        return spans

    def _all_words(self, text: str) -> Iterator[tuple[Token, bool]]:
        for sentence in split_sentences(text):
            initial = True
            for token in tokenize(sentence.text):
                if initial and token.text in _OPENING_PUNCTUATION:
                    continue
                token = Token(token.text, token.start + sentence.start,
                              token.end + sentence.start)
                if self._is_protected(token.text):
                    initial = False
                    continue
                for index, piece in enumerate(_hyphen_parts(token)):
                    yield piece, initial and index == 0
                initial = False


def _hyphen_parts(token: Token) -> list[Token]:
    """A hyphenated word's parts with their own offsets; other tokens unchanged."""
    if "-" not in token.text:
        return [token]
    parts, start = [], token.start
    for part in token.text.split("-"):
        if part:
            parts.append(Token(part, start, start + len(part)))
        start += len(part) + 1
    return parts


def spelling_edit(misspelling: Misspelling, candidate: str | None = None) -> GrammarEdit:
    """The edit replacing ``misspelling`` by ``candidate`` (default: its best one)."""
    best = misspelling.candidates[0] if candidate is None else candidate
    if misspelling.variant:
        return GrammarEdit(
            misspelling.start, misspelling.end, best, Category.VARIANT,
            f"'{misspelling.word}' is the {_VARIANT_NAMES[misspelling.variant]} spelling; "
            f"in {_VARIANT_NAMES[_OTHER[misspelling.variant]]} English, write '{best}'",
            misspelling.confidence, VARIANT_RULE_ID,
        )
    return GrammarEdit(
        start=misspelling.start,
        end=misspelling.end,
        replacement=best,
        category=Category.SPELLING,
        message=f"Possible spelling mistake: '{misspelling.word}' \u2192 '{best}'",
        confidence=misspelling.confidence,
        rule_id=RULE_ID,
    )
