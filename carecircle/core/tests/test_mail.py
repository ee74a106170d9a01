"""The embedded email backend: every message on the console and as a readable file."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.mail import EmailMessage, EmailMultiAlternatives, send_mail

from carecircle.core.mail import ConsoleAndFileEmailBackend, readable

LINK = "https://care.example.org/accounts/confirm-email/" + "MQ:1vXyZa:" + "k" * 80 + "/"


@pytest.fixture
def mail_dir(settings, tmp_path: Path) -> Path:
    settings.EMAIL_BACKEND = "carecircle.core.mail.ConsoleAndFileEmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path / "mail")
    return tmp_path / "mail"


def test_a_message_is_written_to_a_file_and_the_console(mail_dir, capsys):
    sent = send_mail(
        "Confirm your email",
        f"Hello Zoë,\n\nOpen this link to confirm:\n{LINK}\n",
        "CareCircle <no-reply@carecircle.localhost>",
        ["zoe@example.org"],
    )

    assert sent == 1
    [path] = list(mail_dir.iterdir())
    expected = (
        "Subject: Confirm your email\n"
        "From: CareCircle <no-reply@carecircle.localhost>\n"
        "To: zoe@example.org\n"
        "\n"
        "Hello Zoë,\n"
        "\n"
        "Open this link to confirm:\n"
        f"{LINK}\n"
    )
    # Decoded text: the long link is on one line, no quoted-printable "=" breaks.
    assert path.read_text(encoding="utf-8") == expected
    assert path.suffix == ".txt"
    console = capsys.readouterr().out
    assert console == f"--- email written to {path} ---\n{expected}---\n"


def test_each_message_gets_its_own_file(mail_dir):
    backend = ConsoleAndFileEmailBackend()
    messages = [
        EmailMessage("One", "first", "from@example.org", ["a@example.org"]),
        EmailMessage("Two", "second", "from@example.org", ["b@example.org"]),
        EmailMessage("Nobody", "no recipients", "from@example.org", []),
    ]

    assert backend.send_messages(messages) == 2

    contents = sorted(path.read_text() for path in mail_dir.iterdir())
    assert [text.splitlines()[0] for text in contents] == ["Subject: One", "Subject: Two"]


def test_an_empty_batch_writes_nothing(mail_dir):
    assert ConsoleAndFileEmailBackend().send_messages([]) == 0
    assert not mail_dir.exists()


def test_the_file_path_can_be_given_to_the_backend(tmp_path, settings):
    settings.EMAIL_FILE_PATH = str(tmp_path / "unused")
    backend = ConsoleAndFileEmailBackend(file_path=str(tmp_path / "given"))
    backend.send_messages([EmailMessage("Hi", "body", "f@example.org", ["t@example.org"])])
    assert len(list((tmp_path / "given").iterdir())) == 1
    assert not (tmp_path / "unused").exists()


def test_readable_shows_cc_extra_headers_and_alternatives():
    message = EmailMultiAlternatives(
        "Digest",
        "Plain text",
        "from@example.org",
        ["to@example.org", "two@example.org"],
        cc=["cc@example.org"],
        headers={"Reply-To": "help@example.org"},
    )
    message.attach_alternative("<p>Plain text</p>", "text/html")

    assert readable(message) == (
        "Subject: Digest\n"
        "From: from@example.org\n"
        "To: to@example.org, two@example.org\n"
        "Cc: cc@example.org\n"
        "Reply-To: help@example.org\n"
        "\n"
        "Plain text\n"
        "\n"
        "[also sent as: text/html]\n"
    )
