"""The service's side of the resubmission policy (:mod:`grader.course.records.resubmission`).

Before a late upload is accepted from a student who has an on-time
submission -- graded, or still queued or being graded (a student's are graded
oldest first, so it is recorded before the late one is judged against it) --
the server answers ``409`` with a Russian warning of what will happen, and
accepts it only when the upload says ``confirm_late=1``. After
grading, an upload the policy does not count is marked done with its verdict
and a note, and neither the gradebook nor ``submitted/`` changes.
"""

from dataclasses import dataclass

from ..course.records.counted import Counted
from ..course.records.resubmission import kept_standing, late_warning, policy, seconds_late_at
from . import store

CONFIRM = "confirm_late"  # the query field that confirms a late resubmission


def warning(engine, course, student):
    """The warning a submission made now needs confirmed, or "" (read in the gradebook's database)."""
    with engine.connect() as connection:
        late = seconds_late_at(connection, student, store.now())
        if late <= 0:
            return ""
        waiting = store.first_waiting(connection, student)
        if waiting is not None and seconds_late_at(connection, student, waiting) <= 0:
            kept = Counted(seconds_late=0.0, penalty=0.0, score=None)  # on time, not graded yet: it counts before this one
        else:
            kept = kept_standing(connection, student)
        return late_warning(policy(course), kept, late)


@dataclass(frozen=True)
class Upload:
    """A queued upload as the recorder's policy check reads a submission: whose, and when (nbgrader's text)."""

    student: str
    timestamp: str


def set_aside(gb, recorder, job, result, shown):
    """Mark ``job`` done, unrecorded, when the policy keeps the student's counted submission; whether it did."""
    from ..course.records.gradebook import one_transaction

    upload = Upload(job.student, job.submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"))
    note = recorder.not_counted(gb, [(upload, result)]).get(job.student)
    if note is None:
        return False
    with one_transaction(gb.db):
        store.finish(gb.db, job.id, dict(shown, not_counted=note))
    return True
