"""The shipped checker with the embedded completion model judging confusable words, as a
writer runs it (``writer-app correct`` and ``check --json``): the errors the issue named
are fixed, correct text and the other English variant are left alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow

CASES = [
    ("They left there coats in the hall.", "They left their coats in the hall."),
    ("Your right about the timing.", "You're right about the timing."),
    ("I was to tired to cook.", "I was too tired to cook."),
    ("Try not to loose your ticket.", "Try not to lose your ticket."),
    ("The box of old letters were in the attic.", "The box of old letters was in the attic."),
    ("Somebody have left the door open.", "Somebody has left the door open."),
    ("She let me to borrow her bike.", "She let me borrow her bike."),
    ("We look forward to see you.", "We look forward to seeing you."),
    ("She dont like it.", "She doesn't like it."),
    ("He fell asleep infront of the television.", "He fell asleep in front of the television."),
    ("She was choosed for the team.", "She was chosen for the team."),
    # correct text, and British spelling where the locale names no variant
    ("The harbour was full of small boats.", "The harbour was full of small boats."),
    ("The theatre programme lists every actor.", "The theatre programme lists every actor."),
    ("Their house is over there.", "Their house is over there."),
    ("It's a pity the company lost its way.", "It's a pity the company lost its way."),
]


def _run(*args: str, text: str, lang: str = "C.UTF-8") -> subprocess.CompletedProcess:
    env = {**os.environ, "LANG": lang, "LC_ALL": "", "LC_MESSAGES": ""}
    return subprocess.run([sys.executable, "-m", "writer_app", *args], input=text, env=env,
                          capture_output=True, text=True, timeout=900, check=False)


def test_correct_fixes_the_named_errors_and_leaves_correct_text_alone():
    run = _run("correct", "-", text="".join(f"{source}\n" for source, _ in CASES))
    assert run.returncode == 0, run.stderr
    assert run.stdout.splitlines() == [expected for _, expected in CASES]


def test_check_json_names_the_confusion_and_the_variant_under_an_american_locale():
    text = "The dog chased it's own tail. They parked over their.\nThe flavour was odd.\n"
    run = _run("check", "--json", "-", text=text, lang="en_US.UTF-8")
    assert run.returncode == 0, run.stderr
    matches = json.loads(run.stdout.splitlines()[-1])["matches"]
    found = {text[m["offset"]:m["offset"] + m["length"]]: m for m in matches}
    assert found["it's"]["replacements"][0]["value"] == "its"
    assert found["flavour"]["replacements"][0]["value"] == "flavor"
    assert "British" in found["flavour"]["message"]
    for match in matches:
        assert match["rule"]["id"].isupper()
