"""Per-student deadline extensions: nbgrader's own ``extension``, so every path's lateness honours it.

nbgrader counts a submission late past the assignment's due date plus the
student's ``SubmittedAssignment.extension``; ``nbgrader autograde``,
``grader autograde``, the service, ``export`` and ``feedback`` all read
lateness that way. ``grader extend STUDENT --until TIME`` writes that column
(making the student's submission row, as nbgrader does, when they have not
submitted yet); ``--remove`` clears it; ``--list`` shows them.
"""

from dataclasses import dataclass

from ..base.layout import ASSIGNMENT
from ..base.students import is_student_id, roster
from ..base.times import parse_utc


class ExtensionRefused(Exception):
    """An extension that cannot be given: the message says why."""


@dataclass(frozen=True)
class Extension:
    student: str
    until: object  # naive UTC: the student's own due date


def grant(gb, student, until):
    """Give ``student`` until ``until`` (a time nbgrader reads, e.g. ``2026-03-08 23:59 Europe/Moscow``; no zone: UTC)."""
    _check(gb, student)
    duedate = gb.find_assignment(ASSIGNMENT).duedate
    if duedate is None:
        raise ExtensionRefused("{} has no due date (nbgrader db assignment add {} --duedate ...): nothing to "
                               "extend".format(ASSIGNMENT, ASSIGNMENT))
    try:
        moment = parse_utc(until)
    except (ValueError, OverflowError, TypeError):
        raise ExtensionRefused("not a time: {!r} (e.g. \"2026-03-08 23:59 Europe/Moscow\")".format(until)) from None
    if moment <= duedate:
        raise ExtensionRefused("{} UTC is not after the due date, {} UTC".format(moment, duedate))
    gb.update_or_create_submission(ASSIGNMENT, student, extension=moment - duedate)
    return Extension(student, moment)


def remove(gb, student):
    """Take ``student``'s extension away (nothing happens when they have none)."""
    from nbgrader.api import MissingEntry

    _check(gb, student)
    try:
        gb.find_submission(ASSIGNMENT, student)
    except MissingEntry:
        return
    gb.update_or_create_submission(ASSIGNMENT, student, extension=None)


def listed(connection):
    """Every :class:`Extension` of the assignment, by student id."""
    from sqlalchemy import select

    from .tables import ASSIGNMENTS, SUBMITTED_ASSIGNMENT

    rows = connection.execute(
        select(SUBMITTED_ASSIGNMENT.c.student_id, ASSIGNMENTS.c.duedate, SUBMITTED_ASSIGNMENT.c.extension)
        .join(ASSIGNMENTS, ASSIGNMENTS.c.id == SUBMITTED_ASSIGNMENT.c.assignment_id)
        .where(ASSIGNMENTS.c.name == ASSIGNMENT, SUBMITTED_ASSIGNMENT.c.extension != None))  # noqa: E711
    return sorted((Extension(row.student_id, row.duedate + row.extension) for row in rows if row.duedate),
                  key=lambda e: e.student)


def _check(gb, student):
    if not is_student_id(student):
        raise ExtensionRefused("{!r} is not a student id".format(student))
    if student not in roster(gb):
        raise ExtensionRefused("{} is not in the gradebook (nbgrader db student add {})".format(student, student))
