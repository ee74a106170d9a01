"""WebVTT captions for videos: read strictly, then written out again from what was understood.

The output holds the WEBVTT line and the cues only (NOTE, STYLE and REGION blocks dropped),
each cue's text keeping only WebVTT's own cue tags (<c>, <i>, <b>, <u>, <v>, <lang>, <ruby>,
<rt> and timestamps) without their attributes beyond a voice name or language; every other tag
(`<script>`, `<img>` …) is removed and its inner text kept as plain text. The browser shows
captions as text, and the file is served as text/vtt under a sandbox anyway: this is a second
wall. Files that are not UTF-8, do not start with WEBVTT, or have a cue timing we cannot read
are refused rather than guessed at.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

from carecircle.uploads.processing.results import UploadRefused

MAX_BYTES = 1024 * 1024
TIMESTAMP = r"(?:\d{2,}:)?[0-5]\d:[0-5]\d\.\d{3}"
TIMING = re.compile(rf"^({TIMESTAMP})[ \t]+-->[ \t]+({TIMESTAMP})((?:[ \t]+[^\s<>&]+)*)[ \t]*$")
SETTING = re.compile(r"^(vertical|line|position|size|align|region):[A-Za-z0-9.%,\-]+$")
TAG = re.compile(r"<[^<>]*>")
TIMESTAMP_TAG = re.compile(rf"^<{TIMESTAMP}>$")
CUE_TAG = re.compile(r"^<(/?)(c|i|b|u|v|lang|ruby|rt)((?:\.[A-Za-z0-9_-]+)*)(?:[ \t]+([^<>]*))?>$")
ENTITY = re.compile(r"&(?!(?:amp|lt|gt|lrm|rlm|nbsp|#\d{1,7}|#x[0-9A-Fa-f]{1,6});)")
ANNOTATION = re.compile(r"^[^<>&\"'=]{1,100}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _refused(message: str) -> UploadRefused:
    return UploadRefused(message, field="captions")


def _clean_tag(tag: str) -> str:
    if TIMESTAMP_TAG.match(tag):
        return tag
    match = CUE_TAG.match(tag)
    if not match:
        return ""
    closing, name, classes, annotation = match.groups()
    if closing:
        return f"</{name}>"
    kept = f"<{name}{classes or ''}"
    # A voice's name or a language tag is the only annotation WebVTT knows, and it is text.
    if name in ("v", "lang") and annotation and ANNOTATION.match(annotation.strip()):
        kept += f" {annotation.strip()}"
    return kept + ">"


def _escape(text: str) -> str:
    return ENTITY.sub("&amp;", text).replace("<", "&lt;").replace(">", "&gt;")


def _clean_text(line: str) -> str:
    parts: list[str] = []
    position = 0
    for match in TAG.finditer(line):
        parts.append(_escape(line[position : match.start()]))
        parts.append(_clean_tag(match.group(0)))
        position = match.end()
    parts.append(_escape(line[position:]))
    return "".join(parts)


def clean_captions(data: bytes) -> bytes:
    """A WebVTT file rebuilt from `data`'s cues, UTF-8; UploadRefused if it is not WebVTT."""
    if len(data) > MAX_BYTES:
        raise _refused(_("That captions file is larger than 1 MB."))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _refused(
            _("That captions file is not saved as UTF-8 text. Please save it as UTF-8 WebVTT.")
        ) from error
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    blocks = re.split(r"\n{2,}", text.strip("\n"))
    header = blocks[0].split("\n", 1)[0]
    if not re.match(r"^WEBVTT(?:[ \t].*)?$", header):
        raise _refused(_("That is not a WebVTT captions file: its first line must be “WEBVTT”."))
    cues: list[str] = []
    for block in blocks[1:]:
        lines = block.split("\n")
        if lines[0].startswith(("NOTE", "STYLE", "REGION")) and "-->" not in lines[0]:
            continue
        identifier = ""
        if "-->" not in lines[0]:
            identifier, lines = lines[0].strip(), lines[1:]
        if not lines:
            raise _refused(_("A cue in that captions file has no timing line."))
        match = TIMING.match(lines[0].strip())
        if not match:
            raise _refused(
                _("A cue timing in that captions file cannot be read: “%(line)s”.")
                % {"line": lines[0][:80]}
            )
        start, end, cue_settings = match.groups()
        kept_settings = [item for item in cue_settings.split() if SETTING.match(item)]
        timing = " ".join([start, "-->", end, *kept_settings])
        payload = [_clean_text(line) for line in lines[1:]]
        cue = ([_escape(identifier)] if identifier else []) + [timing]
        cues.append("\n".join(cue + [line for line in payload if "-->" not in line]))
    if not cues:
        raise _refused(_("That captions file has no captions in it."))
    return ("WEBVTT\n\n" + "\n\n".join(cues) + "\n").encode("utf-8")
