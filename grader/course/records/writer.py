"""nbgrader's rows for autograded submissions, written with SQLAlchemy Core: a batch in a few statements.

nbgrader's ORM (``update_or_create_submission`` and friends) writes a new
student object by object, about 40 statements and 30 ms of CPU each. The rows
here are the ones it writes -- its tables and column defaults
(:mod:`.tables`, without importing nbgrader); ids as it makes
them; the submission, notebook, grade and comment rows ``add_submission`` mirrors for every grade, solution and task cell of the
assignment; the timestamp as ``update_or_create_submission`` sets it; an
existing submission's rows updated, never duplicated -- as one ``executemany``
per table for the whole batch. Everything runs on the caller's session, inside
its transaction. The score a late penalty sees is summed by the database with
nbgrader's own ``SubmittedNotebook.score`` SQL, as for ``AssignLatePenalties``.
"""

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update

from ..base.times import parse_utc
from .counted import Counted
from .tables import ASSIGNMENTS, BASE_CELL as CELLS, COMMENT as COMMENTS, GRADE as GRADES, NOTEBOOKS
from .tables import STUDENT as STUDENTS, SUBMITTED_ASSIGNMENT as SUBMISSIONS, SUBMITTED_NOTEBOOK as SUBMITTED
from .tables import new_id, notebook_scores, seconds_late
GRADED_TYPES, COMMENTED_TYPES = ("GradeCell", "TaskCell"), ("SolutionCell", "TaskCell")  # as add_submission mirrors


class MissingEntry(LookupError):
    """The gradebook has no such assignment, notebook or submitted notebook (nbgrader's ``MissingEntry``)."""


@dataclass(frozen=True)
class Graded:
    """One student's autograding of one notebook: {grade cell: auto_score}, {solution cell: auto_comment}.

    ``timestamp`` is what nbgrader's ``parse_utc`` reads, or None: a new
    submission then has none, an existing one keeps its own.
    """

    student: str
    timestamp: object
    scores: dict
    comments: dict


def write(session, assignment, notebook, batch, late_penalty):
    """Write ``batch`` (Graded, one per student) into ``notebook`` of ``assignment``.

    Returns a :class:`~.counted.Counted` for each student, in order.

    ``late_penalty(student, score, seconds_late)`` is called for late
    submissions only and returns the penalty (checked as nbgrader checks it)
    or None. Raises :class:`MissingEntry`, KeyError or ValueError, as nbgrader's
    own calls would, for data the gradebook cannot take; the caller rolls back.
    """
    if not batch:
        return []
    students = [g.student for g in batch]
    if len(set(students)) != len(students):
        raise ValueError("a student twice in one batch: record them one after another")
    times = {g.student: parse_utc(g.timestamp) if g.timestamp else None for g in batch}
    assignment_id, duedate = _assignment(session, assignment)
    cells = _Cells(session, assignment_id, notebook)
    for g in batch:
        cells.check(g)

    known = set(session.execute(select(STUDENTS.c.id).where(STUDENTS.c.id.in_(students))).scalars())
    _insert(session, STUDENTS, [{"id": s} for s in students if s not in known])
    existing = {row.student_id: row for row in session.execute(
        select(SUBMISSIONS.c.id, SUBMISSIONS.c.student_id, SUBMISSIONS.c.timestamp, SUBMISSIONS.c.extension)
        .where(SUBMISSIONS.c.assignment_id == assignment_id, SUBMISSIONS.c.student_id.in_(students)))}
    fresh = [g for g in batch if g.student not in existing]
    target = _create(session, assignment_id, cells, fresh, times)
    target.update(_update(session, cells, [g for g in batch if g.student in existing], existing, times, notebook))

    scores = notebook_scores(session, target.values())
    written, penalties = [], []
    for g in batch:
        row = existing.get(g.student)
        timestamp = times[g.student] or (row.timestamp if row is not None else None)
        late = seconds_late(timestamp, duedate, row.extension if row is not None else None)
        score = scores[target[g.student]]
        penalty = late_penalty(g.student, score, late) if late > 0 else None
        penalties.append({"_id": target[g.student], "_penalty": penalty})
        written.append(Counted(late or 0.0, penalty or 0.0, score - (penalty or 0.0)))
    _execute(session, update(SUBMITTED).where(SUBMITTED.c.id == bindparam("_id"))
             .values(late_submission_penalty=bindparam("_penalty")), penalties)
    return written


def write_comments(session, assignment, notebook, student, comments):
    """{solution cell: auto_comment} into ``student``'s submitted ``notebook`` (its grades are left as they are)."""
    assignment_id, _ = _assignment(session, assignment)
    cells = _Cells(session, assignment_id, notebook)
    cells.check(Graded(student, None, {}, comments))
    target = session.execute(
        select(SUBMITTED.c.id).join(SUBMISSIONS, SUBMISSIONS.c.id == SUBMITTED.c.assignment_id)
        .where(SUBMISSIONS.c.assignment_id == assignment_id, SUBMISSIONS.c.student_id == student,
               SUBMITTED.c.notebook_id == cells.notebook_id)).scalar()
    if target is None:
        raise MissingEntry("No such submitted notebook: {} for {}".format(notebook, student))
    ids = dict(session.execute(select(COMMENTS.c.cell_id, COMMENTS.c.id).where(COMMENTS.c.notebook_id == target)).all())
    _execute(session, update(COMMENTS).where(COMMENTS.c.id == bindparam("_id")).values(auto_comment=bindparam("_text")),
             [{"_id": ids[cells.comment_ids[name]], "_text": text} for name, text in comments.items()])


def _assignment(session, name):
    row = session.execute(select(ASSIGNMENTS.c.id, ASSIGNMENTS.c.duedate).where(ASSIGNMENTS.c.name == name)).first()
    if row is None:
        raise MissingEntry("No such assignment: {}".format(name))
    return row


class _Cells:
    """The assignment's notebooks and cells, read in one query: what a new submission mirrors, the cells we fill."""

    def __init__(self, session, assignment_id, notebook):
        self.notebooks, self.graded, self.commented = [], defaultdict(list), defaultdict(list)
        self.grade_ids, self.comment_ids, self.notebook_id = {}, {}, None
        for nb_id, nb_name, cell_id, cell_name, kind in session.execute(
                select(NOTEBOOKS.c.id, NOTEBOOKS.c.name, CELLS.c.id, CELLS.c.name, CELLS.c.type)
                .outerjoin(CELLS, CELLS.c.notebook_id == NOTEBOOKS.c.id)
                .where(NOTEBOOKS.c.assignment_id == assignment_id)):
            if nb_id not in self.notebooks:
                self.notebooks.append(nb_id)
            if nb_name == notebook:
                self.notebook_id = nb_id
                if kind == "GradeCell":
                    self.grade_ids[cell_name] = cell_id
                elif kind == "SolutionCell":
                    self.comment_ids[cell_name] = cell_id
            if kind in GRADED_TYPES:
                self.graded[nb_id].append(cell_id)
            if kind in COMMENTED_TYPES:
                self.commented[nb_id].append(cell_id)
        self.name = notebook

    def check(self, graded):
        """A KeyError, as nbgrader's lookups raise, for a cell the notebook does not have."""
        if self.notebook_id is None:
            raise MissingEntry("No such notebook: {}".format(self.name))
        missing = sorted(set(graded.scores) - set(self.grade_ids)) + sorted(set(graded.comments) - set(self.comment_ids))
        if missing:
            raise KeyError("{} has no cell {}".format(self.name, ", ".join(missing)))


def _create(session, assignment_id, cells, batch, times):
    """New submissions with every row ``add_submission`` makes, filled in; {student: their notebook's id}."""
    submissions, notebooks, grades, comments, target = [], [], [], [], {}
    for g in batch:
        submission = new_id()
        submissions.append({"id": submission, "assignment_id": assignment_id, "student_id": g.student,
                            "timestamp": times[g.student]})
        scores = {cells.grade_ids[name]: score for name, score in g.scores.items()}
        texts = {cells.comment_ids[name]: text for name, text in g.comments.items()}
        for notebook_id in cells.notebooks:
            notebook = new_id()
            if notebook_id == cells.notebook_id:
                target[g.student] = notebook
            notebooks.append({"id": notebook, "assignment_id": submission, "notebook_id": notebook_id})
            for cell in cells.graded[notebook_id]:  # needs_manual_grade: nbgrader's True until a score is written
                grades.append({"id": new_id(), "notebook_id": notebook, "cell_id": cell,
                               "auto_score": scores.get(cell), "needs_manual_grade": cell not in scores})
            for cell in cells.commented[notebook_id]:
                comments.append({"id": new_id(), "notebook_id": notebook, "cell_id": cell,
                                 "auto_comment": texts.get(cell)})
    for table, rows in ((SUBMISSIONS, submissions), (SUBMITTED, notebooks), (GRADES, grades), (COMMENTS, comments)):
        _insert(session, table, rows)
    return target


def _update(session, cells, batch, existing, times, notebook):
    """Existing submissions: the new time if there is one, the scores and verdicts; {student: their notebook's id}."""
    if not batch:
        return {}
    by_submission = dict(session.execute(
        select(SUBMITTED.c.assignment_id, SUBMITTED.c.id).where(
            SUBMITTED.c.assignment_id.in_([existing[g.student].id for g in batch]),
            SUBMITTED.c.notebook_id == cells.notebook_id)).all())
    target = {}
    for g in batch:
        if existing[g.student].id not in by_submission:
            raise MissingEntry("No such submitted notebook: {} for {}".format(notebook, g.student))
        target[g.student] = by_submission[existing[g.student].id]
    grades = {(row.notebook_id, row.cell_id): row for row in session.execute(
        select(GRADES.c.id, GRADES.c.notebook_id, GRADES.c.cell_id, GRADES.c.manual_score)
        .where(GRADES.c.notebook_id.in_(target.values())))}
    comments = {(row.notebook_id, row.cell_id): row.id for row in session.execute(
        select(COMMENTS.c.id, COMMENTS.c.notebook_id, COMMENTS.c.cell_id)
        .where(COMMENTS.c.notebook_id.in_(target.values())))}
    new_times, new_scores, new_texts = [], [], []
    for g in batch:
        if times[g.student] is not None:
            new_times.append({"_id": existing[g.student].id, "_timestamp": times[g.student]})
        for name, score in g.scores.items():
            grade = grades[target[g.student], cells.grade_ids[name]]
            # as autograding in nbgrader: a score a human gave still needs their look at the new one
            new_scores.append({"_id": grade.id, "_score": score, "_manual": grade.manual_score is not None})
        for name, text in g.comments.items():
            new_texts.append({"_id": comments[target[g.student], cells.comment_ids[name]], "_text": text})
    _execute(session, update(SUBMISSIONS).where(SUBMISSIONS.c.id == bindparam("_id"))
             .values(timestamp=bindparam("_timestamp")), new_times)
    _execute(session, update(GRADES).where(GRADES.c.id == bindparam("_id"))
             .values(auto_score=bindparam("_score"), needs_manual_grade=bindparam("_manual")), new_scores)
    _execute(session, update(COMMENTS).where(COMMENTS.c.id == bindparam("_id"))
             .values(auto_comment=bindparam("_text")), new_texts)
    return target


def _insert(session, table, rows):
    _execute(session, insert(table), rows)


def _execute(session, statement, rows):
    """One executemany; none at all for no rows (an empty one would write a row of defaults)."""
    if rows:
        session.execute(statement, rows)
