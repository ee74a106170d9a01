"""Crisis screening against a development set (the held-out evaluation set is not used here)."""

from __future__ import annotations

import pytest

from carecircle.moderation.screening import Finding, screen_crisis, screen_text

# Development examples: written to cover each kind of wording the phrase list should catch.
# Tune the phrase files against these, never against data/crisis_evaluation.jsonl.
FLAGGED = [
    ("I can't go on", "hopelessness"),
    ("Honestly everyone would be better off without me.", "suicidal_intent"),
    ("I've been saving up my pills in a drawer.", "method_or_plan"),
    ("Some days I just want to end it all.", "suicidal_intent"),
    ("goodbye everyone, this is my last post", "suicidal_intent"),
    ("I keep thinking about killing myself at night.", "suicidal_intent"),
    ("I felt suicidal all weekend and it hasn't lifted.", "suicidal_intent"),
    ("I'm having thoughts of ending my life again.", "suicidal_intent"),
    ("I don't want to live anymore", "suicidal_intent"),
    ("Can't stop thinking about ending it", "suicidal_intent"),
    ("The urges to cut are really bad tonight", "self_harm"),
    ("I started cutting again after two years.", "self_harm"),
    ("I've been hurting myself to cope with the pain.", "self_harm"),
    ("I've googled the lethal dose of my tablets.", "method_or_plan"),
    ("How many tablets would it take to die?", "method_or_plan"),
    ("I'm going to take all of my insulin tonight.", "method_or_plan"),
    ("My son keeps saying he wants to die and I'm frightened.", "risk_to_other"),
    ("My daughter has been cutting herself, what do I do?", "risk_to_other"),
    ("I'm such a burden to my family since the stroke.", "hopelessness"),
    ("Life just isn't worth living with this pain.", "hopelessness"),
    ("I used to self-harm and now the urges are back.", "self_harm"),
    ("I’m suicidal and I don’t know who to tell", "suicidal_intent"),
    ("I wish I was dead", "suicidal_intent"),
]

NOT_FLAGGED = [
    "I'm not suicidal, just very tired of the side effects.",
    "I would never hurt myself, I have my kids to think of.",
    "No thoughts of self-harm at the moment, the GP asked.",
    "I don't want to die, I want better pain relief.",
    "My dad died by suicide years ago; it still hurts at Christmas.",
    "I used to self-harm, 5 years clean now.",
    "This traffic is killing me.",
    "I could kill for a coffee.",
    "I nearly died of embarrassment when my phone rang in clinic.",
    "I want to die of embarrassment lol",
    "The lethal dose of paracetamol depends on body weight; pharmacists can advise.",
    "Our team is doing suicide prevention training next month.",
    "Can't go on the trip because of my hospital appointment.",
    "I cut myself shaving this morning.",
    "My grandmother took her own life in the 1970s.",
    "I'm no longer suicidal thanks to the new medication and therapy.",
]


@pytest.mark.parametrize(("text", "label"), FLAGGED)
def test_present_distress_is_flagged_with_its_label(text, label):
    labels = [finding.label for finding in screen_crisis(text)]
    assert label in labels


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_negations_history_jokes_and_other_contexts_are_not_flagged(text):
    assert screen_crisis(text) == []


def test_a_finding_points_at_the_words_matched_in_the_original_text():
    text = "Thanks for asking. Honestly I WANT TO DIE most days."
    [finding] = screen_crisis(text)
    assert finding == Finding(
        kind="crisis",
        label="suicidal_intent",
        matched="I WANT TO DIE",
        start=28,
        end=41,
        explanation="words about wanting to die or end their life",
    )
    assert text[finding.start : finding.end] == finding.matched
    assert finding.as_dict() == {
        "kind": "crisis",
        "label": "suicidal_intent",
        "matched": "I WANT TO DIE",
        "explanation": "words about wanting to die or end their life",
        "start": 28,
        "end": 41,
    }


def test_negation_in_one_clause_does_not_hide_distress_in_the_next():
    findings = screen_crisis("I don't want to die, but I can't go on like this.")
    assert [finding.label for finding in findings] == ["hopelessness"]


def test_cant_stop_is_not_a_negation():
    [finding] = screen_crisis("I can't stop thinking about suicide.")
    assert finding.label == "suicidal_intent"


def test_screen_text_runs_every_screen():
    result = screen_text("I want to end it all. Call me on 07911 123456.")
    assert [finding.label for finding in result.crisis] == ["suicidal_intent"]
    assert [finding.label for finding in result.personal_details] == ["phone_number"]
    assert result.misinformation == []
    assert result.is_crisis is True
    assert result.needs_confirmation is True


def test_an_ordinary_post_has_no_findings():
    result = screen_text("Lovely walk today, my knee is much better since physio.")
    assert (result.crisis, result.misinformation, result.personal_details) == ([], [], [])
    assert result.is_crisis is False
    assert result.needs_confirmation is False
