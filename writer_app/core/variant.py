"""Which English the spelling layer expects: from the setting, or from the system locale.

"auto" follows the locale the way desktop spell checkers do: en_GB (and the other locales
that write British spelling) gives British, en_US American. Where the locale names
neither (C, POSIX, another language), both spellings are accepted, because flagging a
writer's correct "colour" or "color" is worse than missing a mixed document.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

VARIANTS = ("auto", "en-US", "en-GB", "en")
BRITISH_LOCALES = frozenset({"GB", "IE", "AU", "NZ", "ZA", "IN"})
AMERICAN_LOCALES = frozenset({"US", "PH"})
_LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def locale_variant(environ: Mapping[str, str] | None = None) -> str:
    """"en-GB", "en-US" or "en" (both) from the first locale variable that is set."""
    environ = os.environ if environ is None else environ
    for name in _LOCALE_VARIABLES:
        value = environ.get(name, "")
        if value:
            return _variant_of(value)
    return "en"


def _variant_of(locale_name: str) -> str:
    language, _, rest = locale_name.partition("_")
    territory = rest.split(".")[0].split("@")[0].upper()
    if language.lower() != "en":
        return "en"
    if territory in BRITISH_LOCALES:
        return "en-GB"
    if territory in AMERICAN_LOCALES:
        return "en-US"
    return "en"


def resolve_variant(setting: str, environ: Mapping[str, str] | None = None) -> str:
    """The variant to check with: the setting, or the locale's for "auto" (or unknown)."""
    if setting in VARIANTS and setting != "auto":
        return setting
    return locale_variant(environ)
