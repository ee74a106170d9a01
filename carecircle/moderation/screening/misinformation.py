"""Misinformation screening: risky health claims a member is asked to look at again.

Four kinds of claim (data/misinformation_phrases.txt): advice to stop prescribed treatment,
miracle cures, anti-vaccine claims and dosage advice. A finding never blocks a post; it asks the
author to confirm and sends the post to the professional review queue, so precision matters
more here than for crisis screening. A match is dropped when:

* a negation comes just before it in the same clause ("there is no miracle cure",
  "my doctor told me not to stop my insulin");
* its sentence corrects or warns about the claim ("the myth that vaccines cause autism",
  "beware of people saying cinnamon cures diabetes");
* its sentence asks whether it is true ("is it true that vaccines cause autism?"), unless the
  question is rhetorical ("did you know…", "why won't doctors tell you…");
* the member reports what someone else said and asks for help with it;
* for stopping treatment and dosage, a clinician is part of the decision ("my GP took me off the
  statins", "talk to your doctor before you double your dose").
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
    "stop_medication": _("advice to stop prescribed treatment"),
    "miracle_cure": _("a claim that something cures a serious illness"),
    "anti_vaccine": _("a claim against vaccines that health authorities have found untrue"),
    "dosage_advice": _("advice to change or exceed a medicine's dose"),
}

# Labels where a clinician's involvement makes the words safe ("my GP took me off the statins").
_CLINICIAN_SENSITIVE = frozenset({"stop_medication", "dosage_advice"})


def _sentence_without_match(text: str, start: int, end: int) -> str:
    left, right = sentence_bounds(text, start, end)
    # The claim's own words ("vaccines are a scam") must not count as its correction.
    return text[left:start] + " … " + text[end:right]


def is_negated(text: str, start: int, end: int) -> bool:
    """True when a denial sits just before `start` in the same clause (and is not rhetorical:
    "why won't doctors admit that…" still makes the claim)."""
    # Three words: "there is no miracle cure", "told me not to stop" (a wider window caught
    # "if your insulin isn't working, double your dose").
    window = clause_before(text, start, max_words=3)
    if cue_regex("misinformation_negations.txt").search(window) is None:
        return False
    sentence = _sentence_without_match(text, start, end)
    return cue_regex("misinformation_rhetorical.txt").search(sentence) is None


def is_question(text: str, start: int, end: int) -> bool:
    """True when the claim's sentence asks whether it is true (and is not rhetorical)."""
    sentence = _sentence_without_match(text, start, end)
    if cue_regex("misinformation_rhetorical.txt").search(sentence):
        return False
    return "?" in sentence or cue_regex("misinformation_questions.txt").search(sentence) is not None


def is_reported_and_questioned(text: str, start: int, end: int) -> bool:
    """True when the member passes on someone else's claim and asks about it."""
    sentence = _sentence_without_match(text, start, end)
    if cue_regex("misinformation_hearsay.txt").search(sentence) is None:
        return False
    return "?" in text or cue_regex("misinformation_help.txt").search(text) is not None


def is_debunked(text: str, start: int, end: int) -> bool:
    """True when the claim's sentence corrects or warns about it."""
    sentence = _sentence_without_match(text, start, end)
    return cue_regex("misinformation_debunk.txt").search(sentence) is not None


def is_supervised(text: str) -> bool:
    """True when a clinician takes part in the decision anywhere in the post."""
    return cue_regex("misinformation_supervised.txt").search(text) is not None


def screen_misinformation(text: str) -> list[Finding]:
    """Risky health claims in `text`, each with its label and the words matched."""
    normalised = normalise(text)
    findings: list[Finding] = []
    for phrase, found in load_phrases("misinformation_phrases.txt").matches(normalised):
        start, end = found.span()
        if (
            is_negated(normalised, start, end)
            or is_debunked(normalised, start, end)
            or is_question(normalised, start, end)
            or is_reported_and_questioned(normalised, start, end)
        ):
            continue
        if phrase.label in _CLINICIAN_SENSITIVE and is_supervised(normalised):
            continue
        findings.append(
            Finding(
                kind="misinformation",
                label=phrase.label,
                matched=re.sub(r"\s+", " ", text[start:end]).strip(),
                start=start,
                end=end,
                explanation=str(EXPLANATIONS[phrase.label]),
            )
        )
    return drop_overlaps(findings)
