"""The lab as given (shared/seed): its code cells, for faithfulness tests."""

import os
import re
from pathlib import Path

from course import REPO

SEED_DIR = Path(os.environ.get("LAB_SEED_DIR", REPO.parent / "shared" / "seed"))
LAB_TEXT = SEED_DIR / "000_8afc8105e3a539c1.txt"
_MARKDOWN_START = re.compile(r"^(##|\*\*|<|[А-Яа-яЁё])")


def lab_code_cells():
    """The lab's code cells in order, as text (the dump marks each with ``In [None]:``)."""
    if not LAB_TEXT.exists():
        raise FileNotFoundError("the lab text is expected at {} (set LAB_SEED_DIR)".format(LAB_TEXT))
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
