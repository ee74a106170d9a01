"""Oversharing: personal details a member may not mean to post where others can read them.

Phone numbers come from `phonenumbers` (only run when the text holds seven or more digits in a
row, allowing spaces and dashes, because it is the slowest step); health and national numbers are
checked with `python-stdnum` so a random ten-digit number is not called an NHS number. Everything
else is a pattern. What a finding shows is masked: the member's detail is never echoed in full,
not even back to them in a warning that someone might be looking over their shoulder at.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from stdnum.gb import nhs
from stdnum.us import ssn

from carecircle.moderation.screening.findings import Finding, drop_overlaps
from carecircle.moderation.screening.text import load_word_list

EXPLANATIONS = {
    "phone_number": _("a phone number"),
    "email": _("an email address"),
    "street_address": _("what looks like a home address"),
    "date_of_birth": _("a date of birth"),
    "health_number": _("an NHS number"),
    "national_id": _("a social security number"),
    "medical_record_number": _("a medical record number"),
}

MASK = "•"

_ANY_DIGIT = re.compile(r"\d")
# Phone parsing is slow: only try it when seven digits stand close together.
_DIGIT_RUN = re.compile(r"\d(?:[\s\-.()]{0,2}\d){6,}")

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}(?!\w)", re.IGNORECASE)

_STREET_SUFFIX = (
    r"street|st|road|rd|avenue|ave|lane|ln|drive|dr|close|way|court|ct|crescent|cres|place|pl|"
    r"terrace|gardens|gdns|boulevard|blvd|grove|square|sq|mews|parade|row|walk|hill|rise|"
    r"view|green|highway|hwy|parkway|pkwy|circle|cir"
)
_STREET = re.compile(
    rf"(?<![\w/.,])(\d{{1,5}}[a-z]?),?\s+((?:[a-z][\w'-]*\s+){{1,3}})(?:{_STREET_SUFFIX})\b\.?",
    re.IGNORECASE,
)
# Words that make "5 miles down the road" or "3 times a day" not an address.
_NOT_STREET_NAME = frozenset(load_word_list("not_street_names.txt"))
# UK postcodes: the inward code never uses C, I, K, M, O or V, which rules out "b12 1mg".
_UK_POSTCODE = re.compile(
    r"(?<![\w])([a-pr-uwyz][a-hk-y]?\d[a-z\d]?)\s?(\d[abd-hjlnp-uw-z]{2})(?![\w])", re.IGNORECASE
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|NJ|"
    "NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC"
)
_US_STATE_ZIP = re.compile(rf"\b[A-Z][a-z]+,?\s+(?:{_US_STATES})\s+\d{{5}}(?:-\d{{4}})?\b")

_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = (
    rf"(?:\d{{1,2}}[/.-]\d{{1,2}}[/.-](?:\d{{4}}|\d{{2}})"
    rf"|\d{{4}}-\d{{2}}-\d{{2}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+of)?\s+(?:{_MONTHS}),?(?:\s+\d{{4}})?"
    rf"|(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?,?(?:\s+\d{{4}})?)"
)
_DATE_OF_BIRTH = re.compile(
    rf"\b(?:d\.?o\.?b\.?|date of birth|birth ?date|born on|born|my birthday is|my birthday's|"
    rf"birthday)\s*(?:is|was|:|-|=)?\s*(?:the\s+)?({_DATE})(?!\d)",
    re.IGNORECASE,
)

_NUMBER_10 = re.compile(r"(?<![\d-])(\d{3})[\s-]?(\d{3})[\s-]?(\d{4})(?![\d-])")
_NHS_KEYWORD = re.compile(r"\bnhs\s*(?:number|no\.?|#)?\s*(?:is|:|-)?\s*$", re.IGNORECASE)
_SSN = re.compile(r"(?<![\d-])(\d{3})-(\d{2})-(\d{4})(?![\d-])")
_SSN_WITH_KEYWORD = re.compile(
    r"\b(?:ssn|social security(?: number| no\.?)?)\s*(?:is|:|#|-)?\s*"
    r"(\d{3}[\s-]?\d{2}[\s-]?\d{4})\b",
    re.IGNORECASE,
)
_MEDICAL_RECORD = re.compile(
    r"\b(?:mrn|medical record (?:number|no\.?|#)|hospital (?:number|no\.?|#|id)|"
    r"patient (?:id|number|no\.?|#)|record number|chi number|chi no\.?|unit number)"
    r"\s*(?:is|:|#|-|=)?\s*([a-z]{0,3}\s?\d[\d\s-]{3,14}\d[a-z]?)\b",
    re.IGNORECASE,
)


def mask(value: str, *, keep_start: int = 2, keep_end: int = 2) -> str:
    """`value` with its middle hidden ("07911 123456" -> "07•••••••456"); spaces kept."""
    characters = [character for character in value if not character.isspace()]
    visible = len(characters)
    if visible <= keep_start + keep_end + 1:
        keep_start, keep_end = min(1, visible), 0
    shown = 0
    out = []
    for character in value:
        if character.isspace():
            out.append(" ")
            continue
        shown += 1
        if shown <= keep_start or shown > visible - keep_end:
            out.append(character)
        else:
            out.append(MASK)
    return re.sub(r"\s+", " ", "".join(out)).strip()


def mask_email(value: str) -> str:
    """ "jo.bloggs@example.com" -> "j•••@•••.com"."""
    local, _at, domain = value.partition("@")
    top_level = domain.rsplit(".", 1)[-1]
    return f"{local[:1]}{MASK * 3}@{MASK * 3}.{top_level}"


def default_region() -> str:
    """The region phone numbers are read in when the caller gives none."""
    return str(getattr(settings, "CARECIRCLE_DEFAULT_REGION", "") or "GB").upper()


def _finding(
    label: str, text: str, start: int, end: int, masked: str, explanation: str = ""
) -> Finding:
    return Finding(
        kind="personal_details",
        label=label,
        matched=masked,
        start=start,
        end=end,
        explanation=explanation or str(EXPLANATIONS[label]),
    )


def _phone_numbers(text: str, region: str) -> list[Finding]:
    if _DIGIT_RUN.search(text) is None:
        return []
    findings = []
    for found in phonenumbers.PhoneNumberMatcher(text, region):
        digits = re.sub(r"\D", "", found.raw_string)
        if len(digits) < 7:
            continue
        findings.append(
            _finding(
                "phone_number",
                text,
                found.start,
                found.end,
                mask(found.raw_string, keep_start=2, keep_end=3),
            )
        )
    return findings


def _emails(text: str) -> list[Finding]:
    return [
        _finding("email", text, found.start(), found.end(), mask_email(found.group()))
        for found in _EMAIL.finditer(text)
    ]


def _addresses(text: str) -> list[Finding]:
    findings = []
    for found in _STREET.finditer(text):
        name_words = found.group(2).lower().split()
        if any(word in _NOT_STREET_NAME for word in name_words):
            continue
        findings.append(
            _finding("street_address", text, found.start(), found.end(), mask(found.group()))
        )
    for found in _UK_POSTCODE.finditer(text):
        findings.append(
            _finding(
                "street_address",
                text,
                found.start(),
                found.end(),
                mask(found.group()),
                str(_("a postcode")),
            )
        )
    for found in _US_STATE_ZIP.finditer(text):
        findings.append(
            _finding("street_address", text, found.start(), found.end(), mask(found.group()))
        )
    return findings


def _dates_of_birth(text: str) -> list[Finding]:
    return [
        _finding("date_of_birth", text, found.start(), found.end(), mask(found.group(1)))
        for found in _DATE_OF_BIRTH.finditer(text)
    ]


def _is_phone(text: str, start: int, end: int, region: str) -> bool:
    # One ten-digit number in eleven passes the NHS check by chance; a number that reads as a
    # phone number (or follows a "+country" prefix) is treated as one unless "NHS" introduces it.
    if re.search(r"\+\d{1,3}[\s-]*$", text[max(0, start - 6) : start]):
        return True
    try:
        parsed = phonenumbers.parse(text[start:end], region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(parsed)


def _health_numbers(text: str, region: str) -> list[Finding]:
    findings = []
    for found in _NUMBER_10.finditer(text):
        digits = "".join(found.groups())
        after_keyword = _NHS_KEYWORD.search(text[max(0, found.start() - 20) : found.start()])
        is_nhs = nhs.is_valid(digits) and not _is_phone(text, found.start(), found.end(), region)
        if is_nhs or after_keyword:
            findings.append(
                _finding(
                    "health_number",
                    text,
                    found.start(),
                    found.end(),
                    mask(found.group(), keep_start=0, keep_end=3),
                )
            )
    for found in _SSN.finditer(text):
        if ssn.is_valid(found.group()):
            findings.append(
                _finding(
                    "national_id",
                    text,
                    found.start(),
                    found.end(),
                    mask(found.group(), keep_start=0, keep_end=4),
                )
            )
    for found in _SSN_WITH_KEYWORD.finditer(text):
        findings.append(
            _finding(
                "national_id",
                text,
                found.start(1),
                found.end(1),
                mask(found.group(1), keep_start=0, keep_end=4),
            )
        )
    for found in _MEDICAL_RECORD.finditer(text):
        findings.append(
            _finding(
                "medical_record_number",
                text,
                found.start(1),
                found.end(1),
                mask(found.group(1), keep_start=0, keep_end=2),
            )
        )
    return findings


# Where two overlap the earlier-starting, longer one wins; health numbers are found first (in
# find_personal_details) so an NHS number is not reported as a phone number.
_DETECTORS: tuple[Callable[[str], list[Finding]], ...] = (
    _dates_of_birth,
    _addresses,
)


def find_personal_details(text: str, *, region: str = "") -> list[Finding]:
    """Phone numbers, emails, addresses, dates of birth and health numbers in `text`, masked."""
    found: list[Finding] = _emails(text) if "@" in text else []
    # Every other detail holds a digit, and many posts have none: stop early for those.
    if _ANY_DIGIT.search(text) is None:
        return found
    region = (region or default_region()).upper()
    found.extend(_health_numbers(text, region))
    for detector in _DETECTORS:
        found.extend(detector(text))
    taken = [(finding.start, finding.end) for finding in found]
    for phone in _phone_numbers(text, region):
        if not any(phone.start < end and start < phone.end for start, end in taken):
            found.append(phone)
    return drop_overlaps(found)
