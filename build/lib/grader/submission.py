"""Read a submitted notebook and find its answer cells, whatever state it is in.

Plain ``json`` rather than nbformat: a cold ``grader check`` must not pay for
jsonschema, and a broken file must give a reason, not a traceback. Only the
answer cells of the ten functions are returned; everything else a student
wrote (test cells, other cells) is never run by the sealed engine.
"""

import json
import re
from dataclasses import dataclass

from .functions import NAMES

MAX_BYTES = 200 * 1024 * 1024  # outputs can be large; code never is
_MARKER = re.compile(r"^\s*#\s*ОЦЕНИВАЕМОЕ:\s*(\w+)", re.M)
_DEF = re.compile(r"^def\s+(\w+)\s*\(", re.M)


class Unreadable(Exception):
    """The file is not a notebook we can grade; the message says why (in Russian)."""


@dataclass(frozen=True)
class AnswerCells:
    sources: tuple          # answer cells to run, in notebook order
    found_by: dict          # function -> "metadata" | "marker" | "def" (how its cell was found)
    by_function: dict       # function -> the source of its answer cell


def load_cells(path):
    """The notebook's cells as (source, metadata) pairs; :class:`Unreadable` if impossible."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise Unreadable("файл не читается: {}".format(error.strerror)) from None
    if len(raw) > MAX_BYTES:
        raise Unreadable("файл больше {} МБ".format(MAX_BYTES // 2 ** 20))
    if not raw.strip():
        raise Unreadable("файл пуст")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Unreadable("файл повреждён: это не JSON ноутбука ({})".format(str(error)[:80])) from None
    if not isinstance(nb, dict):
        raise Unreadable("файл не является ноутбуком Jupyter")
    if nb.get("nbformat") == 3 or "worksheets" in nb:
        cells = [c for ws in nb.get("worksheets") or [] if isinstance(ws, dict)
                 for c in ws.get("cells") or []]
        cells = [dict(c, source=c.get("input", "")) for c in cells if isinstance(c, dict)]
    else:
        cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Unreadable("в ноутбуке нет списка ячеек")
    out = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        out.append((source if isinstance(source, str) else "", metadata))
    return out


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
