"""Reading a CSV file costs little however hostile it is: blank rows are not kept, and the
reading stops at the row and line limits."""

from __future__ import annotations

import pytest

from carecircle.core.errors import ValidationFailed
from carecircle.journal import csvformat

HEADER = ",".join(csvformat.COLUMNS)


def test_blank_rows_are_skipped_and_lines_keep_their_spreadsheet_numbers() -> None:
    text = HEADER + "\n" + "\n" * 3 + ",,\n" + 'mood,"2026-01-01",x\n' + "\n"
    assert csvformat.read_records(text) == [
        (1, list(csvformat.COLUMNS)),
        (6, ["mood", "2026-01-01", "x"]),
    ]


def test_reading_stops_one_row_past_the_row_limit() -> None:
    text = HEADER + "\n" + "mood,2026-01-01\n" * 50
    records = csvformat.read_records(text, max_rows=10)
    assert [line for line, _cells in records] == list(range(1, 13))


@pytest.mark.parametrize("blank", ["\n", ",\n", " ,\r\n"])
def test_a_file_of_endless_blank_lines_is_refused_by_its_line_count(blank: str) -> None:
    text = HEADER + "\n" + blank * (csvformat.MAX_PHYSICAL_LINES + 5)
    with pytest.raises(ValidationFailed) as refused:
        csvformat.read_records(text)
    assert (refused.value.code, refused.value.field) == ("too_many_rows", "file")
