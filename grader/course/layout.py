"""Where an nbgrader course keeps things, and a submission's parts on disk."""

from dataclasses import dataclass
from pathlib import Path

from ..checks.naming import natural_key

ASSIGNMENT = "dnn_step_by_step"
NOTEBOOK = ASSIGNMENT + ".ipynb"


@dataclass(frozen=True)
class Submission:
    student: str
    folder: Path

    @property
    def notebook(self):
        return self.folder / NOTEBOOK

    @property
    def timestamp(self):
        """nbgrader's submission time (``timestamp.txt``), or None."""
        path = self.folder / "timestamp.txt"
        try:
            return path.read_text(encoding="utf-8").strip() or None
        except (OSError, UnicodeDecodeError):
            return None


def db_url(course):
    return "sqlite:///" + str(Path(course).resolve() / "gradebook.db")


def submissions(course, students=None):
    """Every ``submitted/<student>/dnn_step_by_step/`` of the course, in natural order."""
    root = Path(course) / "submitted"
    found = sorted((p.name for p in root.iterdir() if (p / ASSIGNMENT).is_dir()) if root.is_dir() else [],
                   key=natural_key)
    if students:
        wanted = set(students)
        found = [s for s in found if s in wanted]
    return [Submission(s, root / s / ASSIGNMENT) for s in found]


def autograded_notebook(course, student):
    return Path(course) / "autograded" / student / ASSIGNMENT / NOTEBOOK
