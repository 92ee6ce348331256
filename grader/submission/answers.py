"""Find the answer cell of each graded function among a notebook's code cells.

Only these cells are returned; everything else a student wrote (test cells,
other cells) is never run by the sealed engine.
"""

import re
from dataclasses import dataclass

from ..checks.graded_functions import NAMES

_MARKER = re.compile(r"^\s*#\s*ОЦЕНИВАЕМОЕ:\s*(\w+)", re.M)
_DEF = re.compile(r"^def\s+(\w+)\s*\(", re.M)


@dataclass(frozen=True)
class AnswerCells:
    sources: tuple          # answer cells to run, in notebook order
    found_by: dict          # function -> "metadata" | "marker" | "def" (how its cell was found)
    by_function: dict       # function -> the source of its answer cell


def answer_cells(cells):
    """Pick the answer cell of each graded function.

    By nbgrader's ``grade_id`` first; for a function whose metadata was lost, by
    the lab's ``# ОЦЕНИВАЕМОЕ:`` marker, then by a ``def <name>(``. When several
    cells qualify the last one wins, as it would in a notebook run top to bottom.
    """
    chosen, found_by = {}, {}
    for rule, find in (("metadata", _by_metadata), ("marker", _by_marker), ("def", _by_def)):
        for index, (source, metadata) in enumerate(cells):
            for name in find(source, metadata):
                if name in NAMES and (name not in found_by or found_by[name] == rule):
                    chosen[name], found_by[name] = index, rule
    order = sorted(set(chosen.values()))
    return AnswerCells(tuple(cells[i][0] for i in order), found_by,
                       {name: cells[i][0] for name, i in chosen.items()})


def _by_metadata(source, metadata):
    nbgrader = metadata.get("nbgrader")
    if isinstance(nbgrader, dict) and nbgrader.get("solution"):
        return [nbgrader.get("grade_id")]
    return []


def _by_marker(source, metadata):
    return _MARKER.findall(source)


def _by_def(source, metadata):
    return _DEF.findall(source)
