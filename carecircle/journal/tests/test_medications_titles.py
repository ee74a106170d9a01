"""Page titles of medicine and goal pages never name the medicine or the goal.

A <title> shows in tab bars, window switchers, browser history and screen-sharing: the heading
on the page names the medicine or goal, the title stays generic.
"""

from __future__ import annotations

import re

import pytest

from carecircle.journal.actions.goals import create_goal
from carecircle.journal.actions.medications import add_medication
from conftest import client_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("page", "post", "title"),
    [
        ("goals/{goal}/check-in/", None, "Check in on a goal"),
        ("goals/{goal}/check-in/", {"value": "abc"}, "Error: Check in on a goal"),
        ("goals/{goal}/close/", None, "Close a goal"),
        ("goals/{goal}/delete/", None, "Delete a goal"),
        ("medications/{medication}/delete/", None, "Delete a medicine"),
        ("medications/{medication}/stop/", None, "Stop a medicine"),
        ("medications/{medication}/stop/", {"stopped_on": ""}, "Error: Stop a medicine"),
    ],
)
def test_titles_are_generic_and_the_heading_names_it(patient, page, post, title):
    goal = create_goal(actor=patient, data={"title": "Sleep more"})
    medication = add_medication(
        actor=patient, data={"name": "Sertraline", "started_on": "2026-01-01"}
    )
    url = "/journal/" + page.format(goal=goal.pk, medication=medication.pk)
    client = client_for(patient)

    response = client.post(url, post) if post else client.get(url)

    assert response.status_code == (400 if post else 200)
    html = response.content.decode()
    found = re.search(r"<title>(.*?) · ", html, re.S)
    assert found is not None
    assert found.group(1).strip() == title
    heading = re.search(r"<h1>(.*?)</h1>", html, re.S)
    assert heading is not None
    assert ("Sleep more" if "goal" in page else "Sertraline") in heading.group(1)
