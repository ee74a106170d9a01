"""Embedded-mode email: readable on the console and as one file per message under var/mail/.

The text is written decoded (no quoted-printable soft line breaks), so a person can open the
file and click or copy the verification link as it is.
"""

from __future__ import annotations

import email.policy
import sys
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.message import EmailMessage, EmailMultiAlternatives


def readable(message: EmailMessage) -> str:
    """Headers and the plain-text body of `message`, undecorated."""
    lines = [
        f"Subject: {message.subject}",
        f"From: {message.from_email}",
        f"To: {', '.join(message.to)}",
    ]
    if message.cc:
        lines.append(f"Cc: {', '.join(message.cc)}")
    for name, value in (message.extra_headers or {}).items():
        lines.append(f"{name}: {value}")
    lines += ["", str(message.body)]
    if isinstance(message, EmailMultiAlternatives) and message.alternatives:
        kinds = ", ".join(alternative[1] for alternative in message.alternatives)
        lines += ["", f"[also sent as: {kinds}]"]
    return "\n".join(lines).rstrip() + "\n"


class ConsoleAndFileEmailBackend(BaseEmailBackend):
    _lock = threading.Lock()
    _counter = 0

    def __init__(self, *args: Any, file_path: str | None = None, **kwargs: Any) -> None:
        # Writing a local file cannot fail in a way worth hiding, so fail_silently is ignored.
        kwargs.pop("fail_silently", None)
        super().__init__(*args[1:], **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)

    def send_messages(self, email_messages: Sequence[EmailMessage]) -> int:
        if not email_messages:
            return 0
        self.directory.mkdir(parents=True, exist_ok=True)
        sent = 0
        for message in email_messages:
            if not message.recipients():
                continue
            text = readable(message)
            with self._lock:
                type(self)._counter += 1
                stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
                path = self.directory / f"{stamp}-{self._counter:04d}.txt"
                path.write_text(text, encoding="utf-8")
                sys.stdout.write(f"--- email written to {path} ---\n{text}---\n")
                sys.stdout.flush()
            sent += 1
        return sent


class UnfoldedHeadersEmail(EmailMultiAlternatives):
    """An email whose headers are never folded into RFC 2047 encoded words.

    The SMTP backend renders with `email.policy.SMTP` (lines of 78), and Python encodes a header
    it cannot fold at a space: a `List-Unsubscribe: <https://...long token...>` would reach the
    mail client as `=?utf-8?q?=3Chttps...`, which no client reads as a link, so one-click
    unsubscribe would silently not work. RFC 5322 allows lines up to 998 characters.
    """

    def message(self, *, policy: Any = email.policy.default) -> Any:
        return super().message(policy=(policy or email.policy.default).clone(max_line_length=998))
