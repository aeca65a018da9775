"""The thesaurus of this source tree (the installed package may hold another copy)."""

from __future__ import annotations

from pathlib import Path

import pytest

from writer_app.core.thesaurus import Thesaurus

RESOURCE = Path(__file__).resolve().parents[3] / "resources" / "thesaurus" / "wordnet-en.tsv.gz"


@pytest.fixture(scope="session")
def thesaurus() -> Thesaurus:
    return Thesaurus.load(RESOURCE)
