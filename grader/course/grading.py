"""Grade one submission of the course: read it safely, grade it sealed, note what was graded.

The one way both batch paths grade a student: the notebook is read only from
the student's own folder (:attr:`~.layout.Submission.inside`), and the result
records the sha256 of the bytes graded, even for a file that cannot be graded,
so :mod:`.regrading` can tell when the submission changes.
"""

from ..checks.results import SubmissionResult
from ..sandbox.engine import grade_read_notebook
from ..submission.reading import Unreadable, read_notebook


def grade_submission(submission, zygote, limits):
    """(SubmissionResult, the notebook as read or None when it could not be read)."""
    try:
        notebook = read_notebook(submission.notebook, submission.inside)
    except Unreadable as reason:
        from .regrading import current

        return SubmissionResult(error=str(reason), sha256=current(submission)["submission_sha256"]), None
    return grade_read_notebook(notebook, zygote, limits), notebook
