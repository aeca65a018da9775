"""Precise pattern rules that run next to the tagger.

The tagger learns from synthetic errors and, trained on two CPU cores, still misses some
errors that a short pattern finds with near certainty: a doubled word, "a" before a vowel
sound, a proper noun or "i" in lower case, "more hotter", "She don't", a question ending in
a full stop, a missing comma after "However" or after an introductory clause. Each rule is
written to stay silent when unsure; a false alarm costs more than a miss. Edits are
character spans of the text, like the tagger's.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Iterator
from functools import cache

from writer_app.core.gec.edits import GrammarEdit
from writer_app.core.gec.pattern_rules import PATTERN_RULES
from writer_app.core.gec.protect import is_protected
from writer_app.core.gec.tags import Category
from writer_app.core.gec.tokens import Sentence, Token, split_sentences, tokenize

# Repeats that are often intended: "had had", "that that", "bye bye", "very very".
ALLOWED_DOUBLES = frozenset({
    "had", "that", "is", "bye", "no", "very", "so", "really", "ha", "hah", "haha", "go",
    "knock", "blah", "tut", "yeah", "yes", "now", "well", "far", "many", "much", "ho", "la",
    "boo", "chop", "choo", "dum", "tom", "hush", "there", "out", "round", "over", "again",
    "more", "little", "long", "bit", "by", "after", "step", "one",
})
AUXILIARIES = frozenset({
    "am", "is", "are", "was", "were", "be", "been", "being", "do", "does", "did", "have",
    "has", "had", "can", "could", "will", "would", "shall", "should", "may", "might",
    "must", "to", "let", "lest", "that", "don't", "doesn't", "didn't", "can't", "cannot",
    "won't", "wouldn't", "couldn't", "shouldn't", "mustn't", "isn't", "aren't", "wasn't",
    "weren't", "haven't", "hasn't", "hadn't", "make", "makes", "made", "help", "helps",
    "watch", "saw", "see", "hear", "heard", "feel", "felt", "why", "not", "never",
})
FREQUENCY_ADVERBS = frozenset({
    "always", "never", "often", "usually", "sometimes", "still", "also", "really", "just",
    "only", "rarely", "seldom", "generally", "normally", "certainly", "probably", "already",
    "actually", "hardly", "barely", "finally", "suddenly", "occasionally", "frequently",
})
CLAUSE_STARTERS = frozenset({
    "and", "but", "so", "because", "when", "if", "although", "though", "while", "since",
    "as", "then", "where", "once", "until", "unless", "whenever", "after", "before", ",",
    ";", ":",
})
QUESTION_AUXILIARIES = frozenset({
    "can", "could", "would", "will", "do", "does", "did", "have", "has", "is", "are", "was",
    "shall", "won't", "can't", "don't", "doesn't", "didn't", "isn't",
    "aren't", "wasn't", "weren't", "wouldn't", "couldn't", "shouldn't", "haven't", "hasn't",
})
NOUN_QUESTION_AUXILIARIES = frozenset({
    "is", "are", "was", "can", "could", "would", "will", "isn't", "aren't", "wasn't",
    "can't", "won't", "wouldn't", "couldn't",
})
PRONOUNS = frozenset({"i", "you", "we", "they", "he", "she", "it", "there"})
QUESTION_WORDS = frozenset({"what", "where", "when", "why", "who", "whose", "which", "how"})
QUESTION_SUBJECTS = frozenset({
    "i", "you", "we", "they", "he", "she", "it", "there", "this", "that", "these", "those",
    "the", "a", "an", "my", "your", "his", "her", "our", "their", "anyone", "anybody",
    "someone", "somebody", "everyone", "everybody", "any", "some",
})
INTRO_ADVERBS = frozenset({
    "however", "unfortunately", "fortunately", "meanwhile", "therefore", "moreover",
    "furthermore", "nevertheless", "nonetheless", "consequently", "additionally",
    "luckily", "sadly", "surprisingly", "hopefully", "apparently", "personally", "frankly",
    "honestly", "instead", "besides", "incidentally", "similarly", "likewise",
    "alternatively", "firstly", "secondly", "lastly", "overall", "interestingly",
})
# "However hard I try": "however" before these is an adverb of degree, not a linker.
NOT_AFTER_HOWEVER = frozenset({
    "much", "many", "hard", "long", "often", "few", "little", "good", "bad", "big", "small",
    "far", "soon", "well", "you", "we", "i", "they", "he", "she", "it",
})
SUBORDINATORS = (
    ("as", "soon", "as"), ("even", "though"), ("even", "if"), ("if",), ("when",), ("while",),
    ("because",), ("although",), ("though",), ("after",), ("before",), ("since",),
    ("unless",), ("once",), ("whenever",),
)
CLAUSE_SUBJECTS = frozenset({"i", "we", "they", "he", "she", "you", "please"})
# A subject pronoun after these continues the clause ("If you think I ...", "than we").
NOT_BEFORE_MAIN_CLAUSE = frozenset({
    "and", "or", "but", "that", "than", "as", "so", "if", "when", "because", "whether",
    "where", "what", "how", "why", "who", "which", "before", "after", "since", "until",
    "while", "the", "a", "an", "to", "of", "in", "on", "at", "for", "with", "from", "by",
    "about", "thank", "thanks", "like", "then", "unless", "once", "though", "although", "whom",
    "am", "is", "are", "was", "were", "be", "been", "do", "does", "did", "have", "has", "had",
    "can", "could", "will", "would", "shall", "should", "may", "might", "must", "not",
})
REPORTING_VERBS = frozenset({
    "say", "says", "said", "tell", "tells", "told", "think", "thinks", "thought", "know",
    "knows", "knew", "believe", "believes", "believed", "hope", "hopes", "hoped", "realise",
    "realised", "realize", "realized", "guess", "guessed", "mean", "meant", "suppose",
    "supposed", "wish", "wished", "feel", "felt", "see", "saw", "hear", "heard", "find",
    "found", "notice", "noticed", "ask", "asked", "show", "showed", "promise", "promised",
    "explain", "explained", "decide", "decided", "agree", "agreed", "remember",
    "remembered", "forget", "forgot", "understand", "understood", "doubt", "expect",
    "expected", "imagine", "imagined", "admit", "admitted", "insist", "insisted",
})
PLURAL_FIXES = {  # after I / we / they / you
    "was": "were", "wasn't": "weren't", "is": "are", "isn't": "aren't", "has": "have",
    "hasn't": "haven't", "does": "do", "doesn't": "don't",
}
SINGULAR_FIXES = {  # after he / she / it
    "don't": "doesn't", "do": "does", "have": "has", "haven't": "hasn't", "are": "is",
    "aren't": "isn't",
}
# Capitals that may be read as letter names ("an Xlib", "an SMS-like", "an NHS trust").
LETTER_NAMES_WITH_VOWEL = frozenset("FHLMNRSX")
SILENT_H = ("hour", "honest", "honour", "honor", "heir")
UNSURE_H = ("historic", "hotel", "herb", "homage")

RuleFn = Callable[[str, list[Token], frozenset[str]], Iterator[GrammarEdit]]


@cache
def capitalised_words() -> dict[str, str]:
    """Lower case -> written form of words English always capitalises (shipped list)."""
    import writer_app.resources

    path = importlib.resources.files(writer_app.resources) / "grammar" / "capitalised_words.txt"
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except FileNotFoundError:
        return {}
    return {w.lower(): w for w in lines if w and not w.startswith("#")}


def rule_edits(text: str, ignore_words: frozenset[str] = frozenset()) -> list[GrammarEdit]:
    """Edits the rules find in ``text``; ``ignore_words`` from protect.normalise_words."""
    found: list[GrammarEdit] = []
    for sentence in split_sentences(text):
        tokens = tokenize(sentence.text)
        for rule in RULES:
            found.extend(_shift(edit, sentence) for edit in rule(sentence.text, tokens,
                                                                 ignore_words))
        found.extend(_shift(e, sentence) for e in _sentence_start(text, sentence, tokens,
                                                                 ignore_words))
    return _without_overlaps(found)


def _shift(edit: GrammarEdit, sentence: Sentence) -> GrammarEdit:
    return GrammarEdit(edit.start + sentence.start, edit.end + sentence.start,
                       edit.replacement, edit.category, edit.message, edit.confidence,
                       edit.rule_id)


def _without_overlaps(edits: list[GrammarEdit]) -> list[GrammarEdit]:
    kept: list[GrammarEdit] = []
    for edit in sorted(edits, key=lambda e: (e.start, e.end)):
        if kept and edit.start < kept[-1].end or kept and edit.start == kept[-1].start:
            continue
        kept.append(edit)
    return kept


def _word(token: Token, ignore: frozenset[str]) -> bool:
    text = token.text
    return text.replace("'", "").replace("\u2019", "").isalpha() and not is_protected(text,
                                                                                        ignore)


def _lower(tokens: list[Token], k: int) -> str:
    return tokens[k].text.lower().replace("\u2019", "'") if 0 <= k < len(tokens) else ""


# --- the rules ------------------------------------------------------------------------------

def doubled_word(text: str, tokens: list[Token], ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    for first, second in zip(tokens, tokens[1:], strict=False):
        word = first.text.lower()
        if second.text[:1].isupper() and not first.text[:1].isupper():
            continue  # ".ed Ed script": a name after a word
        if (word != second.text.lower() or word in ALLOWED_DOUBLES
                or not _word(first, ignore) or text[first.end:second.start] != " "):
            continue
        yield GrammarEdit(first.end, second.end, "", Category.REDUNDANCY,
                          f"The word \u201c{second.text}\u201d is repeated.", 0.95,
                          "DOUBLED_WORD")


def needs_an(word: str) -> bool | None:
    """Whether ``word`` (lower case) takes "an"; None when its sound is not clear."""
    head = word.split("-")[0]
    if len(head) < 2:
        return None
    if head.startswith(UNSURE_H):
        return None
    if head.startswith(SILENT_H):
        return True
    if head[0] == "u":
        if head.startswith("uni"):
            return head[3:4] in ("n", "m", "d")  # unimportant, unidentified: "an"
        return not (head[1:2] in "strk" and head[2:3] in "aeiou") and not head.startswith(
            "ubiq")
    if head.startswith(("eu", "ewe")) or head in ("one", "once", "ones"):
        return False
    return head[0] in "aeio"


def article(text: str, tokens: list[Token], ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    for k, token in enumerate(tokens[:-1]):
        low = token.text.lower()
        nxt = tokens[k + 1]
        if low not in ("a", "an") or not _word(nxt, ignore) or text[token.end:nxt.start] != " ":
            continue
        if nxt.text.isupper() or nxt.text.lower() in NOT_BEFORE_MAIN_CLAUSE:
            continue  # acronyms are read letter by letter; "a and b" names letters
        if token.text == "A" and k > 0 or nxt.text[:1] in LETTER_NAMES_WITH_VOWEL:
            continue  # "preceded by A indicates"; "an Xlib", "an LCD panel"
        wanted = needs_an(nxt.text.lower())
        if wanted is None or wanted == (low == "an"):
            continue
        replacement = ("an" if wanted else "a")
        if token.text[0].isupper():
            replacement = replacement.capitalize()
        yield GrammarEdit(token.start, token.end, replacement, Category.ARTICLE,
                          f"Use \u201c{replacement.lower()}\u201d before "
                          f"\u201c{nxt.text}\u201d.", 0.9, "A_VS_AN")


def capitalisation(text: str, tokens: list[Token], ignore: frozenset[str]
                   ) -> Iterator[GrammarEdit]:
    known = capitalised_words()
    for k, token in enumerate(tokens):
        word = token.text
        if not word.islower() or not _word(token, ignore):
            continue
        low = word.replace("\u2019", "'")
        if low in ("i", "i'm", "i've", "i'll", "i'd"):
            if _lower(tokens, k - 1) != "(" and _lower(tokens, k + 1) not in (")", "."):
                yield _capitalise(token, "Write \u201cI\u201d with a capital.", "I_LOWER")
            continue
        stem, _, _ = low.partition("'")
        if stem in known and known[stem][1:] == stem[1:]:
            yield _capitalise(token, f"\u201c{known[stem]}\u201d is a name: write it with a "
                              "capital.", "PROPER_NOUN_CASE")


def _capitalise(token: Token, message: str, rule_id: str) -> GrammarEdit:
    return GrammarEdit(token.start, token.end, token.text[:1].upper() + token.text[1:],
                       Category.CAPITALISATION, message, 0.85, rule_id)


def _sentence_start(text: str, sentence: Sentence, tokens: list[Token],
                    ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    """A sentence starting in lower case, where the text before it ends a sentence."""
    if len(tokens) < 3 or tokens[0].start != 0 or not tokens[0].text.islower():
        return
    if not _word(tokens[0], ignore) or tokens[0].text in ("i", "i'm", "i've", "i'll", "i'd"):
        return  # "i" has its own rule
    before = text[: sentence.start].rstrip()
    if before and before[-1] not in ".!?":
        return  # a line break inside a sentence, or a list
    yield _capitalise(tokens[0], "Start a sentence with a capital letter.", "SENTENCE_START")


@cache
def _comparative(word: str, degree: str) -> bool:
    from lemminflect import getAllLemmas, getInflection

    lemmas = getAllLemmas(word).get("ADJ", ())
    return any(lemma != word and word in getInflection(lemma, degree) for lemma in lemmas)


def double_comparative(text: str, tokens: list[Token], ignore: frozenset[str]
                       ) -> Iterator[GrammarEdit]:
    for k, token in enumerate(tokens[:-1]):
        low, nxt = token.text.lower(), tokens[k + 1]
        degree = {"more": "JJR", "most": "JJS"}.get(low)
        if degree is None or not nxt.text.islower() or not _word(nxt, ignore):
            continue
        if _comparative(nxt.text, degree):
            yield GrammarEdit(token.start, nxt.start, "", Category.REDUNDANCY,
                              f"\u201c{nxt.text}\u201d already compares: drop "
                              f"\u201c{token.text}\u201d.", 0.9, "DOUBLE_COMPARATIVE")


def question_mark(text: str, tokens: list[Token], ignore: frozenset[str]
                  ) -> Iterator[GrammarEdit]:
    if len(tokens) < 4 or tokens[-1].text != "." or "," in (t.text for t in tokens[:3]):
        return
    first, second, third = _lower(tokens, 0), _lower(tokens, 1), _lower(tokens, 2)
    # "Do the dishes." and "Have a nice day." are orders: only be-forms and modals take a
    # noun phrase; do and have need a pronoun.
    subjects = QUESTION_SUBJECTS if first in NOUN_QUESTION_AUXILIARIES else PRONOUNS
    if second == "that" and first in ("would", "could"):
        return  # "Would that it were so."
    asks = first in QUESTION_AUXILIARIES and second in subjects
    asks = asks or (first in QUESTION_WORDS and second in QUESTION_AUXILIARIES
                    and third in QUESTION_SUBJECTS)
    if asks:
        last = tokens[-1]
        yield GrammarEdit(last.start, last.end, "?", Category.PUNCTUATION,
                          "This sentence asks a question: end it with a question mark.",
                          0.85, "QUESTION_MARK")


def agreement(text: str, tokens: list[Token], ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    for k, token in enumerate(tokens[:-1]):
        subject = token.text.lower()
        if subject not in ("he", "she", "it", "i", "we", "they", "you"):
            continue
        previous = _lower(tokens, k - 1)
        if subject == "i" and k > 0 and previous in capitalised_words():
            continue  # "Constantine I is"
        if previous in AUXILIARIES or previous in ("and", "or", "nor"):
            continue  # "Does she know", "let it go", "Sarah and I are"
        if subject in ("it", "you") and k > 0 and previous not in CLAUSE_STARTERS:
            continue  # an object: "I made it work", "told you go"
        verb_at = k + 1
        if _lower(tokens, verb_at) in FREQUENCY_ADVERBS:
            verb_at += 1
        if verb_at < len(tokens) and _word(tokens[verb_at], ignore):
            yield from _agree(subject, tokens[verb_at])


def _agree(subject: str, verb: Token) -> Iterator[GrammarEdit]:
    low = verb.text.lower().replace("\u2019", "'")
    if not verb.text.islower():
        return
    if subject in ("he", "she", "it"):
        fixed = SINGULAR_FIXES.get(low) or _third_person(low)
    elif subject == "i":
        fixed = {"is": "am", "isn't": "am not", "are": "am"}.get(low) or (
            PLURAL_FIXES.get(low) if low not in ("was", "wasn't") else None
        ) or _base_of_third_person(low)
    else:
        fixed = PLURAL_FIXES.get(low) or _base_of_third_person(low)
    if fixed and fixed != low:
        yield GrammarEdit(verb.start, verb.end, fixed, Category.AGREEMENT,
                          f"After \u201c{subject if subject != 'i' else 'I'}\u201d, use "
                          f"\u201c{fixed}\u201d.", 0.85, "PRONOUN_AGREEMENT")


@cache
def _third_person(word: str) -> str | None:
    """"go" -> "goes" when ``word`` can only be a verb's base form (not "cut", "even")."""
    from lemminflect import getAllLemmas, getInflection

    lemmas = getAllLemmas(word)
    if lemmas.get("VERB") != (word,) or set(lemmas) - {"VERB", "NOUN"}:
        return None
    if word in getInflection(word, "VBD") or word in getInflection(word, "VBN"):
        return None  # "she cut", "he put", "it come" (participle-like) stay
    forms = getInflection(word, "VBZ")
    return forms[0] if forms else None


@cache
def _base_of_third_person(word: str) -> str | None:
    """"goes" -> "go" when ``word`` is a verb's -s form and nothing else but a noun."""
    from lemminflect import getAllLemmas, getInflection

    lemmas = getAllLemmas(word)
    verbs = lemmas.get("VERB", ())
    if len(verbs) != 1 or set(lemmas) - {"VERB", "NOUN"} or not word.endswith("s"):
        return None
    return verbs[0] if word in getInflection(verbs[0], "VBZ") else None


def intro_adverb_comma(text: str, tokens: list[Token], ignore: frozenset[str]
                       ) -> Iterator[GrammarEdit]:
    if len(tokens) < 4 or tokens[0].start != 0:
        return
    first, following = _lower(tokens, 0), _lower(tokens, 1)
    if first not in INTRO_ADVERBS or not _word(tokens[1], ignore):
        return
    if first == "however" and following in NOT_AFTER_HOWEVER or following == "of":
        return
    yield GrammarEdit(tokens[0].end, tokens[0].end, ",", Category.PUNCTUATION,
                      f"Put a comma after \u201c{tokens[0].text}\u201d.", 0.85,
                      "INTRO_COMMA")


def intro_clause_comma(text: str, tokens: list[Token], ignore: frozenset[str]
                       ) -> Iterator[GrammarEdit]:
    """"When I got home I made tea": a comma where the main clause starts."""
    lowered = [_lower(tokens, k) for k in range(len(tokens))]
    opener = next((s for s in SUBORDINATORS if tuple(lowered[: len(s)]) == s), None)
    if opener is None or tokens[0].start != 0 or "," in lowered:
        return  # with a comma elsewhere, the clause probably ends there
    if REPORTING_VERBS.intersection(lowered):
        return  # "Because I told them we were coming": the pronoun starts reported speech
    for k in range(len(opener) + 2, len(tokens) - 2):
        word = lowered[k]
        if word in (";", ":", "-", "\u2014"):
            return
        if word not in CLAUSE_SUBJECTS or lowered[k - 1] in NOT_BEFORE_MAIN_CLAUSE:
            continue
        if not tokens[k - 1].text.isalpha() or not _word(tokens[k + 1], ignore):
            return
        if lowered[k + 1] in CLAUSE_SUBJECTS or lowered[k + 1] in QUESTION_SUBJECTS:
            return  # "If he calls you I will answer": "you" was an object
        yield GrammarEdit(tokens[k - 1].end, tokens[k - 1].end, ",", Category.PUNCTUATION,
                          "Put a comma after an introductory clause.", 0.8,
                          "INTRO_CLAUSE_COMMA")
        return


# --- verb forms and agreement with noun subjects -------------------------------------------

MODALS = frozenset({
    "can", "could", "will", "would", "shall", "should", "must", "may", "might", "cannot",
    "can't", "won't", "wouldn't", "couldn't", "shouldn't", "mustn't",
})
DETERMINERS = frozenset({"my", "our", "your", "his", "her", "their", "the", "this", "that"})
NOUN_MODAL_CONTEXT = DETERMINERS | {"a", "an", "own", "free", "good", "ill", "divine",
                                    "last", "tin", "watering", "goodwill"}
DO_FORMS = frozenset({"do", "does", "did", "don't", "doesn't", "didn't"})
HAVE_FORMS = frozenset({"have", "has", "had", "haven't", "hasn't", "hadn't", "'ve"})
VERB_ADVERBS = FREQUENCY_ADVERBS | {"not", "ever", "even", "recently", "all"}
COUNTED = frozenset({
    "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven",
    "twelve", "twenty", "many", "several", "lots", "dozens", "hundreds", "thousands",
})
# Nouns that may take a plural verb in British English, or are plural already.
COLLECTIVE = frozenset({
    "family", "team", "staff", "police", "government", "committee", "company", "audience",
    "crew", "band", "class", "public", "jury", "group", "couple", "majority", "people",
    "cattle", "data", "media", "news", "council", "board", "management", "firm", "club",
    "army", "school", "department", "party", "union", "office", "orchestra", "choir",
})


def _verb_lemma(word: str, allowed: frozenset[str] = frozenset({"VERB"})) -> str | None:
    """The one verb lemma of ``word`` when the word can be nothing but (``allowed``)."""
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word)
    verbs = lemmas.get("VERB", ())
    if len(verbs) != 1 or set(lemmas) - allowed:
        return None
    return verbs[0]


def _inflect(lemma: str, tag: str) -> str | None:
    from lemminflect import getInflection

    forms = getInflection(lemma, tag)
    return forms[0] if forms else None


@cache
def _base_after_auxiliary(word: str) -> str | None:
    """"went" / "speaks" -> "go" / "speak" (after "did", "can"): -s and past forms."""
    lemma = _verb_lemma(word)
    if lemma is None or lemma == word:
        return None
    if word in (_inflect(lemma, "VBZ"), _inflect(lemma, "VBD"), _inflect(lemma, "VBN")):
        return lemma
    return None


@cache
def _participle(word: str) -> str | None:
    """"wrote" / "eat" -> "written" / "eaten" (after "have"): past or base forms whose
    participle differs."""
    lemma = _verb_lemma(word)
    participle = _inflect(lemma, "VBN") if lemma else None
    if participle is None or participle == word or lemma in ("be", "have", "do", "get"):
        return None
    return participle if word in (lemma, _inflect(lemma, "VBD")) else None


def _skip_adverbs(tokens: list[Token], k: int) -> int:
    while _lower(tokens, k) in VERB_ADVERBS:
        k += 1
    return k


def verb_form(text: str, tokens: list[Token], ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    for k, token in enumerate(tokens[:-1]):
        low = _lower(tokens, k)
        if low in MODALS and _lower(tokens, k - 1) in NOUN_MODAL_CONTEXT:
            continue  # "the divine will exists", "a tin can", "a free will"
        if low in MODALS or low in DO_FORMS:
            at = k + 1
            if low in DO_FORMS and _lower(tokens, at) in PRONOUNS and k == 0:
                at += 1  # "Did you finished ...?"
            at = _skip_adverbs(tokens, at)
            word = _lower(tokens, at)
            fixed = "be" if word == "been" and low in MODALS else _base_after_auxiliary(word)
            message = f"After \u201c{token.text}\u201d, use the base form \u201c{fixed}\u201d."
        elif low in HAVE_FORMS and _lower(tokens, k - 1) != "to":
            at = _skip_adverbs(tokens, k + 1)
            word = _lower(tokens, at)
            fixed = _participle(word)
            message = f"After \u201c{token.text}\u201d, use the participle \u201c{fixed}\u201d."
        else:
            continue
        if fixed and at < len(tokens) and tokens[at].text.islower() and _word(tokens[at],
                                                                              ignore):
            verb = tokens[at]
            yield GrammarEdit(verb.start, verb.end, fixed, Category.VERB_FORM, message, 0.85,
                              "VERB_FORM_AFTER_AUXILIARY")


def there_are(text: str, tokens: list[Token], ignore: frozenset[str]) -> Iterator[GrammarEdit]:
    for k in range(len(tokens) - 2):
        if _lower(tokens, k) != "there" or _lower(tokens, k + 2) not in COUNTED:
            continue
        verb = tokens[k + 1]
        fixed = {"is": "are", "was": "were"}.get(verb.text.lower())
        if fixed:
            fixed = fixed.capitalize() if verb.text[0].isupper() else fixed
            yield GrammarEdit(verb.start, verb.end, fixed, Category.AGREEMENT,
                              f"\u201c{tokens[k + 2].text}\u201d is plural: use "
                              f"\u201c{fixed}\u201d.", 0.85, "THERE_ARE")


def noun_agreement(text: str, tokens: list[Token], ignore: frozenset[str]
                   ) -> Iterator[GrammarEdit]:
    """"Every student have", "My brother live", "The children plays", "My parents was",
    "The old man have", "The lighthouse keeper have": a sentence opening with a
    determiner, up to two adjectives and one or two nouns (the last one the head), then
    its verb. Every word of the subject must be unambiguous (an adjective that is no verb,
    a noun that is nothing else, or one that could be a verb followed by an auxiliary),
    so that the verb is where the subject ends; a noun that may be plural as it stands
    ("sheep") is left alone."""
    from lemminflect import getAllLemmas, getInflection

    if len(tokens) < 4 or tokens[0].start != 0:
        return
    det = _lower(tokens, 0)
    if det not in DETERMINERS | {"every", "each"}:
        return
    k = 1
    while k < min(len(tokens), 3) and _adjective_only(_lower(tokens, k), tokens[k]):
        k += 1
    nouns, ambiguous = 0, False
    while k < len(tokens) and nouns < 2 and tokens[k].text.islower():
        word = _lower(tokens, k)
        lemmas = getAllLemmas(word)
        if (len(lemmas.get("NOUN", ())) != 1 or word in VERB_ADVERBS or word in MODALS
                or word in NOT_SUBJECT_NOUNS or "AUX" in lemmas
                or (nouns and set(lemmas) != {"NOUN"})):
            break  # a second word that may be a verb ("the children plays") is the verb
        k, nouns = k + 1, nouns + 1
        if set(lemmas) != {"NOUN"}:  # "man" may be a verb: it can only end the subject
            ambiguous = True
            break
    if not nouns:
        return
    noun = _lower(tokens, k - 1)
    lemma = getAllLemmas(noun)["NOUN"][0]
    if noun in COLLECTIVE or lemma in (getInflection(lemma, "NNS") or ()):
        return  # "the team were"; "the sheep have" (one or many)
    plural = lemma != noun
    if plural and det in ("every", "each", "this", "that"):
        return
    at = _skip_adverbs(tokens, k)
    if at >= len(tokens) or not _word(tokens[at], ignore) or not tokens[at].text.islower():
        return
    verb = _lower(tokens, at)
    if ambiguous and verb not in PLURAL_FIXES and verb not in SINGULAR_FIXES:
        return  # after "the old man", only an auxiliary is surely the verb
    if plural:
        fixed = PLURAL_FIXES.get(verb) or _base_of_third_person(verb)
    else:
        fixed = SINGULAR_FIXES.get(verb) or (
            _third_person(verb) if _verb_lemma(verb) == verb else None)
    if fixed and fixed != verb:
        subject = text[tokens[0].start:tokens[k - 1].end]
        yield GrammarEdit(tokens[at].start, tokens[at].end, fixed, Category.AGREEMENT,
                          f"The subject \u201c{subject}\u201d needs \u201c{fixed}\u201d.",
                          0.8, "NOUN_AGREEMENT")


# Words lemminflect lists as nouns that end a subject rather than head it ("the students
# all agree", "the boys themselves").
NOT_SUBJECT_NOUNS = frozenset({"all", "both", "each", "none", "one", "ones", "half", "self",
                               "lot", "much", "more", "most", "less", "least", "enough"})


def _adjective_only(word: str, token: Token) -> bool:
    """An adjective that cannot be a verb ("old", "small"; not "clear", "light")."""
    from lemminflect import getAllLemmas

    lemmas = getAllLemmas(word)
    return token.text.islower() and "ADJ" in lemmas and "VERB" not in lemmas


RULES: tuple[RuleFn, ...] = (
    doubled_word, article, capitalisation, double_comparative, question_mark, agreement,
    intro_adverb_comma, intro_clause_comma, verb_form, there_are, noun_agreement,
    *PATTERN_RULES,
)
