"""Which submissions need grading: one rule, shared by both batch paths.

A student is graded (again) unless the gradebook holds complete grades *and*
their autograded notebook records exactly the submission now in
``submitted/``: the sha256 of its bytes and its ``timestamp.txt``. So a
resubmission brought by ``nbgrader collect --update`` -- newer, or merely
different -- is graded, a killed batch resumes where it stopped, and a second
run grades nobody. ``grader autograde`` asks :func:`needs_grading`;
``nbgrader autograde`` decides by the autograded notebook's existence, so its
exporter first removes the autograded notebooks that are stale by this rule.
"""

import json

from ..submission.reading import Unreadable, read_bytes
from .layout import autograded_notebook

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


def recorded(course, student):
    """The record in the student's autograded notebook, or None (none written, or not by us)."""
    try:
        with open(autograded_notebook(course, student), encoding="utf-8") as handle:
            return json.load(handle).get("metadata", {}).get(METADATA_KEY)
    except (OSError, ValueError, AttributeError):
        return None


def needs_grading(gb, course, submission):
    """Whether ``submission`` must be graded: its grades are incomplete or came from another file."""
    from .gradebook import is_complete

    return not is_complete(gb, submission.student) or recorded(course, submission.student) != current(submission)
