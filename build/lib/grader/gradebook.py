"""Read (and, for the sealed engine, write) the course's nbgrader gradebook."""

from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from .course import ASSIGNMENT
from .functions import NAMES
from .naming import natural_key

NOTEBOOK = ASSIGNMENT  # nbgrader's notebook id: the file name without .ipynb


@dataclass(frozen=True)
class StudentScores:
    student: str
    functions: dict      # name -> score (None when the cell was never graded)
    submitted: bool
    late_penalty: float = 0.0

    @property
    def total(self):
        return sum(s or 0 for s in self.functions.values()) - self.late_penalty


def read_scores(db_url, assignment=ASSIGNMENT):
    """Every student of the gradebook in natural order, with per-function scores."""
    rows = []
    with Gradebook(db_url) as gb:
        for student in sorted(gb.students, key=lambda s: natural_key(s.id)):
            try:
                submission = gb.find_submission_notebook(NOTEBOOK, assignment, student.id)
            except MissingEntry:
                rows.append(StudentScores(student.id, {n: None for n in NAMES}, False))
                continue
            grades = {g.name: g.score for g in submission.grades}
            rows.append(StudentScores(student.id, {n: grades.get("test_" + n) for n in NAMES}, True,
                                      submission.late_submission_penalty or 0.0))
    return rows
