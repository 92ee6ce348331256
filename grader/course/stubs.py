"""Which answers are still the release's stubs ("Нет ответа" rather than a wrong answer)."""

from pathlib import Path

from ..checks.graded_functions import NAMES
from ..submission.answers import answer_cells
from ..submission.reading import Unreadable, load_cells
from .layout import ASSIGNMENT


def _normalized(source):
    return [line.strip() for line in source.splitlines() if line.strip()]


def release_answers(course):
    """{function: normalized source} of the release's answer cells."""
    path = Path(course) / "release" / ASSIGNMENT / (ASSIGNMENT + ".ipynb")
    try:
        return {n: _normalized(s) for n, s in answer_cells(load_cells(path)).by_function.items()}
    except Unreadable:
        return {}


def unanswered(submission, release):
    """Functions whose answer cell is still the release's stub."""
    try:
        mine = answer_cells(load_cells(submission.notebook)).by_function
    except Unreadable:
        return set()
    return {n for n in NAMES if n in release and (n not in mine or _normalized(mine[n]) == release[n])}
