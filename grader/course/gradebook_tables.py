"""nbgrader's gradebook tables, read with SQLAlchemy Core: no nbgrader import, a few queries per class.

Reading a class through nbgrader's ORM costs importing nbgrader (its package
``__init__`` loads its Jupyter server extensions: most of ``grader
autograde``'s start) and several queries per student. The tables are
nbgrader's own, declared here with the columns this package reads; the rules
nbgrader computes in Python or SQL (a grade's score, the seconds late) are
kept as nbgrader states them, and ``tests/test_gradebook_tables.py`` holds
them to nbgrader's ORM on the same gradebook.
"""

from dataclasses import dataclass
from typing import Dict, Optional

from sqlalchemy import Boolean, Column, DateTime, Float, Interval, MetaData, String, Table, Text, select

from .layout import ASSIGNMENT

NOTEBOOK_NAME = ASSIGNMENT  # the assignment's one notebook

_META = MetaData()
STUDENT = Table("student", _META, Column("id", String(128), primary_key=True))
ASSIGNMENTS = Table("assignment", _META, Column("id", String(32), primary_key=True), Column("name", String(128)),
                    Column("duedate", DateTime))
NOTEBOOKS = Table("notebook", _META, Column("id", String(32), primary_key=True), Column("name", String(128)),
                  Column("assignment_id", String(32)))
BASE_CELL = Table("base_cell", _META, Column("id", String(32), primary_key=True), Column("name", String(128)),
                  Column("notebook_id", String(32)), Column("type", String(50)))
SUBMITTED_ASSIGNMENT = Table("submitted_assignment", _META, Column("id", String(32), primary_key=True),
                             Column("assignment_id", String(32)), Column("student_id", String(128)),
                             Column("timestamp", DateTime), Column("extension", Interval))
SUBMITTED_NOTEBOOK = Table("submitted_notebook", _META, Column("id", String(32), primary_key=True),
                           Column("assignment_id", String(32)), Column("notebook_id", String(32)),
                           Column("flagged", Boolean), Column("late_submission_penalty", Float))
GRADE = Table("grade", _META, Column("id", String(32), primary_key=True), Column("notebook_id", String(32)),
              Column("cell_id", String(32)), Column("auto_score", Float), Column("manual_score", Float),
              Column("extra_credit", Float), Column("needs_manual_grade", Boolean))
COMMENT = Table("comment", _META, Column("id", String(32), primary_key=True), Column("notebook_id", String(32)),
                Column("cell_id", String(32)), Column("auto_comment", Text), Column("manual_comment", Text))


def grade_score(auto_score, manual_score, extra_credit):
    """nbgrader's ``Grade.score``: the manual score if set, else the automatic one, plus extra credit; else 0."""
    if manual_score is not None:
        return manual_score + (extra_credit or 0.0)
    if auto_score is not None:
        return auto_score + (extra_credit or 0.0)
    return 0.0


def seconds_late(timestamp, duedate, extension):
    """nbgrader's ``SubmittedAssignment.total_seconds_late``: past the due date and any extension, else 0."""
    if timestamp is None or duedate is None:
        return 0
    if extension is not None:
        duedate = duedate + extension
    return max(0, (timestamp - duedate).total_seconds())


@dataclass(frozen=True)
class SubmittedWork:
    """What the gradebook holds of one student's graded notebook."""

    student: str
    seconds_late: float
    penalty: Optional[float]
    scores: Dict[str, float]              # cell name -> nbgrader's score
    auto_scores: Dict[str, Optional[float]]  # cell name -> the automatic score (None: not graded yet)
    comments: Dict[str, str]              # cell name -> automatic comment ("" when none)


def students(connection):
    """Every student id the gradebook knows."""
    return [row.id for row in connection.execute(select(STUDENT.c.id))]


def has_assignment(connection):
    return connection.execute(select(ASSIGNMENTS.c.id).where(ASSIGNMENTS.c.name == ASSIGNMENT)).first() is not None


def submitted_work(connection, student=None):
    """{student: :class:`SubmittedWork`} of every student with a submitted notebook (or of ``student`` alone)."""
    works = _notebooks(connection, student)
    if not works:
        return {}
    cells = BASE_CELL.alias("cell")
    by_notebook = {info["notebook"]: info for info in works.values()}
    ids = list(by_notebook)
    for row in connection.execute(
            select(GRADE.c.notebook_id, cells.c.name, GRADE.c.auto_score, GRADE.c.manual_score, GRADE.c.extra_credit)
            .join(cells, cells.c.id == GRADE.c.cell_id).where(GRADE.c.notebook_id.in_(ids))):
        info = by_notebook[row.notebook_id]
        info["scores"][row.name] = grade_score(row.auto_score, row.manual_score, row.extra_credit)
        info["auto"][row.name] = row.auto_score
    for row in connection.execute(
            select(COMMENT.c.notebook_id, cells.c.name, COMMENT.c.auto_comment)
            .join(cells, cells.c.id == COMMENT.c.cell_id).where(COMMENT.c.notebook_id.in_(ids))):
        by_notebook[row.notebook_id]["comments"][row.name] = row.auto_comment or ""
    return {name: SubmittedWork(name, info["late"], info["penalty"], info["scores"], info["auto"], info["comments"])
            for name, info in works.items()}


def _notebooks(connection, student):
    query = (select(SUBMITTED_ASSIGNMENT.c.student_id, SUBMITTED_ASSIGNMENT.c.timestamp,
                    SUBMITTED_ASSIGNMENT.c.extension, ASSIGNMENTS.c.duedate, SUBMITTED_NOTEBOOK.c.id,
                    SUBMITTED_NOTEBOOK.c.late_submission_penalty)
             .join(ASSIGNMENTS, ASSIGNMENTS.c.id == SUBMITTED_ASSIGNMENT.c.assignment_id)
             .join(SUBMITTED_NOTEBOOK, SUBMITTED_NOTEBOOK.c.assignment_id == SUBMITTED_ASSIGNMENT.c.id)
             .join(NOTEBOOKS, NOTEBOOKS.c.id == SUBMITTED_NOTEBOOK.c.notebook_id)
             .where(ASSIGNMENTS.c.name == ASSIGNMENT, NOTEBOOKS.c.name == NOTEBOOK_NAME))
    if student is not None:
        query = query.where(SUBMITTED_ASSIGNMENT.c.student_id == student)
    return {row.student_id: {"notebook": row.id, "late": seconds_late(row.timestamp, row.duedate, row.extension),
                             "penalty": row.late_submission_penalty, "scores": {}, "auto": {}, "comments": {}}
            for row in connection.execute(query)}
