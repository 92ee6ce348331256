"""What is compared: the class's latest submissions and the known sources, read safely.

A student is their ``submitted/`` notebook (read by
:func:`~grader.submission.reading.read_notebook`, which refuses links out of
their folder, pipes and oversized files), the code of each graded function
being the answer cell the grader would run. A known source is any notebook
(nbformat 3 or 4), ``.py`` export or Markdown file with code blocks under an
``--against`` path, read with a size cap and without following links out of
the folder given; its id is its path as given. Nothing here runs code.
"""

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..checks.graded_functions import NAMES
from ..course.steps.autograded import stored_behaviour
from ..course.base.layout import Submission, submissions
from ..submission.answers import answer_cells
from ..submission.reading import Cell, Unreadable, parse_notebook, read_bytes, read_notebook

STUDENT, SOURCE = "student", "source"
SOURCE_SUFFIXES = (".ipynb", ".py", ".md")
MAX_SOURCE_BYTES = 20 * 1024 * 1024
PYTHON_INFO = frozenset({"", "python", "py", "python3", "ipython", "ipython3"})
_OPENING = re.compile(r" {0,3}(`{3,}|~{3,})[ \t]*([^`\s]*)")
# ``^def`` of every line, written as a newline before ``def`` (the text is given one in front): a pattern that
# starts with a literal is searched for, where ``^`` is tried at every character (four times slower).
_DEF = re.compile(r"\ndef\s+(\w+)\s*\(")
MAX_OTHER_CELLS = 64        # cells searched for renamed graded functions
MAX_OTHER_CHARS = 512 * 1024


@dataclass(frozen=True)
class Wanted:
    """A document to read: a student's submission or a known source's file."""

    id: str
    kind: str                 # STUDENT or SOURCE
    path: str                 # the file
    inside: str               # the real folder the file must be in
    course: str = ""          # a student's course (where their stored results are)


@dataclass(frozen=True)
class Document:
    """A document as read: the source of each graded function's cell, or why there is none."""

    id: str
    kind: str
    code: dict = field(default_factory=dict)      # function -> source of the cell (or file) defining it
    behaviour: dict = None    # function -> {"wrong": [...], "verdict": ...} from grading; None: unknown
    submitted: str = ""       # nbgrader's timestamp of a student's submission
    problem: str = ""         # why it could not be read (Russian); "" when read
    digest: str = ""          # sha256 of the file's bytes (byte-identical files are always flagged)
    others: tuple = ()        # code cells defining functions under other names (a graded one may be renamed)


def class_of(course):
    """A :class:`Wanted` for every ``submitted/<student>/dnn_step_by_step/`` of the course."""
    return [Wanted(s.student, STUDENT, str(s.notebook), str(s.inside), str(course)) for s in submissions(course)]


def known_sources(paths):
    """A :class:`Wanted` for every notebook, ``.py`` and ``.md`` at or under each of ``paths``.

    A folder is searched recursively, without following links and skipping
    hidden folders (``.git``, ``.ipynb_checkpoints``); ids are paths as given.
    Raises FileNotFoundError for a path that does not exist.
    """
    found = []
    for given in paths:
        if not os.path.lexists(given):
            raise FileNotFoundError(given)
        if not os.path.isdir(given):
            found.append(Wanted(given, SOURCE, given, os.path.realpath(os.path.dirname(os.path.abspath(given)))))
            continue
        root = os.path.realpath(given)
        for folder, subfolders, files in os.walk(given, followlinks=False):
            subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
            for name in sorted(files):
                if name.endswith(SOURCE_SUFFIXES) and not name.startswith("."):
                    path = os.path.join(folder, name)
                    found.append(Wanted(path, SOURCE, path, root))
    return found


def read(wanted, with_behaviour=True):
    """The :class:`Document` of ``wanted``; an unreadable file gives one with its ``problem``."""
    try:
        if wanted.kind == STUDENT:
            return _student(wanted, with_behaviour)
        code, others, digest = _source_code(wanted)
        return Document(wanted.id, SOURCE, code, digest=digest, others=others)
    except Unreadable as reason:
        return Document(wanted.id, wanted.kind, problem=str(reason))


def _student(wanted, with_behaviour):
    path = Path(wanted.path)
    submission = Submission(path.parent.parent.name, path.parent)
    notebook = read_notebook(path, wanted.inside)
    code = answer_cells(notebook.cells).by_function
    behaviour = stored_behaviour(wanted.course, submission, notebook.sha256) if with_behaviour else None
    return Document(wanted.id, STUDENT, code, behaviour and behaviour["functions"], submission.timestamp or "",
                    digest=notebook.sha256, others=other_definitions(notebook.cells))


def _source_code(wanted):
    """({function: code}, cells defining other functions, sha256 of the bytes) of a known source."""
    raw = read_bytes(wanted.path, wanted.inside, limit=MAX_SOURCE_BYTES)
    digest = hashlib.sha256(raw).hexdigest()
    if wanted.path.endswith(".ipynb"):
        cells = parse_notebook(raw).cells
    else:
        text = _text(raw)
        if wanted.path.endswith(".md"):
            cells = [Cell("code", code, {}) for info, code in fenced_blocks(text) if info.lower() in PYTHON_INFO]
        else:
            names = defined_names(text)
            return {name: text for name in names if name in NAMES}, other_definitions([Cell("code", text, {})]), digest
    return answer_cells(cells).by_function, other_definitions(cells), digest


def other_definitions(cells):
    """Sources of the code cells that define a function under a name not the lab's (at most
    :data:`MAX_OTHER_CELLS`, :data:`MAX_OTHER_CHARS` in all): where a renamed graded function is looked for."""
    found, size = [], 0
    for cell in cells:
        if cell.cell_type == "code" and any(name not in NAMES for name in defined_names(cell.source)):
            size += len(cell.source)
            if len(found) >= MAX_OTHER_CELLS or size > MAX_OTHER_CHARS:
                break
            found.append(cell.source)
    return tuple(found)


def defined_names(text):
    """The names of the functions ``text`` defines at the start of a line, in order."""
    return _DEF.findall("\n" + text)


def fenced_blocks(text):
    """(info word, code) of every fenced code block of Markdown ``text``, in one pass over its lines.

    As CommonMark reads them: a fence is three or more backticks or tildes
    (indented at most three spaces), closed by a line of the same character at
    least as long; a block left open runs to the end. Each line is looked at
    once, so a hostile file full of unclosed fences costs no more than its size.
    """
    blocks, fence, info, lines = [], None, "", []
    for line in text.split("\n"):
        if fence is None:
            opening = _OPENING.match(line)
            if opening and not (opening.group(1)[0] == "`" and "`" in line[opening.end():]):
                fence, info, lines = opening.group(1), opening.group(2), []
            continue
        stripped = line.strip()
        if len(line) - len(line.lstrip(" ")) <= 3 and stripped.startswith(fence) and not stripped.strip(fence[0]):
            blocks.append((info, "\n".join(lines) + "\n"))
            fence = None
        else:
            lines.append(line)
    if fence is not None:
        blocks.append((info, "\n".join(lines) + ("\n" if lines else "")))
    return blocks


def _text(raw):
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):
            return raw.decode(encoding, "replace")
    return raw.decode("utf-8", "replace")
