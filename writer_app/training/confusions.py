"""Word lists for the synthetic-error generator: what writers actually get wrong.

The commonly confused single words (their/there/they're...) live in
``writer_app.core.gec.tags.CONFUSION_SETS`` because the corrector's messages use them too;
this module holds what only the generator needs.
"""

from __future__ import annotations

# Two-word phrases written as one word ("a lot" -> "alot"); the corrector undoes the merge.
MERGED_PHRASES: dict[tuple[str, str], str] = {
    ("a", "lot"): "alot", ("at", "least"): "atleast", ("as", "well"): "aswell",
    ("in", "fact"): "infact", ("each", "other"): "eachother", ("all", "right"): "alright",
    ("no", "one"): "noone", ("in", "front"): "infront", ("every", "time"): "everytime",
    ("thank", "you"): "thankyou", ("even", "though"): "eventhough", ("in", "case"): "incase",
}
# "could have" -> "could of": only after these.
MODALS_BEFORE_HAVE = ("could", "would", "should", "must", "might", "may")

# Prepositions learners swap, with the likelier mistakes first.
PREPOSITION_SWAPS: dict[str, tuple[str, ...]] = {
    "in": ("on", "at", "into"), "on": ("in", "at", "about"), "at": ("in", "on", "to"),
    "for": ("to", "of", "since"), "to": ("for", "at", "in"), "of": ("for", "from", "about"),
    "with": ("by", "to", "at"), "from": ("of", "since", "by"), "by": ("with", "from", "until"),
    "about": ("of", "on", "for"), "into": ("in", "to", "onto"), "since": ("for", "from"),
    "during": ("while", "for"), "until": ("by", "till"), "onto": ("on", "into"),
}

# Person/number swaps that a verb-form table does not give (contractions, am/is/are).
AGREEMENT_SWAPS: dict[str, tuple[str, ...]] = {
    "is": ("are",), "are": ("is",), "am": ("is", "are"), "was": ("were",), "were": ("was",),
    "has": ("have",), "have": ("has",), "does": ("do",), "do": ("does",),
    "doesn't": ("don't",), "don't": ("doesn't",), "isn't": ("aren't",), "aren't": ("isn't",),
    "wasn't": ("weren't",), "weren't": ("wasn't",), "hasn't": ("haven't",),
    "haven't": ("hasn't",),
}
AUXILIARIES = frozenset(
    {"is", "are", "was", "were", "be", "been", "being", "am", "have", "has", "had", "do", "does",
     "did", "will", "would", "can", "could", "shall", "should", "may", "might", "must", "to",
     "not", "never", "always", "often", "also", "just", "already", "still"}
)
PLURAL_PRONOUNS = ("i", "you", "we", "they")
SINGULAR_DETERMINERS = frozenset({"a", "an", "one", "this", "that", "every", "each", "another"})
PLURAL_DETERMINERS = frozenset(
    {"these", "those", "many", "several", "few", "both", "various", "two", "three", "four",
     "five", "six", "seven", "eight", "nine", "ten", "numerous"}
)

# Comparatives that learners regularise or double-mark.
IRREGULAR_COMPARATIVES: dict[str, tuple[str, ...]] = {
    "better": ("gooder", "more better", "more good"), "best": ("goodest", "most best"),
    "worse": ("badder", "more worse", "more bad"), "worst": ("baddest", "most worst"),
    "further": ("farer", "more further"), "farther": ("farer", "more farther"),
    "less": ("lesser", "more less"), "least": ("leastest", "most least"),
}

# Frequent real misspellings, correct -> wrong.
COMMON_MISSPELLINGS: dict[str, tuple[str, ...]] = {
    "receive": ("recieve",), "believe": ("beleive",), "definitely": ("definately", "definitly"),
    "separate": ("seperate",), "necessary": ("neccessary", "necesary"), "occurred": ("occured",),
    "until": ("untill",), "tomorrow": ("tommorow", "tomorow"), "beginning": ("begining",),
    "environment": ("enviroment",), "government": ("goverment",), "which": ("wich",),
    "because": ("becuase", "becasue"), "really": ("realy",), "different": ("diffrent",),
    "friend": ("freind",), "address": ("adress",), "accommodate": ("acommodate", "accomodate"),
    "embarrass": ("embarass",), "achieve": ("acheive",), "weird": ("wierd",),
    "calendar": ("calender",), "argument": ("arguement",), "truly": ("truely",),
    "grammar": ("grammer",), "library": ("libary",), "february": ("febuary",),
    "possible": ("possable",), "responsible": ("responsable",), "business": ("buisness",),
    "knowledge": ("knowlege",), "interesting": ("intresting",), "probably": ("probaly",),
    "finally": ("finaly",), "successful": ("succesful", "successfull"), "writing": ("writting",),
    "sentence": ("sentance",), "experience": ("experiance",),
    "independent": ("independant",), "existence": ("existance",), "immediately": ("immediatly",),
    "recommend": ("recomend", "reccomend"), "tomatoes": ("tomatos",), "committee": ("commitee",),
    "twelfth": ("twelth",), "surprise": ("suprise",),
    "disappear": ("dissapear",), "across": ("accross",), "basically": ("basicly",),
    "publicly": ("publically",), "noticeable": ("noticable",), "foreign": ("foriegn",),
    "height": ("heigth",), "piece": ("peice",), "their": ("thier",), "science": ("sceince",),
}

# Suffix and spelling-pattern swaps that sound alike.
PHONETIC_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("ible", "able"), ("able", "ible"), ("ance", "ence"), ("ence", "ance"), ("ant", "ent"),
    ("ent", "ant"), ("ise", "ize"), ("tion", "sion"), ("ful", "full"), ("ly", "ley"),
)

_QWERTY_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    positions = {ch: (r, c) for r, row in enumerate(_QWERTY_ROWS) for c, ch in enumerate(row)}
    neighbours = {}
    for ch, (row, col) in positions.items():
        near = [
            other
            for other, (r, c) in positions.items()
            if other != ch and abs(r - row) <= 1 and abs(c + 0.5 * r - col - 0.5 * row) <= 1
        ]
        neighbours[ch] = "".join(sorted(near))
    return neighbours


KEYBOARD_NEIGHBOURS: dict[str, str] = _keyboard_neighbours()

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January", "February", "March", "April", "June", "July", "August", "September",
    "October", "November", "December",
)
LANGUAGES = (
    "English", "French", "German", "Spanish", "Italian", "Portuguese", "Chinese", "Japanese",
    "Russian", "Arabic", "Dutch", "Greek", "Polish", "Swedish", "Hindi", "Korean", "Turkish",
)
NATIONALITIES = (
    "American", "British", "Canadian", "Australian", "Mexican", "Brazilian", "Indian",
    "Irish", "Scottish", "Welsh", "European", "African", "Asian", "Egyptian", "Nigerian",
)
# Capitalised names whose lower-case form is the most recognisable mistake.
CALENDAR_AND_LANGUAGE_WORDS = frozenset(DAYS + MONTHS + LANGUAGES + NATIONALITIES)
