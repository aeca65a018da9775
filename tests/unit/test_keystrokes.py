"""Keystroke savings: the writer accepts suggestions as far as they match, the editor's way."""

from __future__ import annotations

from writer_app.core.keystrokes import Tally, acceptance, simulate

TEXT = "The cat sat on the mat. The dog ran to the park."


def oracle(words: int, prob: float = 0.9):
    """Suggests the real next `words` words, each word end at probability prob**n."""

    def suggest(position: int):
        rest = TEXT[position:]
        stops, offset = [], 0
        for n in range(words):
            space = rest.find(" ", offset + 1)
            end = len(rest) if space < 0 else space
            stops.append((end, prob ** (n + 1)))
            offset = end
            if space < 0:
                break
        return rest[: stops[-1][0]], tuple(stops)

    return suggest


def nothing(_position: int):
    return "", ()


def test_acceptance_tab_whole_or_ctrl_right_word_by_word():
    assert acceptance(" sat on", " sat on the mat") == (7, 1)  # Tab
    assert acceptance(" sat on a", " sat on the mat") == (7, 2)  # two words, two keys
    assert acceptance(" dog", " cat") == (0, 0)
    assert acceptance("s", "sat") == (0, 0), "one key for one letter saves nothing"


def test_no_suggestions_save_nothing():
    tally = simulate(TEXT, 0, len(TEXT), nothing, 0.2)
    assert tally.characters == tally.keystrokes == len(TEXT)
    assert tally.savings == 0 and tally.shown == 0 and tally.requests > 5


def test_perfect_suggestions_save_most_keys_and_are_all_accepted():
    tally = simulate(TEXT, 4, len(TEXT), oracle(3), 0.1)
    assert tally.characters == len(TEXT) - 4
    assert tally.precision == 1.0 and tally.coverage == 1.0
    assert tally.savings > 0.7
    # every Tab takes three words: the keys are the Tabs
    assert tally.keystrokes == tally.shown


def test_a_higher_threshold_shows_shorter_suggestions_and_saves_less():
    eager = simulate(TEXT, 4, len(TEXT), oracle(3, prob=0.8), 0.5)  # up to 3 words
    strict = simulate(TEXT, 4, len(TEXT), oracle(3, prob=0.8), 0.75)  # 1 word
    assert strict.shown_chars / strict.shown < eager.shown_chars / eager.shown
    assert strict.keystrokes > eager.keystrokes and strict.savings < eager.savings
    nothing_shown = simulate(TEXT, 4, len(TEXT), oracle(3, prob=0.8), 0.9)
    assert nothing_shown.shown == 0 and nothing_shown.savings == 0


def test_a_wrong_suggestion_stays_while_typing_matches_and_is_asked_again_later():
    calls = []

    def wrong(position: int):
        calls.append(position)
        return " cow", ((4, 0.9),)

    tally = simulate("The cat sat on", 3, 14, wrong, 0.5)
    assert tally.savings == 0 and tally.precision == 0
    # asked at the start, then at each later word start: "sat", "on"
    assert calls == [3, 8, 12]
    assert tally.requests == 3 and tally.shown == 3


def test_tallies_add_up():
    total = Tally()
    total.add(Tally(characters=10, keystrokes=6, requests=2, shown=1, shown_chars=5,
                    accepted_chars=4))
    total.add(Tally(characters=10, keystrokes=10, requests=2, shown=1, shown_chars=5))
    assert total.savings == 0.2 and total.precision == 0.4 and total.coverage == 0.5
