"""The lab as given (tests/data/lab.txt, kept in the repository): its code cells, for faithfulness tests."""

import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
LAB_TEXT = DATA / "lab.txt"                        # the lab's notebook dumped as text
TEST_CASE_INPUTS = DATA / "test_case_inputs.json"  # the inputs behind its "Ожидаемый результат" tables
_MARKDOWN_START = re.compile(r"^(##|\*\*|<|[А-Яа-яЁё])")


def lab_code_cells():
    """The lab's code cells in order, as text (the dump marks each with ``In [None]:``)."""
    lines = LAB_TEXT.read_text(encoding="utf-8").split("\n")
    cells, current = [], None
    for i, line in enumerate(lines):
        if line.strip() == "In [None]:":
            if current is not None:
                cells.append(current)
            current = []
        elif current is not None:
            if _MARKDOWN_START.match(line) and lines[i - 1].strip() == "":
                cells.append(current)
                current = None
            else:
                current.append(line)
    if current is not None:
        cells.append(current)
    return ["\n".join(c).strip("\n") for c in cells]


def normalize(code):
    """Code without whitespace differences: blank lines dropped, runs of spaces folded."""
    return [" ".join(line.split()) for line in code.split("\n") if line.strip()]
