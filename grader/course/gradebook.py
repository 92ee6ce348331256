"""Writing one student's grades into nbgrader's gradebook, the way nbgrader would.

The same assignment, notebook, ``test_<name>`` grade cells and answer-cell
comments that ``nbgrader autograde`` writes, so formgrader, ``nbgrader export``
and late penalties see our grades as their own.
"""

from pathlib import Path

from ..checks.graded_functions import NAMES
from ..checks.verdicts import function_report
from .layout import ASSIGNMENT

NOTEBOOK_ID = ASSIGNMENT  # nbgrader's notebook id: the file name without .ipynb
UNGRADABLE_PREFIX = "Ноутбук не удалось проверить"


def is_complete(gb, student):
    """Whether the gradebook holds an automatic score for every test cell of ``student``."""
    from nbgrader.api import MissingEntry

    try:
        notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
    except MissingEntry:
        return False
    return all(g.auto_score is not None for g in notebook.grades)


def record(gb, submission, result, unanswered=()):
    """Write one student's grades and verdicts as a single gradebook transaction (``grader autograde``)."""
    gb.update_or_create_student(submission.student)
    kwargs = {"timestamp": submission.timestamp} if submission.timestamp else {}
    gb.update_or_create_submission(ASSIGNMENT, submission.student, **kwargs)
    notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, submission.student)
    grades, comments = _cells_of(gb, notebook)
    by_name = {f.name: f for f in result.functions}
    for name in NAMES:
        grade = grades["test_" + name]
        grade.auto_score = by_name[name].score if name in by_name else 0.0
        grade.needs_manual_grade = grade.manual_score is not None
    _write_verdicts(comments, result, unanswered)
    gb.db.commit()


def record_verdicts(gb, student, result, unanswered=()):
    """Write only the verdicts (``nbgrader autograde``: its SaveAutoGrades wrote the scores)."""
    notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
    _, comments = _cells_of(gb, notebook)
    _write_verdicts(comments, result, unanswered)
    gb.db.commit()


def _write_verdicts(comments, result, unanswered):
    """Every answer cell's comment is its function's Russian verdict ("Нет ответа" for an untouched stub)."""
    by_name = {f.name: f for f in result.functions}
    for name in NAMES:
        text = (function_report(by_name[name]) if name in by_name
                else UNGRADABLE_PREFIX + ": " + result.error)
        if name in unanswered and name in by_name:
            text = "Нет ответа: ячейка не изменена.\n" + text
        comments[name].auto_comment = text


def _cells_of(gb, notebook):
    """{cell name: Grade} and {cell name: Comment} of a submitted notebook, in two queries."""
    from nbgrader.api import Comment, Grade, GradeCell, SolutionCell

    grades = gb.db.query(GradeCell.name, Grade).join(Grade, Grade.cell_id == GradeCell.id) \
        .filter(Grade.notebook_id == notebook.id).all()
    comments = gb.db.query(SolutionCell.name, Comment).join(Comment, Comment.cell_id == SolutionCell.id) \
        .filter(Comment.notebook_id == notebook.id).all()
    return dict(grades), dict(comments)


class LatePenalties:
    """nbgrader's own late-penalty step (AssignLatePenalties), with the course's settings."""

    def __init__(self, course, url):
        from nbgrader.preprocessors import AssignLatePenalties
        from traitlets.config.loader import PyFileConfigLoader

        config_file = Path(course) / "nbgrader_config.py"
        config = PyFileConfigLoader(config_file.name, path=str(config_file.parent)).load_config() \
            if config_file.exists() else None
        self._step = AssignLatePenalties(config=config)
        self._url = url

    def apply(self, gb, student):
        """Set or clear the student's penalty (nbgrader's step runs only when there is one to set or clear)."""
        notebook = gb.find_submission_notebook(NOTEBOOK_ID, ASSIGNMENT, student)
        late = gb.find_submission(ASSIGNMENT, student).total_seconds_late or 0
        if late <= 0 and notebook.late_submission_penalty is None:
            return
        from nbformat.v4 import new_notebook

        resources = {"nbgrader": {"notebook": NOTEBOOK_ID, "assignment": ASSIGNMENT, "student": student,
                                  "db_url": self._url}}
        self._step.preprocess(new_notebook(), resources)
