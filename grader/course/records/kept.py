"""A student's counted grade, kept on disk while a regrade may overwrite it: the resubmission policy survives a crash.

``nbgrader autograde`` records a new submission over the old one (its
timestamp when it starts on the student, its scores in ``SaveAutoGrades``)
before the course's policy (:mod:`.resubmission`) can put the old one back,
and the stale autograded notebook is removed before that. A grade held only in
memory across that window was lost for good when the run died inside it: the
next run saw the late grade as what the gradebook holds. So the counted grade
is written here first -- ``.grader/counted/<student>.json``, private, whole or
not at all -- and removed only once the outcome is recorded. A file found here
means a run stopped inside the window: the kept grade is this one, whatever
the gradebook now holds.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from ..base.files import replaced
from ..base.layout import ASSIGNMENT, autograded_notebook
from .counted import Counted


@dataclass(frozen=True)
class KeptGrade:
    """A student's counted submission before it is graded again: its rows and its autograded notebook."""

    standing: Counted
    timestamp: object     # the gradebook's submission time (naive UTC, as text), or None
    scores: dict          # grade cell -> auto score
    comments: dict        # answer cell -> auto comment
    notebook: str         # the autograded notebook, as written


def kept_file(course, student):
    return Path(course) / ".grader" / "counted" / (student + ".json")


def kept_grade(connection, student, notebook):
    """The :class:`KeptGrade` of ``student`` in the gradebook, with ``notebook`` (a path) as its autograded notebook;
    None when the gradebook holds no complete grade for them."""
    from sqlalchemy import select

    from ...checks.graded_functions import NAMES
    from .resubmission import kept_standing
    from .tables import ASSIGNMENTS, SUBMITTED_ASSIGNMENT, submitted_work

    standing = kept_standing(connection, student)
    if standing is None:
        return None
    work = submitted_work(connection, student)[student]
    timestamp = connection.execute(
        select(SUBMITTED_ASSIGNMENT.c.timestamp).join(ASSIGNMENTS, ASSIGNMENTS.c.id == SUBMITTED_ASSIGNMENT.c.assignment_id)
        .where(ASSIGNMENTS.c.name == ASSIGNMENT, SUBMITTED_ASSIGNMENT.c.student_id == student)).scalar()
    return KeptGrade(standing, None if timestamp is None else str(timestamp),
                     {n: v for n, v in work.auto_scores.items() if n.startswith("test_")},
                     {n: work.comments[n] for n in NAMES if n in work.comments},
                     Path(notebook).read_text(encoding="utf-8"))


def keep(course, student, kept):
    """Write ``kept`` for ``student`` (0600, in a 0700 folder), whole, before anything it describes is overwritten."""
    path = kept_file(course, student)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with replaced(path) as out:  # mkstemp: the file is its owner's alone from the start
        json.dump(asdict(kept), out, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())  # on disk before the gradebook is written over: a power loss keeps it too


def kept_leftover(course, student):
    """The :class:`KeptGrade` an interrupted run left for ``student``, or None."""
    try:
        data = json.loads(kept_file(course, student).read_text(encoding="utf-8"))
        return KeptGrade(Counted(**data["standing"]), data["timestamp"], dict(data["scores"]),
                         dict(data["comments"]), data["notebook"])
    except FileNotFoundError:
        return None


def interrupted(gb, course, submission):
    """The kept grade a run that stopped midway left for ``submission``'s student, or None.

    One left after the outcome was recorded -- the autograded notebook written, and nothing to grade again by
    :func:`.regrading.needs_grading` -- is forgotten here.
    """
    from .regrading import needs_grading

    kept = kept_leftover(course, submission.student)
    if kept is not None and autograded_notebook(course, submission.student).exists() \
            and not needs_grading(gb, course, submission):
        settled(course, submission.student)
        return None
    return kept


def settled(course, student):
    """The outcome for ``student`` is recorded: their kept grade is no longer needed."""
    kept_file(course, student).unlink(missing_ok=True)


def restore(connection, course, student, kept, penalty):
    """Put ``kept`` back: its rows in the gradebook (one transaction), then its autograded notebook; then forget it.

    ``penalty``: the course's late penalty (``Recorder.penalty``), recomputed as when it was first recorded.
    """
    from .gradebook import NOTEBOOK_ID, one_transaction
    from .writer import Graded, write

    with one_transaction(connection):
        write(connection, ASSIGNMENT, NOTEBOOK_ID, [Graded(student, kept.timestamp, kept.scores, kept.comments)],
              penalty)
    target = autograded_notebook(course, student)
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with replaced(target) as out:
        out.write(kept.notebook)
    settled(course, student)

