"""nbgrader's gradebook, wherever the course's config puts it (sqlite, PostgreSQL, ...).

We write what ``nbgrader autograde`` writes -- the same assignment, notebook,
``test_<name>`` grade cells, answer-cell comments and late penalty -- so
formgrader, ``nbgrader export`` and our reports read our grades as their own.
One student's record is one transaction: a gradebook lost halfway leaves that
student as they were, never half-recorded.
"""

import contextlib
import logging
import os
from ...checks.graded_functions import NAMES
from ...checks.verdicts import function_report
from ...client import UNGRADABLE_RU
from ..base.layout import ASSIGNMENT
from ..base.settings import safe_url
from ..base.stubs import BLANK_NOTE

NOTEBOOK_ID = ASSIGNMENT  # nbgrader's notebook id: the file name without .ipynb
UNGRADABLE_PREFIX = UNGRADABLE_RU


class LatePenaltyUnavailable(Exception):
    """A late student met a late-penalty plugin the course's configuration cannot make: the run stops, loudly."""


class GradebookUnavailable(Exception):
    """The gradebook cannot be reached or does not hold the assignment; the message says which and where."""


def database_errors():
    """The exceptions that mean the database itself failed (not our data)."""
    from sqlalchemy.exc import DBAPIError, OperationalError, PendingRollbackError

    return (OperationalError, DBAPIError, PendingRollbackError, OSError)


class Tables:
    """A gradebook opened without nbgrader: its tables through a plain SQLAlchemy connection (``.db``).

    What reads and writes with SQLAlchemy Core (:mod:`.tables`, the
    recorder) needs no more; importing nbgrader's ORM, or even SQLAlchemy's,
    would cost most of a small run's time (see :mod:`.tables`).
    """

    def __init__(self, url):
        from sqlalchemy import create_engine

        self.engine = create_engine(url)
        self.db = self.engine.connect()  # an unreachable database is said now, as nbgrader's Gradebook says it

    def close(self):
        self.db.close()
        self.engine.dispose()


@contextlib.contextmanager
def open_gradebook(course, orm=True):
    """The gradebook of ``course`` (a :class:`~..base.course.Course`), checked to hold the assignment;
    :class:`GradebookUnavailable` if not.

    ``orm``: nbgrader's ``Gradebook`` (its whole API); else :class:`Tables`,
    without importing nbgrader. A sqlite gradebook that does not exist yet is
    not created here: only ``nbgrader generate_assignment`` makes one.
    """
    from .tables import has_assignment

    if not (course.root / "nbgrader_config.py").is_file():
        raise GradebookUnavailable("{} is not a course folder (it has no nbgrader_config.py): run grader in the "
                                   "course's folder or pass --course DIR".format(course.root))
    url = course.db_url
    where = safe_url(url)
    if url.startswith("sqlite:///") and not _sqlite_file(url).exists():
        raise GradebookUnavailable("no gradebook at {}: run `nbgrader generate_assignment {}` first".format(
            where, ASSIGNMENT))
    if url.startswith("sqlite:///"):
        _keep_private(_sqlite_file(url))
    try:
        gb = _nbgrader_gradebook(url) if orm else Tables(url)
    except database_errors() as error:
        raise GradebookUnavailable(_unreachable("cannot reach", where, url, error)) from None
    try:
        try:
            found = has_assignment(gb.db)
        except database_errors() as error:
            raise GradebookUnavailable(_unreachable("cannot read", where, url, error)) from None
        if not found:
            raise GradebookUnavailable("the gradebook at {} has no assignment {!r}: run `nbgrader "
                                       "generate_assignment {}` first".format(where, ASSIGNMENT, ASSIGNMENT))
        yield gb
    finally:
        try:
            gb.close()
        except database_errors():
            pass


def _unreachable(what, where, url, error):
    """Why the gradebook cannot be used; a full disk under an sqlite file said as such (sqlite's words hide it)."""
    from ..base.files import no_space_under

    if url.startswith("sqlite:///") and no_space_under(_sqlite_file(url).parent):
        return "{} the gradebook at {}: the disk holding it is full; free some space and run again".format(
            what, where)
    return "{} the gradebook at {}: {}".format(what, where, database_reason(error))


def _nbgrader_gradebook(url):
    import warnings

    from nbgrader.api import Gradebook

    # nbgrader's own code trips SQLAlchemy's autoflush warnings, and logs a traceback for
    # each database error it re-raises; we report those errors ourselves, in one line.
    warnings.filterwarnings("ignore", module="nbgrader")
    logging.getLogger("tornado.application").setLevel(logging.CRITICAL)
    return Gradebook(url)


def _keep_private(path):
    """A gradebook file of ours that others may read (nbgrader creates it 0644) becomes 0600."""
    try:
        info = path.stat()
        if info.st_uid == os.geteuid() and info.st_mode & 0o077:
            path.chmod(0o600)
    except OSError:
        pass


def _sqlite_file(url):
    from pathlib import Path

    from sqlalchemy.engine import make_url

    return Path(make_url(url).database or "")


def database_reason(error):
    """The database's own words, first line only (never the URL with its password)."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


class Recorder:
    """Writes students' grades, verdicts and late penalties, each student all or nothing (``grader autograde``).

    The rows are nbgrader's, written without its ORM (:mod:`.writer`); the
    late penalty is the course's configured nbgrader plugin's, checked as
    ``AssignLatePenalties`` checks it.
    """

    def __init__(self, course):
        self._course, self._late = course, None  # a Course: its config makes the late-penalty plugin

    def record(self, gb, submission, result, unanswered=(), also=None):
        """Record one student; return what counts (:class:`~.counted.Counted`).

        ``also(session, counted)`` runs inside the same transaction (the service marks its job done with it).
        """
        with one_transaction(gb.db):
            counted = self._write(gb, [(submission, result, unanswered)])[0]
            if also is not None:
                also(gb.db, counted)
        return counted

    def record_many(self, gb, items):
        """Record several (submission, result, unanswered) in one transaction; {student: error} of those not recorded.

        One commit for all of them: a commit is most of what recording costs.
        Lost halfway, the transaction leaves every one of them as they were.
        When one fails for its own reasons, all are rolled back and each is
        recorded in a transaction of its own, so it costs only itself.
        """
        try:
            with one_transaction(gb.db):
                self._write(gb, items)
            return {}
        except (LatePenaltyUnavailable, *database_errors()):
            raise
        except Exception as error:  # noqa: BLE001 -- whose it is, recording each alone tells
            if len(items) == 1:
                return {items[0][0].student: error}
        failed = {}
        for submission, result, unanswered in items:
            try:
                self.record(gb, submission, result, unanswered)
            except (LatePenaltyUnavailable, *database_errors()):
                raise
            except Exception as error:  # noqa: BLE001 -- this student's record failed; the others go on
                failed[submission.student] = error
        return failed

    def _write(self, gb, items):
        """(submission, result, unanswered) ``items`` into the caller's transaction; their :class:`~.counted.Counted`, in order."""
        from .writer import Graded, write

        batch = [Graded(submission.student, submission.timestamp,  # as the notebook's record has it
                        {"test_" + name: score for name, score in scores(result).items()},
                        verdicts(result, unanswered))
                 for submission, result, unanswered in items]
        return write(gb.db, ASSIGNMENT, NOTEBOOK_ID, batch, self.penalty)

    def not_counted(self, gb, graded):
        """{student: note} of (submission, result) ``graded`` the course's resubmission policy keeps out of the gradebook."""
        from .resubmission import not_counted, policy

        return not_counted(gb.db, policy(self._course), [
            (submission.student, submission.timestamp, sum(scores(result).values())) for submission, result in graded],
            self.penalty)

    def penalty(self, student, score, seconds_late):
        """The configured plugin's penalty for a late submission, checked as nbgrader's AssignLatePenalties checks it.

        nbgrader's own late-penalty step, configured as the course configures
        it, is made on the first late submission: a class on time never pays
        for importing nbgrader.
        """
        from types import SimpleNamespace

        if self._late is None:
            from nbgrader.preprocessors import AssignLatePenalties

            try:
                late = AssignLatePenalties(config=self._course.config)
                late.init_plugin()
            except Exception as error:  # noqa: BLE001 -- the course's configuration, not this student's work
                raise LatePenaltyUnavailable(
                    "{} is late, and the course's late-penalty plugin (c.AssignLatePenalties in nbgrader_config.py) "
                    "cannot be made: {}: {}; the students recorded before stay recorded".format(
                        student, type(error).__name__, error)) from None
            self._late = late
        penalty = self._late.plugin_inst.late_submission_penalty(student, score, seconds_late)
        return None if penalty is None else self._late._check_late_penalty(SimpleNamespace(score=score), penalty)


@contextlib.contextmanager
def one_transaction(db):
    """Run the block's gradebook writes as one transaction: committed at its end, or all rolled back.

    ``db``: a Core connection (:class:`Tables`), or an ORM session -- nbgrader's
    ``Gradebook.db``, whose helpers (``update_or_create_submission`` and the
    like) commit as they go: inside the block their commits only flush.
    """
    session = hasattr(db, "flush")
    commit = db.commit
    if session:
        db.commit = db.flush
    try:
        yield db
    except BaseException:
        if session:
            db.commit = commit
        try:
            db.rollback()
        except database_errors():
            pass  # the connection is gone, and the transaction with it
        raise
    if session:
        db.commit = commit
    db.commit()


def record_verdicts(gb, student, result, unanswered=()):
    """Write only the verdicts (``nbgrader autograde``: its SaveAutoGrades wrote the scores)."""
    from .writer import write_comments

    with one_transaction(gb.db):
        write_comments(gb.db, ASSIGNMENT, NOTEBOOK_ID, student, verdicts(result, unanswered))


def scores(result):
    """{function: auto score}: each graded function's score, 0 for those not graded (an ungradable submission)."""
    by_name = {f.name: f for f in result.functions}
    return {name: by_name[name].score if name in by_name else 0.0 for name in NAMES}


def verdicts(result, unanswered=()):
    """{answer cell: comment}: its function's Russian verdict ("Нет ответа" first for an untouched stub)."""
    by_name = {f.name: f for f in result.functions}
    texts = {}
    for name in NAMES:
        text = (function_report(by_name[name]) if name in by_name
                else UNGRADABLE_PREFIX + ": " + result.error)
        if name in unanswered and name in by_name:
            text = BLANK_NOTE + "\n" + text
        texts[name] = text
    return texts
