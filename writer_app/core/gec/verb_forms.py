"""Verb-form and noun-number tables for the g-transforms, generated offline by lemminflect.

A verb *paradigm* maps the Penn tags VB, VBD, VBG, VBN, VBP and VBZ to the forms of one
lemma, the preferred form first (``VBD`` of *be* is ``("was", "were")``). VBP equals VB
except for *be*, whose VBP is ``("are", "am")``: "are" is the form a transform produces.
Transforms keep the case pattern of the input word (``Go`` -> ``Went``).

Lookups are cached: the tagger applies transforms in a loop and the aligner tries them on
every substituted token.
"""

from __future__ import annotations

from functools import lru_cache


@lru_cache(maxsize=1)
def _lemminflect():
    """Imported on first use: lemminflect pulls in spaCy (and with it torch) when
    spaCy is installed, seconds that importing this core module should not cost."""
    import lemminflect

    return lemminflect


VERB_TAGS: tuple[str, ...] = ("VB", "VBD", "VBG", "VBN", "VBP", "VBZ")
_VBP_OF_BE = ("are", "am")

# lemminflect lists regular plurals for these; the usual plural is irregular.
_PLURAL_OVERRIDES = {"person": "people"}
_SINGULAR_OVERRIDES = {plural: singular for singular, plural in _PLURAL_OVERRIDES.items()}

# Mass nouns that learners pluralise ("informations"). lemminflect lists a regular plural
# for most of them, so this list is what tells the corrector the plural is an error.
UNCOUNTABLE_NOUNS = frozenset(
    {
        "advice", "information", "furniture", "equipment", "luggage", "baggage", "news",
        "research", "knowledge", "homework", "housework", "evidence", "feedback", "traffic",
        "weather", "music", "software", "hardware", "progress", "vocabulary", "grammar",
        "machinery", "jewellery", "jewelry", "clothing", "scenery", "garbage", "rubbish",
        "mail", "money", "electricity", "accommodation", "behaviour", "behavior", "health",
        "pollution", "leisure", "luck", "fun", "wildlife", "stuff", "underwear", "poetry",
        "homeland", "knowhow", "spaghetti", "rice", "bread", "milk", "water", "air", "sand",
        "salt", "sugar", "butter", "cheese", "weaponry", "gossip", "applause", "chaos",
        "courage", "patience", "permission", "photography", "staff", "transportation",
    }
)

# Words read as starting with a vowel sound (or not) against their spelling.
_AN_WORDS = ("hour", "honest", "honour", "honor", "heir")
_A_WORDS = (
    "unicorn", "unif", "union", "uniq", "unit", "univ", "unis", "unan", "usa", "use", "usu",
    "uten", "uti", "uto", "ura", "ure", "uri", "uro", "ubiq", "eu", "ewe", "one", "once", "u-",
)
_AN_LETTERS = frozenset("aefhilmnorsx")  # initialisms read letter by letter: "an FBI agent"


@lru_cache(maxsize=65536)
def verb_paradigms(word: str) -> tuple[dict[str, tuple[str, ...]], ...]:
    """The paradigms of every verb lemma that ``word`` (any case) can be a form of."""
    lower = word.lower()
    lemmas = _lemminflect().getAllLemmas(lower, upos="VERB").get("VERB", ())
    paradigms = []
    for lemma in lemmas:
        forms = dict(_lemminflect().getAllInflections(lemma, upos="VERB"))
        if not all(tag in forms for tag in ("VB", "VBG", "VBZ")):
            continue  # defective verbs (modals): no transforms
        # lemminflect leaves out VBN for some regular verbs ("book"): it equals VBD there.
        if "VBD" not in forms and "VBN" not in forms:
            continue
        forms.setdefault("VBN", forms.get("VBD", ()))
        forms.setdefault("VBD", forms["VBN"])
        forms["VBP"] = _VBP_OF_BE if lemma == "be" else forms["VB"]
        if any(lower in forms_ for forms_ in forms.values()):
            paradigms.append(forms)
    return tuple(paradigms)


def verb_forms(word: str) -> dict[str, str] | None:
    """The preferred form of each Penn tag for ``word``'s first verb lemma, or None."""
    paradigms = verb_paradigms(word)
    if not paradigms:
        return None
    return {tag: paradigms[0][tag][0] for tag in VERB_TAGS}


def verb_tags_of(word: str) -> frozenset[str]:
    """The Penn tags ``word`` can carry as a verb (``"read"`` -> VB, VBD, VBN, VBP)."""
    lower = word.lower()
    return frozenset(
        tag for forms in verb_paradigms(lower) for tag in VERB_TAGS if lower in forms[tag]
    )


def transform_verb(word: str, from_tag: str, to_tag: str) -> str | None:
    """``word`` read as ``from_tag`` and re-inflected as ``to_tag``; None if it is not
    such a form. ``transform_verb("went", "VBD", "VBN") == "gone"``."""
    if from_tag not in VERB_TAGS or to_tag not in VERB_TAGS:
        raise ValueError(f"not a verb tag: {from_tag!r} or {to_tag!r}")
    lower = word.lower()
    for forms in verb_paradigms(lower):
        if lower in forms[from_tag]:
            return match_case(word, forms[to_tag][0])
    return None


def verb_transform_between(source: str, target: str) -> str | None:
    """The ``$TRANSFORM_VERB_{FROM}_{TO}`` tag that turns ``source`` into exactly
    ``target``, or None. VB is preferred over VBP where they are the same form."""
    if source == target:
        return None
    for from_tag in _PREFERENCE:
        for to_tag in _PREFERENCE:
            if from_tag != to_tag and transform_verb(source, from_tag, to_tag) == target:
                return f"$TRANSFORM_VERB_{from_tag}_{to_tag}"
    return None


_PREFERENCE = ("VB", "VBZ", "VBD", "VBN", "VBG", "VBP")


# --- nouns ----------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _noun_lemmas(lower: str) -> tuple[str, ...]:
    return tuple(_lemminflect().getAllLemmas(lower, upos="NOUN").get("NOUN", ()))


@lru_cache(maxsize=65536)
def word_classes(word: str) -> frozenset[str]:
    """The universal POS tags lemminflect knows for ``word`` (NOUN, VERB, ADJ, AUX...)."""
    return frozenset(_lemminflect().getAllLemmas(word.lower()))


def _is_known_word(lower: str) -> bool:
    return bool(word_classes(lower))


def is_uncountable(word: str) -> bool:
    """Whether ``word`` (singular) is a mass noun with no plural in standard English."""
    return word.lower() in UNCOUNTABLE_NOUNS


def _listed_plural(lower: str) -> str | None:
    plurals = _lemminflect().getAllInflections(lower, upos="NOUN").get("NNS", ())
    return plurals[0] if plurals and plurals[0] != lower else None


def _singular_of(lower: str) -> str | None:
    """The lemma whose plural ``lower`` is ("letters" -> "letter"), skipping ``lower``
    itself (lemminflect also lists "letters" as a lemma)."""
    for lemma in _noun_lemmas(lower):
        if lemma != lower and lower in _lemminflect().getAllInflections(lemma, upos="NOUN").get(
            "NNS", ()
        ):
            return lemma
    return None


@lru_cache(maxsize=65536)
def pluralize(word: str) -> str | None:
    """The plural of the singular noun ``word`` (case kept), or None when ``word`` is a
    plural or has no distinct plural. Uncountable nouns still get the form learners write
    ("informations"): the transform itself is mechanical. Words lemminflect does not know
    at all get the regular English plural."""
    lower = word.lower()
    if lower in _PLURAL_OVERRIDES:
        return match_case(word, _PLURAL_OVERRIDES[lower])
    if _noun_lemmas(lower):
        if lower in _SINGULAR_OVERRIDES or _singular_of(lower) or lower not in _noun_lemmas(lower):
            return None
        plural = _listed_plural(lower)
        return None if plural is None else match_case(word, plural)
    if _is_known_word(lower) or not lower.isalpha():
        return None  # a known non-noun ("quickly") or not a word
    return match_case(word, _regular_plural(lower))


@lru_cache(maxsize=65536)
def singularize(word: str) -> str | None:
    """The singular of the plural noun ``word`` (case kept), or None."""
    lower = word.lower()
    if lower in _SINGULAR_OVERRIDES:
        return match_case(word, _SINGULAR_OVERRIDES[lower])
    if _noun_lemmas(lower):
        singular = _singular_of(lower)
        return None if singular is None else match_case(word, singular)
    if _is_known_word(lower) or not lower.isalpha():
        return None
    singular = _regular_singular(lower)
    return None if singular is None else match_case(word, singular)


def noun_transform_between(source: str, target: str) -> str | None:
    """``$TRANSFORM_AGREEMENT_PLURAL``/``_SINGULAR`` if it turns ``source`` into exactly
    ``target`` and the singular is a noun lemminflect knows (so that a typo such as
    "thi" -> "this" is not taken for a plural)."""
    if source == target:
        return None
    if is_noun(source) and pluralize(source) == target:
        return "$TRANSFORM_AGREEMENT_PLURAL"
    if is_noun(target) and singularize(source) == target:
        return "$TRANSFORM_AGREEMENT_SINGULAR"
    return None


@lru_cache(maxsize=65536)
def adjective_degree(word: str) -> tuple[str, str] | None:
    """``(lemma, "JJR"|"JJS")`` if ``word`` is an inflected comparative or superlative
    ("older" -> ("old", "JJR"), "best" -> ("good", "JJS")), else None."""
    lower = word.lower()
    for lemma in _lemminflect().getAllLemmas(lower, upos="ADJ").get("ADJ", ()):
        forms = _lemminflect().getAllInflections(lemma, upos="ADJ")
        for tag in ("JJR", "JJS"):
            if lower != lemma and lower in forms.get(tag, ()):
                return lemma, tag
    return None


def is_noun(word: str) -> bool:
    return bool(_noun_lemmas(word.lower()))


def _regular_plural(lower: str) -> str:
    if lower.endswith(("s", "x", "z", "ch", "sh")):
        return lower + "es"
    if lower.endswith("y") and len(lower) > 1 and lower[-2] not in "aeiou":
        return lower[:-1] + "ies"
    return lower + "s"


def _regular_singular(lower: str) -> str | None:
    if lower.endswith("ies") and len(lower) > 3:
        return lower[:-3] + "y"
    if lower.endswith(("ses", "xes", "zes", "ches", "shes")):
        return lower[:-2]
    if lower.endswith("s") and not lower.endswith("ss") and len(lower) > 1:
        return lower[:-1]
    return None


# --- shared helpers -------------------------------------------------------------------------


def match_case(model: str, word: str) -> str:
    """``word`` written in the case pattern of ``model``: ``("Go", "went") -> "Went"``."""
    if len(model) > 1 and model.isupper():
        return word.upper()
    if model[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def indefinite_article(word: str) -> str:
    """``"a"`` or ``"an"`` for the word that follows, by sound: an hour, a university,
    an FBI agent, a UFO... (initialisms are read letter by letter)."""
    if not word:
        return "a"
    lower = word.lower()
    if len(word) > 1 and word.isupper() and word.isalpha():
        return "an" if lower[0] in _AN_LETTERS else "a"
    if lower.startswith(_AN_WORDS):
        return "an"
    if lower.startswith(_A_WORDS):
        return "a"
    if lower[0].isdigit():
        return "an" if lower.startswith(("8", "11", "18")) else "a"
    return "an" if lower[0] in "aeiou" else "a"
