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
    # Second round: indirect, present-tense wording (passive death wish, burden, hopelessness
    # with an ending, method cues, goodbyes, self-harm urges and acts, someone else at risk).
    ("I wish I could go to sleep and not wake up.", "suicidal_intent"),
    ("Honestly I wouldn't mind if I didn't wake up tomorrow.", "suicidal_intent"),
    ("I keep thinking about not being here anymore.", "suicidal_intent"),
    ("Some days I want to disappear forever.", "suicidal_intent"),
    ("I hope I don't wake up tomorrow.", "suicidal_intent"),
    ("I'd rather be dead, to be honest.", "suicidal_intent"),
    ("It would be easier for everyone if I wasn't around.", "suicidal_intent"),
    ("I don't care if I die at this point.", "suicidal_intent"),
    ("I don't think I'll be around for much longer.", "suicidal_intent"),
    ("I just want to stop existing.", "suicidal_intent"),
    ("I fantasise about being dead most days.", "suicidal_intent"),
    ("Part of me hopes the tumour just takes me quickly.", "suicidal_intent"),
    ("They'd all manage fine if I was gone.", "suicidal_intent"),
    ("My kids would be happier without me around.", "suicidal_intent"),
    ("I'm seriously contemplating suicide.", "suicidal_intent"),
    ("I'm not ok, I might do something stupid tonight.", "suicidal_intent"),
    ("Signing off for good. Thank you all.", "suicidal_intent"),
    ("I'm nothing but a burden to the people I love.", "hopelessness"),
    ("I'm a drain on my whole family.", "hopelessness"),
    ("I can't see any future for me.", "hopelessness"),
    ("I don't see the point in living anymore.", "hopelessness"),
    ("What's the point in going on?", "hopelessness"),
    ("I can't keep living like this.", "hopelessness"),
    ("I've been putting aside a few of my sleeping tablets each night.", "method_or_plan"),
    ("I've got enough morphine here to finish it.", "method_or_plan"),
    ("I keep thinking about driving my car into a tree.", "method_or_plan"),
    ("Part of me wants to swerve into a lorry on the motorway.", "method_or_plan"),
    ("I've been looking up how much of my amitriptyline would be enough.", "method_or_plan"),
    ("I'm going to hang myself.", "method_or_plan"),
    ("I keep picturing myself stepping in front of a train.", "method_or_plan"),
    ("I've worked out how I'm going to do it.", "method_or_plan"),
    ("I'm going to swallow everything in the medicine cabinet.", "method_or_plan"),
    ("I went back to the cliffs again tonight.", "method_or_plan"),
    ("I've rehomed my cats and sorted out my will.", "method_or_plan"),
    ("Tell my kids I love them. I'm sorry for everything.", "method_or_plan"),
    ("I'm so close to hurting myself tonight.", "self_harm"),
    ("Trying really hard not to self harm right now.", "self_harm"),
    ("I burnt my arm with a cigarette on purpose.", "self_harm"),
    ("Cut my wrist with a razor blade last night.", "self_harm"),
    ("I relapsed and burned myself after the argument.", "self_harm"),
    ("I keep wanting to hurt myself.", "self_harm"),
    ("I deserve to suffer.", "self_harm"),
    ("My 15-year-old says she wants to kill herself.", "risk_to_other"),
    ("My eldest told me last night that he'd be better off dead.", "risk_to_other"),
    ("My wife says she's going to take all her pills.", "risk_to_other"),
    ("My brother sent me a goodbye text and now he won't pick up.", "risk_to_other"),
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
    # Second round: everyday wording near the new phrases.
    "My mum says she wants to die at home, not in hospital.",
    "When the time comes I want to die at home with my family.",
    "I slept through and didn't wake up once!",
    "This will be my last post for a while, off to Spain!",
    "I'd rather die than sit through that film again.",
    "This paperwork is like banging my head against a brick wall.",
    "I'm giving away my old crutches, anyone want them?",
    "I've sorted my will and power of attorney, one less thing to worry about.",
    "I won't need my inhaler anymore, the new treatment is brilliant.",
    "I'm not going to do anything stupid, I just need to rant.",
    "I used to think about killing myself every day; ten years on I'm in a good place.",
    "My aunt took an overdose in 1990.",
    "Nurses should know the maximum paracetamol dose is 4 g a day.",
    "I can't see a way out of this mortgage mess.",
    "What's the point of having a GP if you can't get an appointment?",
    "I scratched my eczema until it bled last night.",
    "We walked over the bridge and had lunch by the river.",
    "Cut myself on a broken glass while washing up.",
    "I'm not ready to die, I've got too much to live for.",
    "I keep thinking about my dad dying, it still hurts.",
    "My son swerved into a ditch on the ice but he's fine.",
    "Thank you for everything, the nurses on ward 7 were wonderful.",
    "I don't care if I'm late, I'm not rushing in this heat.",
    "I hope I don't wake up the baby when I get in.",
    "I'm tired of being here in A&E, four hours and counting.",
    "I could sleep forever after that walk.",
    "I can see myself driving again by the summer.",
    "My husband says he's going to drive into town later.",
    "We want to jump into the sea on New Year's Day for the hospice.",
    "Mum said she'd take all her tablets before bed tonight.",
    "My daughter says she wants to jump in the pool with her brother.",
    "I'm hoping it takes me less time to walk to the clinic now.",
    "I want to drive onto the motorway without panicking.",
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


def test_one_warning_sign_alone_is_not_flagged_but_two_are():
    assert screen_crisis("I've rehomed my cat, the new flat doesn't allow pets.") == []
    findings = screen_crisis("I've rehomed my cat. I'm sorry for everything.")
    assert [(finding.label, finding.matched) for finding in findings] == [
        ("method_or_plan", "rehomed my cat"),
        ("method_or_plan", "I'm sorry for everything"),
    ]


def test_a_negated_warning_sign_does_not_count():
    assert screen_crisis("I haven't sorted my will yet. I'm sorry for everything.") == []


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
