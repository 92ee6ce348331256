"""nbgrader's gradebook tables for SQLAlchemy Core: no nbgrader import, a few queries per class.

Going through nbgrader's ORM costs importing nbgrader (its package
``__init__`` loads its Jupyter server extensions: most of ``grader
autograde``'s start) and several queries per student. The tables are
nbgrader's own, declared here with the columns this package reads and writes
and nbgrader's column defaults; the rules nbgrader computes (a grade's score,
the seconds late, its ids) are kept as nbgrader states them.
``tests/test_gradebook_tables.py`` holds the reads to nbgrader's ORM,
``tests/test_gradebook_writer.py`` the writes (:mod:`.writer`).
"""

from dataclasses import dataclass
from typing import Dict, Optional

import uuid

from sqlalchemy import (Boolean, Column, DateTime, Float, Interval, MetaData, String, Table, Text, case, func,
                        literal_column, select)

from ..base.layout import ASSIGNMENT

NOTEBOOK_NAME = ASSIGNMENT  # the assignment's one notebook

_META = MetaData()
STUDENT = Table("student", _META, Column("id", String(128), primary_key=True), Column("first_name", String(128)),
                Column("last_name", String(128)), Column("email", String(128)), Column("lms_user_id", String(128)))
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
                           Column("flagged", Boolean, default=False), Column("late_submission_penalty", Float))
GRADE = Table("grade", _META, Column("id", String(32), primary_key=True), Column("notebook_id", String(32)),
              Column("cell_id", String(32)), Column("auto_score", Float), Column("manual_score", Float),
              Column("extra_credit", Float), Column("needs_manual_grade", Boolean, default=True))
COMMENT = Table("comment", _META, Column("id", String(32), primary_key=True), Column("notebook_id", String(32)),
                Column("cell_id", String(32)), Column("auto_comment", Text), Column("manual_comment", Text))


def _plus_extra_credit(score):
    return score + case((GRADE.c.extra_credit != None, GRADE.c.extra_credit), else_=literal_column("0.0"))  # noqa: E711


# nbgrader's ``Grade.score``, the same SQL: the manual score if set, else the automatic one, plus extra credit; else 0.
GRADE_SCORE = case((GRADE.c.manual_score != None, _plus_extra_credit(GRADE.c.manual_score)),  # noqa: E711
                   (GRADE.c.auto_score != None, _plus_extra_credit(GRADE.c.auto_score)),  # noqa: E711
                   else_=literal_column("0.0"))


def new_id():
    """An id as nbgrader makes them (``nbgrader.api.new_uuid``)."""
    return uuid.uuid4().hex


def seconds_late(timestamp, duedate, extension):
    """nbgrader's ``SubmittedAssignment.total_seconds_late``: past the due date and any extension, else 0.

    As nbgrader's property, an extension without a due date is a TypeError.
    """
    if timestamp is None:
        return 0
    if extension is not None:
        duedate = duedate + extension
    if duedate is None:
        return 0
    return max(0, (timestamp - duedate).total_seconds())


def notebook_scores(connection, notebook_ids):
    """{submitted notebook id: nbgrader's ``SubmittedNotebook.score``}, summed by the database as nbgrader sums it."""
    return dict(connection.execute(
        select(SUBMITTED_NOTEBOOK.c.id, select(func.coalesce(func.sum(GRADE_SCORE), 0.0))
               .where(GRADE.c.notebook_id == SUBMITTED_NOTEBOOK.c.id).scalar_subquery())
        .where(SUBMITTED_NOTEBOOK.c.id.in_(list(notebook_ids)))).all())


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


@dataclass(frozen=True)
class RosterEntry:
    """A student as the roster (``nbgrader db student import``) knows them; names may be missing."""
    id: str
    first_name: Optional[str]
    last_name: Optional[str]
    email: Optional[str]
    lms_user_id: Optional[str]


def roster(connection):
    """{student id: :class:`RosterEntry`} of every student the gradebook knows."""
    return {row.id: RosterEntry(row.id, row.first_name, row.last_name, row.email, row.lms_user_id)
            for row in connection.execute(select(STUDENT))}


def has_assignment(connection):
    return connection.execute(select(ASSIGNMENTS.c.id).where(ASSIGNMENTS.c.name == ASSIGNMENT)).first() is not None


def is_complete(connection, student):
    """Whether the gradebook holds an automatic score for every test cell of ``student``."""
    work = submitted_work(connection, student).get(student)
    return work is not None and all(score is not None for score in work.auto_scores.values())


def submitted_work(connection, student=None):
    """{student: :class:`SubmittedWork`} of every student with a submitted notebook (or of ``student``: one id, or a list)."""
    works = _notebooks(connection, student)
    if not works:
        return {}
    cells = BASE_CELL.alias("cell")
    by_notebook = {info["notebook"]: info for info in works.values()}
    ids = list(by_notebook)
    for row in connection.execute(
            select(GRADE.c.notebook_id, cells.c.name, GRADE.c.auto_score, GRADE_SCORE.label("score"))
            .join(cells, cells.c.id == GRADE.c.cell_id).where(GRADE.c.notebook_id.in_(ids))):
        info = by_notebook[row.notebook_id]
        info["scores"][row.name] = row.score
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
    if isinstance(student, (list, tuple, set, frozenset)):
        query = query.where(SUBMITTED_ASSIGNMENT.c.student_id.in_(list(student)))
    elif student is not None:
        query = query.where(SUBMITTED_ASSIGNMENT.c.student_id == student)
    return {row.student_id: {"notebook": row.id, "late": seconds_late(row.timestamp, row.duedate, row.extension),
                             "penalty": row.late_submission_penalty, "scores": {}, "auto": {}, "comments": {}}
            for row in connection.execute(query)}
