"""Where an nbgrader course keeps things, and a submission's parts on disk."""

import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from ...checks.naming import natural_key
from ...submission.reading import Unreadable, read_bytes
from .students import is_student_id
from .times import is_time

ASSIGNMENT = "dnn_step_by_step"
NOTEBOOK = ASSIGNMENT + ".ipynb"


@dataclass(frozen=True)
class Submission:
    student: str
    folder: Path

    @property
    def notebook(self):
        """The file to grade: ``dnn_step_by_step.ipynb``, or else the folder's only notebook.

        Browsers and Jupyter save a second download as ``dnn_step_by_step (1).ipynb``;
        when that is all the student handed in, it is their work.
        """
        expected = self.folder / NOTEBOOK
        if os.path.lexists(expected):
            return expected
        found = _notebooks_in(self.folder)
        return self.folder / found[0] if len(found) == 1 else expected

    @property
    def renamed(self):
        """The name of the graded file when it is not ``dnn_step_by_step.ipynb`` ("" otherwise)."""
        name = self.notebook.name
        return "" if name == NOTEBOOK else name

    @property
    def inside(self):
        """The folder the notebook must really be in: links out of the student's own folder are refused."""
        return Path(os.path.realpath(self.folder.parent.parent)) / self.student / self.folder.name

    @cached_property
    def timestamp(self):
        """nbgrader's submission time (``timestamp.txt``), or None when absent or not a time.

        Read once: the autograded notebook's record of what it was graded from
        and the gradebook's submission time are the same time, even when the
        file is rewritten during the run (the next run sees the change).
        """
        try:
            text = read_bytes(self.folder / "timestamp.txt", self.inside, limit=256).decode("utf-8").strip()
        except (Unreadable, UnicodeDecodeError):
            return None
        return text if is_time(text) else None


def submissions(course, students=None):
    """Every ``submitted/<student>/dnn_step_by_step/`` of the course whose name is a student id, in natural order."""
    root = Path(course) / "submitted"
    found = sorted((name for name in _folders(root) if is_student_id(name)), key=natural_key)
    if students:
        wanted = set(students)
        found = [s for s in found if s in wanted]
    return [Submission(s, root / s / ASSIGNMENT) for s in found]


def misnamed(course):
    """Folders in ``submitted/`` whose names are no student id (a markup, a formula, an escape code): never graded."""
    return sorted(name for name in _folders(Path(course) / "submitted") if not is_student_id(name))


def _notebooks_in(folder, most=100):
    """The names of the ``.ipynb`` entries of ``folder`` (not hidden), or [] when there are more than ``most``."""
    found = []
    try:
        with os.scandir(folder) as entries:
            for entry in entries:
                if entry.name.endswith(".ipynb") and not entry.name.startswith("."):
                    found.append(entry.name)
                    if len(found) > most:
                        return []
    except OSError:
        return []
    return sorted(found)


def _folders(root):
    return [p.name for p in root.iterdir() if (p / ASSIGNMENT).is_dir()] if root.is_dir() else []


def autograded_notebook(course, student):
    return Path(course) / "autograded" / student / ASSIGNMENT / NOTEBOOK


def not_counted_notebook(course, student):
    """Where the graded notebook of ``student``'s latest submission that did not count is kept."""
    return Path(course) / ".grader" / "not_counted" / student / NOTEBOOK
