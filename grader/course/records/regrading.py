"""Which submissions need grading: one rule, shared by both batch paths.

A student is graded (again) unless the gradebook holds complete grades *and*
their autograded notebook records exactly the submission now in
``submitted/``: the sha256 of its bytes and its ``timestamp.txt``. So a
resubmission brought by ``nbgrader collect --update`` -- newer, or merely
different -- is graded, a killed batch resumes where it stopped, and a second
run grades nobody. A submission graded and not counted (the course's
resubmission policy, :mod:`.resubmission`) is recorded beside the counted one
and is not graded again either. ``grader autograde`` asks :func:`needs_grading`;
``nbgrader autograde`` decides by the autograded notebook's existence, so its
exporter first removes the autograded notebooks that are stale by this rule.
"""

import json

from ...submission.reading import Unreadable, read_bytes
from ..base.layout import autograded_notebook, not_counted_notebook

METADATA_KEY = "grader"  # the autograded notebook's metadata: what its grades came from


def graded_from(submission, sha256):
    """The record an autograded notebook keeps of the submission it was graded from."""
    return {"submission_sha256": sha256, "timestamp": submission.timestamp or ""}


def current(submission):
    """The same record for what is in ``submitted/`` now ("" for a file that cannot be read)."""
    import hashlib

    try:
        sha256 = hashlib.sha256(read_bytes(submission.notebook, submission.inside)).hexdigest()
    except Unreadable:
        sha256 = ""
    return graded_from(submission, sha256)


def recorded(course, student, notebook=None):
    """The record in the student's autograded notebook (or in ``notebook``), or None (none written, or not by us)."""
    try:
        with open(notebook or autograded_notebook(course, student), encoding="utf-8") as handle:
            return json.load(handle).get("metadata", {}).get(METADATA_KEY)
    except (OSError, ValueError, AttributeError):
        return None


def needs_grading(gb, course, submission):
    """Whether ``submission`` must be graded: its grades are incomplete or came from another file."""
    from .tables import is_complete

    if not is_complete(gb.db, submission.student):
        return True
    now = current(submission)
    return now not in (recorded(course, submission.student),
                       recorded(course, submission.student, not_counted_notebook(course, submission.student)))
