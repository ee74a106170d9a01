"""Crisis screening: self-harm and suicide language, so a member at risk sees help at once.

Recall comes first: a missed cry for help costs far more than a moderator glancing at a
false alarm. So the phrase list (data/crisis_phrases.txt) leans on first-person, present-tense
wording, and matches are dropped only for clear reasons:

* negation just before the phrase in the same clause ("I'm not going to kill myself",
  "I would never want to hurt myself"), unless the negation is part of "can't stop", "not sure if"…;
* the sentence is about the past or recovery ("I used to self-harm, 5 years clean now") and
  says nothing of it coming back ("…and the urges are back" is still flagged);
* a figure of speech follows ("I want to die of embarrassment", "…lol").
Warning signs that are ordinary alone ("I've sorted my will", "thank you for everything",
data/crisis_warning_signs.txt) count only when two different ones are in the same post.
Someone else at risk now ("my son says he wants to kill himself") is flagged as risk_to_other;
someone else in the past ("my dad died by suicide years ago") is not.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext_lazy as _

from carecircle.moderation.screening.findings import Finding, drop_overlaps
from carecircle.moderation.screening.text import (
    clause_before,
    cue_regex,
    load_phrases,
    normalise,
    sentence_bounds,
)

EXPLANATIONS = {
    "suicidal_intent": _("words about wanting to die or end their life"),
    "hopelessness": _("words of deep hopelessness"),
    "self_harm": _("words about self-harm"),
    "method_or_plan": _("words about a plan or a means of ending their life"),
    "risk_to_other": _("words about someone else being at risk of suicide or self-harm"),
}

_JOKE_WINDOW = 30
_SERIOUS = re.compile(r"\b(?:seriously|not joking|i mean it|not ok|not okay|for real)\b")


def _without_exceptions(window: str) -> str:
    return cue_regex("crisis_negation_exceptions.txt").sub(" ", window)


def is_negated(text: str, start: int) -> bool:
    """True when a negation word sits just before `start` in the same clause."""
    window = _without_exceptions(clause_before(text, start, max_words=5))
    return cue_regex("crisis_negations.txt").search(window) is not None


def is_historical(text: str, start: int, end: int) -> bool:
    """True when the sentence is about the past or recovery and nothing says it is back."""
    left, right = sentence_bounds(text, start, end)
    sentence = text[left:right]
    if cue_regex("crisis_history.txt").search(sentence) is None:
        return False
    return cue_regex("crisis_relapse.txt").search(sentence) is None


def is_figure_of_speech(text: str, end: int) -> bool:
    """True when a joke marker follows the phrase ("…of embarrassment", "…lol")."""
    after = text[end : end + _JOKE_WINDOW]
    found = cue_regex("crisis_jokes.txt").search(after)
    if found is None or re.search(r"[.!?\n]", after[: found.start()]):
        return False
    # "…lol no seriously, I'm not ok" is not a joke.
    return _SERIOUS.search(text, end, end + _JOKE_WINDOW * 2) is None


# Goodbyes and putting affairs in order are reported as a plan: they are how one is carried out.
_WARNING_SIGN_LABEL = "method_or_plan"
_MIN_WARNING_SIGNS = 2


def _is_dropped(normalised: str, label: str, start: int, end: int) -> bool:
    if label != "risk_to_other" and is_negated(normalised, start):
        return True
    return is_historical(normalised, start, end) or is_figure_of_speech(normalised, end)


def _finding(text: str, label: str, start: int, end: int) -> Finding:
    return Finding(
        kind="crisis",
        label=label,
        matched=text[start:end],
        start=start,
        end=end,
        explanation=str(EXPLANATIONS[label]),
    )


def screen_crisis(text: str) -> list[Finding]:
    """Self-harm and suicide language in `text`, each with its label and the words matched."""
    normalised = normalise(text)
    findings: list[Finding] = []
    for phrase, found in load_phrases("crisis_phrases.txt").matches(normalised):
        start, end = found.span()
        if not _is_dropped(normalised, phrase.label, start, end):
            findings.append(_finding(text, phrase.label, start, end))
    # One warning sign alone is everyday life ("I've rehomed my cat"); two different ones in a
    # post ("rehomed my cat… sorted my will") read like someone saying goodbye.
    signs: dict[str, tuple[int, int]] = {}
    for phrase, found in load_phrases("crisis_warning_signs.txt").matches(normalised):
        start, end = found.span()
        if phrase.source not in signs and not _is_dropped(normalised, phrase.label, start, end):
            signs[phrase.source] = (start, end)
    if len(signs) >= _MIN_WARNING_SIGNS:
        findings.extend(
            _finding(text, _WARNING_SIGN_LABEL, start, end) for start, end in signs.values()
        )
    return drop_overlaps(findings)
