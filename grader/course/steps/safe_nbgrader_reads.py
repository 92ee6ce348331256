"""nbgrader's own reads of a submitted folder, made as safe as ours: the timestamp and the files beside the notebook.

Before any of our steps sees a submission, nbgrader's converter itself reads
``timestamp.txt`` (to decide whom to grade again and how late they are) and
copies every other file of the student's folder into ``autograded/``. The
student controls those files: a named pipe as ``timestamp.txt`` blocks the whole
run, a link to ``/dev/zero`` beside the notebook is copied forever, and a link
to an instructor's file copies that file into ``autograded/`` (and from there,
with nbgrader's own feedback, back to the student).

:func:`guard` makes one converter run read them the way ``grader autograde``
does: timestamps through :attr:`~grader.course.base.layout.Submission.timestamp`
(bounded, no pipes, no links out of the folder, an unreadable or invalid one
counts as absent), and only regular files of a sane size are copied. It
changes that converter object only, for that run; nbgrader's classes stay as
they are.
"""

import glob
import os
import stat
from pathlib import Path

from ...submission.reading import MAX_BYTES
from ..base.layout import NOTEBOOK, Submission


def guard(converter):
    """Make ``converter`` (nbgrader's ``Autograde`` for this run) read submitted folders safely. Idempotent."""
    if getattr(converter, "_grader_guarded", False):
        return
    converter._grader_guarded = True
    converter.coursedir.get_existing_timestamp = lambda folder: submission_time(folder, converter.log)
    copy_files = converter.init_assignment

    def init_assignment(assignment_id, student_id):
        coursedir = converter.coursedir
        folder = converter._format_source(assignment_id, student_id)
        skipped = uncopyable_files(folder, coursedir.ignore + ["*.ipynb"])
        for path, reason in skipped:
            converter.log.warning("%s: not copied to autograded/ (%s)", path, reason)
        submission = Submission(student_id, Path(folder))
        if submission.renamed:  # nbgrader would skip it as an unknown notebook: it is the student's work
            converter.log.warning("%s: grading %s, the only notebook in the folder (expected %s)", student_id,
                                  submission.renamed, NOTEBOOK)
        if not os.path.lexists(os.path.join(folder, NOTEBOOK)):
            # nbgrader fails a folder without the expected name; the exporter reads submission.notebook,
            # which is the lone renamed one or, missing, a result that names the file expected
            converter.notebooks = [os.path.join(folder, NOTEBOOK)]
        usual = list(coursedir.ignore)
        coursedir.ignore = usual + [glob.escape(path) for path, _ in skipped]  # nbgrader's own skip list
        try:
            copy_files(assignment_id, student_id)
        finally:
            coursedir.ignore = usual

    converter.init_assignment = init_assignment


def submission_time(folder, log=None):
    """The time in ``folder/timestamp.txt`` as nbgrader parses it, or None (absent, unreadable or not a time)."""
    from nbgrader.utils import parse_utc

    folder = Path(folder)
    text = Submission(folder.parent.name, folder).timestamp
    if text is None:
        if log is not None and os.path.lexists(folder / "timestamp.txt"):
            log.warning("%s: unreadable or not a time, taken as absent", folder / "timestamp.txt")
        return None
    return parse_utc(text)


def uncopyable_files(folder, ignore=()):
    """[(path, why)] for the files nbgrader would copy from ``folder`` that are not plain files of a sane size.

    Walks as nbgrader's ``find_all_files`` walks (links to folders are not
    entered; names matching ``ignore`` are nbgrader's to skip anyway), so the
    paths are the strings nbgrader compares with its ignore list. A folder that
    is itself a link out of the student's place copies nothing.
    """
    from nbgrader.utils import is_ignored

    moved = os.path.realpath(folder) != str(Submission(Path(folder).parent.name, Path(folder)).inside)
    found = []
    for dirname, _, filenames in os.walk(folder):
        for name in filenames:
            path = os.path.join(dirname, name)
            if is_ignored(path, list(ignore)):
                continue
            try:
                info = os.lstat(path)
            except OSError:
                found.append((path, "cannot be read"))
                continue
            if moved:
                found.append((path, "the student's folder is a link"))
            elif stat.S_ISLNK(info.st_mode):
                found.append((path, "a link"))
            elif not stat.S_ISREG(info.st_mode):
                found.append((path, "not a regular file"))
            elif info.st_size > MAX_BYTES:
                found.append((path, "larger than {} MB".format(MAX_BYTES // 2 ** 20)))
    return found
