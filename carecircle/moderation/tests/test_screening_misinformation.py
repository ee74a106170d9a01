"""Misinformation screening against a development set (not the held-out evaluation set)."""

from __future__ import annotations

import pytest

from carecircle.moderation.screening import screen_misinformation

FLAGGED = [
    ("I stopped taking my insulin and feel great, you should too", "stop_medication"),
    ("Honestly you don't need your blood pressure tablets, just cut out salt.", "stop_medication"),
    ("Come off your antidepressants, they're poison.", "stop_medication"),
    ("cinnamon cures diabetes", "miracle_cure"),
    ("this herb reverses cancer", "miracle_cure"),
    ("Turmeric healed my arthritis completely, no more pills.", "miracle_cure"),
    ("There's a natural cure for diabetes the NHS keeps quiet.", "miracle_cure"),
    ("vaccines cause autism", "anti_vaccine"),
    ("Did you know the flu vaccine causes dementia?", "anti_vaccine"),
    ("Never let them vaccinate your baby.", "anti_vaccine"),
    ("The jab contains microchips.", "anti_vaccine"),
    ("take double your metformin dose", "dosage_advice"),
    ("you can safely take 8 paracetamol", "dosage_advice"),
    ("Pop three sleeping pills at once, works every time.", "dosage_advice"),
    ("Just increase your insulin yourself if your sugars are high.", "dosage_advice"),
]

NOT_FLAGGED = [
    "my doctor told me NOT to stop my insulin",
    "there is no miracle cure",
    "is it true that vaccines cause autism?",
    "Does cinnamon cure diabetes? My neighbour swears by it.",
    "Cinnamon doesn't cure diabetes, sadly.",
    "Vaccines don't cause autism, the study was fraudulent.",
    "Beware of sellers claiming black seed oil cures cancer.",
    "My GP told me to come off the statins for a month to see if the aches go.",
    "The diabetes nurse said I could double my basal insulin on sick days.",
    "The maximum is 8 paracetamol in 24 hours, so I spread them out.",
    "My nan thinks garlic cures high blood pressure, how do I gently explain it doesn't?",
    "Got my flu jab today, no side effects.",
    "I take my metformin with breakfast to avoid stomach upset.",
    "Turmeric latte recipe: milk, turmeric, honey and a pinch of pepper.",
]


@pytest.mark.parametrize(("text", "label"), FLAGGED)
def test_risky_claims_are_flagged_with_their_label(text, label):
    assert [finding.label for finding in screen_misinformation(text)] == [label]


@pytest.mark.parametrize("text", NOT_FLAGGED)
def test_negations_questions_corrections_and_supervised_changes_are_not_flagged(text):
    assert screen_misinformation(text) == []


def test_finding_keeps_the_claim_and_explains_it():
    [finding] = screen_misinformation("Listen: cinnamon cures diabetes!")
    assert finding.as_dict() == {
        "kind": "misinformation",
        "label": "miracle_cure",
        "matched": "cinnamon cures diabetes",
        "explanation": "a claim that something cures a serious illness",
        "start": 8,
        "end": 31,
    }


def test_rhetorical_question_is_still_a_claim():
    [finding] = screen_misinformation("Why won't doctors admit that vaccines cause autism?")
    assert finding.label == "anti_vaccine"


def test_a_claim_elsewhere_in_the_post_is_flagged_even_if_another_is_negated():
    findings = screen_misinformation(
        "There is no miracle cure. But cinnamon cures diabetes, trust me."
    )
    assert [finding.matched for finding in findings] == ["cinnamon cures diabetes"]
