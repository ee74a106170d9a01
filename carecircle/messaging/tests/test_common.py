"""What conversations and rooms share: checking a message's text."""

from __future__ import annotations

import pytest

from carecircle.core.errors import ValidationFailed
from carecircle.messaging.actions.common import BODY_MAX, clean_body


def test_every_kind_of_line_break_becomes_one():
    assert clean_body("  one\r\ntwo\rthree\nfour  ") == "one\ntwo\nthree\nfour"


@pytest.mark.parametrize("body", ["", "   ", "\r\r", None, 42])
def test_an_empty_message_is_refused_next_to_the_field(body):
    with pytest.raises(ValidationFailed) as caught:
        clean_body(body)
    assert (caught.value.field, str(caught.value.message)) == ("body", "Please write a message.")


def test_a_message_too_long_says_by_how_much():
    with pytest.raises(ValidationFailed) as caught:
        clean_body("x" * (BODY_MAX + 3))
    assert str(caught.value.message) == (
        f"Messages can be at most {BODY_MAX} characters; yours has {BODY_MAX + 3}."
    )
