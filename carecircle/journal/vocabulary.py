"""The shared lists members pick from: common symptoms and medicine names (generic and brand).

Both are plain data files in `data/`, one name per line, `#` for comments; members may always
type a name that is not on a list.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"


def _read(name: str) -> tuple[str, ...]:
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    return tuple(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def symptom_names() -> tuple[str, ...]:
    """Common symptoms, in the file's order."""
    return _read("symptoms.txt")


@cache
def medication_names() -> tuple[str, ...]:
    """Common medicines: generic names and brand names, in the file's order."""
    return _read("medications.txt")
