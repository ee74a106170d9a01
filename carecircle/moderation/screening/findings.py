"""What a screen found: one shape for crisis, misinformation and personal details."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Finding:
    """One thing a screen noticed in a text, with where it is and a plain-language explanation."""

    kind: str  # "crisis" | "misinformation" | "personal_details"
    label: str  # e.g. "suicidal_intent", "miracle_cure", "phone_number"
    matched: str  # personal details: masked ("07•••••456"); otherwise the words matched
    start: int
    end: int
    explanation: str

    def as_dict(self) -> dict[str, str | int]:
        """The finding as JSON-ready data (offsets included for highlighting)."""
        return {
            "kind": self.kind,
            "label": self.label,
            "matched": self.matched,
            "explanation": str(self.explanation),
            "start": self.start,
            "end": self.end,
        }


@dataclass
class ScreeningResult:
    """Everything `screen_text` found, by screen."""

    crisis: list[Finding] = field(default_factory=list)
    misinformation: list[Finding] = field(default_factory=list)
    personal_details: list[Finding] = field(default_factory=list)

    @property
    def is_crisis(self) -> bool:
        """True when the text reads like someone at risk now."""
        return bool(self.crisis)

    @property
    def needs_confirmation(self) -> bool:
        """True when the author should look again before posting (details or risky claims)."""
        return bool(self.misinformation or self.personal_details)


def drop_overlaps(findings: list[Finding]) -> list[Finding]:
    """Keep the first (earliest, then longest) finding wherever two overlap, in text order."""
    kept: list[Finding] = []
    for finding in sorted(findings, key=lambda item: (item.start, -(item.end - item.start))):
        if kept and finding.start < kept[-1].end:
            continue
        kept.append(finding)
    return kept
