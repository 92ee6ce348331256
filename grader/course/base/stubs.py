"""Which answers are still the release's stubs ("Нет ответа" rather than a wrong answer)."""

from dataclasses import replace

from ...checks.graded_functions import NAMES
from ...checks.results import UNANSWERED
from ...submission.answers import answer_cells
from ...submission.reading import Unreadable, read_notebook
from .lab_context import lab_folder
from .layout import NOTEBOOK

BLANK_NOTE = "Нет ответа: ячейка не изменена."


def _normalized(source):
    return [line.strip() for line in source.splitlines() if line.strip()]


def release_answers(course):
    """{function: normalized source} of the release's answer cells."""
    return stubs_of(lab_folder(course) / NOTEBOOK)


def stubs_of(path):
    """{function: normalized source} of the answer cells of the release notebook at ``path``."""
    try:
        return {n: _normalized(s) for n, s in answer_cells(read_notebook(path).cells).by_function.items()}
    except Unreadable:
        return {}


def unanswered(notebook, release):
    """Functions whose answer cell in a read ``notebook`` is still the release's stub (all when unread)."""
    if notebook is None:
        return set()
    try:
        mine = answer_cells(notebook.cells).by_function
    except Unreadable:
        return set()
    return {n for n in NAMES if n in release and (n not in mine or _normalized(mine[n]) == release[n])}


def blank(function):
    """A stub's verdict as a student reads it: «нет ответа», not the stub's own exception."""
    return replace(function, status=UNANSWERED, message=BLANK_NOTE)


def marked(result, unanswered):
    """``result`` with the functions in ``unanswered`` read as :func:`blank`."""
    return replace(result, functions=tuple(blank(f) if f.name in unanswered else f for f in result.functions))
