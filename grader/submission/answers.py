"""Find the answer cell of each graded function among a notebook's cells.

Only these cells are returned; everything else a student wrote (test cells,
other cells) is never run by the sealed engine.
"""

import re
from dataclasses import dataclass

from ..checks.graded_functions import NAMES
from .reading import Unreadable

MAX_ANSWER_BYTES = 4 * 1024 * 1024  # all answer code together

# Whitespace within one line only ([^\S\n]): ``\s`` would let every line's ``^`` scan all the
# newlines after it, quadratic in a cell of empty lines -- 40 s for a 400 KB upload.
_MARKER = re.compile(r"^[^\S\n]*#[^\S\n]*ОЦЕНИВАЕМОЕ:[^\S\n]*(\w+)", re.M)
_DEF = re.compile(r"^def[^\S\n]+(\w+)[^\S\n]*\(", re.M)


@dataclass(frozen=True)
class AnswerCells:
    sources: tuple          # answer cells to run, in notebook order
    found_by: dict          # function -> "metadata" | "marker" | "def" (how its cell was found)
    by_function: dict       # function -> the source of its answer cell
    position: dict = None   # function -> the index of its answer cell in ``sources``


def answer_cells(cells):
    """Pick the answer cell of each graded function from :class:`~.reading.Cell` s.

    By nbgrader's ``grade_id`` first, whatever the cell's type: a student who
    turned an answer cell into markdown by a stray keystroke keeps the answer,
    as ``nbgrader autograde`` restores the type too. For a function whose
    metadata was lost, by the lab's ``# ОЦЕНИВАЕМОЕ:`` marker, then by a
    ``def <name>(``, in code cells only. When several cells qualify the last
    one wins, as it would in a notebook run top to bottom.
    """
    chosen, found_by = {}, {}
    for rule, find in (("metadata", _by_metadata), ("marker", _by_marker), ("def", _by_def)):
        if len(found_by) == len(NAMES):
            break  # every function found by an earlier rule: the later ones could change nothing
        for index, cell in enumerate(cells):
            for name in find(cell):
                if name in NAMES and (name not in found_by or found_by[name] == rule):
                    chosen[name], found_by[name] = index, rule
    order = sorted(set(chosen.values()))
    if sum(len(cells[i].source) for i in order) > MAX_ANSWER_BYTES:
        raise Unreadable("код ответов больше {} МБ".format(MAX_ANSWER_BYTES // 2 ** 20))
    return AnswerCells(tuple(cells[i].source for i in order), found_by,
                       {name: cells[i].source for name, i in chosen.items()},
                       {name: order.index(i) for name, i in chosen.items()})


def defined_functions(source, most=3):
    """The names of the functions a cell defines at its top level, read from its text (never run): what to
    say when it does not define the one it should (``linear_fwd`` in ``linear_forward``'s cell)."""
    return [name[:40] for name in _DEF.findall(source)[:most]]


def _by_metadata(cell):
    if cell.nbgrader.get("solution"):
        return [cell.nbgrader.get("grade_id")]
    return []


def _by_marker(cell):
    return _MARKER.findall(cell.source) if cell.cell_type == "code" else []


def _by_def(cell):
    return _DEF.findall(cell.source) if cell.cell_type == "code" else []
