"""``grader autograde``: a whole class through the sealed engine into nbgrader's gradebook.

Reading top to bottom: reach the gradebook and the workers (a clear error
before anything is written when either is missing); find the submissions that
need grading (:mod:`..records.regrading`); claim each before it is graded, so two runs
never grade the same student (:mod:`.claims`); grade on this machine or a Dask
cluster (``grader.workers``); for each result, in this thread only, record it
in one gradebook transaction, then write the autograded notebook. A run killed
or cut off from its gradebook halfway records nobody twice and nobody by half;
run again, it grades exactly the rest.
"""

import logging
import os
import sys
import time
from contextlib import closing

from ...client import printable
from ...sandbox.zygote import warn_about
from ..base.files import disk_full_message, is_disk_full
from ..base.layout import NOTEBOOK, misnamed, submissions
from ..base.settings import certificates_folder, safe_url
from ..base.stubs import release_answers, unanswered
from ..records.gradebook import Recorder, database_errors, database_reason, open_gradebook
from ..records.kept import interrupted, restore
from ..records.regrading import needs_grading
from ..records.resubmission import keep_aside, policy
from .autograded import prepare_autograded
from .claims import claims_for


log = logging.getLogger("grader.batch")


class GradingStopped(Exception):
    """The gradebook was lost during the run; the message says what was recorded before."""


class Unfinished(str):
    """Why a student was not recorded by this run (run again to grade them), unlike a graded reason such as
    an unreadable notebook, which is recorded."""


def run(course, limits, workers=2, scheduler=None, students=None, force=False, progress=None):
    """Grade the class of ``course`` (a :class:`~..base.course.Course`); return {student: reason} of the students graded
    now that could not be graded.

    ``scheduler``: a Dask scheduler's address to grade on, else ``workers``
    local grading processes. Raises GradebookUnavailable, ClusterUnavailable
    (before anything is written) or :class:`GradingStopped`.
    """
    with open_gradebook(course, orm=False) as gb:
        # No more grading processes (each with a zygote) than submissions: one student starts one.
        workers = grading_workers(course, limits, min(workers, max(1, len(submissions(course, students)))), scheduler)
        recorder, release = Recorder(course), release_answers(course)
        with workers, closing(claims_for(course)) as claims:
            for name in misnamed(course):
                log.warning("submitted/%s is not named by a student id: not graded", printable(name))
            _put_back_kept(gb, course, recorder, submissions(course, students))
            todo = [s for s in submissions(course, students) if force or needs_grading(gb, course, s)]
            for submission in todo:
                if submission.renamed:
                    log.warning("%s: grading %s, the only notebook in the folder (expected %s)",
                                submission.student, printable(submission.renamed), NOTEBOOK)
            progress = progress or Progress(len(todo))
            done, pending, recorded = {}, Pending(), 0
            try:
                for submission, result, notebook in workers.grade(_claimed(todo, claims, gb, course, force)):
                    if result is None or result.unfinished:  # never recorded: the next run grades them
                        done[submission.student] = Unfinished(_why_unfinished(result))
                        claims.release(submission.student)
                        continue
                    progress.step(submission.student, result)  # as it is graded, not when its batch is recorded
                    pending.add(submission, result, notebook)
                    if pending.due():
                        recorded += _record(gb, course, recorder, release, pending.take(), claims, done, progress)
                recorded += _record(gb, course, recorder, release, pending.take(), claims, done, progress)
            except database_errors() as error:
                raise GradingStopped("lost the gradebook at {}: {}; {} submission(s) were recorded before; run "
                                     "`grader autograde` again to grade the rest".format(
                                         safe_url(course.db_url), database_reason(error), recorded)) from None
            progress.finish()
    return done


def _why_unfinished(result):
    """Why a submission is not recorded now, for the instructor (``result``: unfinished, or None when lost)."""
    if result is None:
        return "the cluster lost this submission: run again"
    if result.died_alone:  # perhaps the work's doing: no grade either way, and the instructor may look at it
        return ("its grading process died on it twice, the second time grading it alone ({}); nothing "
                "recorded: run again, and look at the work if it happens again".format(result.error))
    return "not graded now, through no fault of the work ({}): run again".format(result.error)


def _put_back_kept(gb, course, recorder, found):
    """The counted grades an ``nbgrader autograde`` that stopped midway left aside (:mod:`..records.kept`), put back
    before anyone is compared with what the gradebook holds."""
    for submission in found:
        kept = interrupted(gb, course, submission)
        if kept is not None:
            log.warning("%s: an interrupted nbgrader autograde left their counted grade aside: put back first",
                        submission.student)
            restore(gb.db, course, submission.student, kept, recorder.penalty)


class Pending:
    """Graded submissions waiting to be recorded together: up to :attr:`MOST`, or for :attr:`SECONDS`."""

    MOST = 32        # students in one transaction: a commit is most of what recording one costs
    SECONDS = 1.0    # the longest a graded submission waits for its record

    def __init__(self):
        self.items, self.since = [], 0.0

    def add(self, submission, result, notebook):
        if not self.items:
            self.since = time.monotonic()
        self.items.append((submission, result, notebook))

    def due(self):
        return len(self.items) >= self.MOST or time.monotonic() - self.since >= self.SECONDS

    def take(self):
        items, self.items = self.items, []
        return items


def _record(gb, course, recorder, release, items, claims, done, progress):
    """Record ``items`` in one transaction and put their autograded notebooks in place; release their claims.

    Returns how many were recorded.

    Each student is still all or nothing: a transaction lost halfway records
    none of them (their notebooks, written beside their places before it, are
    moved in only after the commit, so the next run grades them again), and
    one that fails alone is left out (see :meth:`Recorder.record_many`).
    """
    if not items:
        return 0
    failed, written, recording = {}, {}, []
    try:
        for submission, result, notebook in items:
            try:  # written beside its place first: after the commit, only renames are left
                written[submission.student] = prepare_autograded(course, submission, notebook, result)
                recording.append((submission, result, unanswered(notebook, release)))
            except Exception as error:  # noqa: BLE001 -- this student's notebook; the others go on
                failed[submission.student] = error
        aside = recorder.not_counted(gb, [(s, r) for s, r, _ in recording])  # the resubmission policy's
        failed.update(recorder.record_many(gb, [item for item in recording if item[0].student not in aside]))
        for submission, result, _ in items:
            error = failed.get(submission.student)
            if error is None and submission.student in aside:
                tmp, _ = written.pop(submission.student)
                keep_aside(tmp, course, submission.student, aside[submission.student])
                progress.write(lambda stream, s=submission.student, score=result.score: stream.write(
                    "{}: resubmission graded ({:g}) but not counted ({}): the gradebook keeps the grade it had\n"
                    .format(s, score, policy(course))))
            elif error is None:
                try:
                    os.replace(*written.pop(submission.student))  # after the record: see regrading
                except OSError as failure:
                    error = failure
            if error is not None:
                if not is_disk_full(error):  # a full disk is said once per student below, without a traceback
                    log.error("recording %s failed", submission.student, exc_info=error)
                done[submission.student] = Unfinished("could not be recorded: {}".format(
                    disk_full_message(error) if is_disk_full(error) else "{}: {}".format(
                        type(error).__name__, str(error).splitlines()[0][:200] if str(error) else "")))
            else:
                if result.error:
                    done[submission.student] = result.error
                if result.seal is not None:  # a machine of the cluster may allow less than this one
                    progress.write(lambda stream, seal=result.seal: warn_about(seal, stream))
        return len(items) - len(failed)
    finally:
        for tmp, _ in written.values():  # not recorded: never put in place
            tmp.unlink(missing_ok=True)
        for submission, _, _ in items:
            claims.release(submission.student)


def grading_workers(course, limits, workers, scheduler, start_method="fork"):
    """Where the course's submissions are graded: ``scheduler``'s Dask workers, else ``workers`` local processes.

    ``course``: a :class:`~..base.course.Course`, whose lab the workers get. ``start_method``: fork where no
    other thread runs (a CLI), spawn in a server.
    """
    if scheduler:
        from ...workers.dask_cluster import DaskWorkers

        return DaskWorkers(scheduler, course.lab, limits, certificates_folder(course))
    from ...workers.local import LocalWorkers

    return LocalWorkers(course.lab, limits, workers, start_method=start_method)


def _claimed(todo, claims, gb, course, force):
    """The submissions of ``todo`` this run claims, each still in need of grading once claimed."""
    for submission in todo:
        if not claims.claim(submission.student):
            continue  # another run is grading this student
        if force or needs_grading(gb, course, submission):
            yield submission
        else:
            claims.release(submission.student)


class Progress:
    """tqdm's bar on a terminal; elsewhere (a CI log) a plain line per step, at most :attr:`LINES` in all."""

    LINES = 100

    def __init__(self, total, stream=sys.stderr, unit="nb", done="graded {} submission(s)"):
        from tqdm import tqdm

        self.total, self.count, self.stream, self.done = total, 0, stream, done
        self.started = time.monotonic()
        self.bar = tqdm(total=total, file=stream, unit=unit, dynamic_ncols=True) if stream.isatty() else None

    def step(self, student, result):
        self.advance(1, "{}: {}".format(student, "ошибка" if result.error else "{:g}".format(result.score)))

    def advance(self, count, note=""):
        """``count`` more done; ``note`` says what was done last."""
        self.count += count
        every = max(1, self.total // self.LINES)
        if self.bar is not None:
            self.bar.set_postfix_str(note, refresh=False)
            self.bar.update(count)
        elif self.count >= self.total or self.count // every > (self.count - count) // every:
            self.stream.write("[{:>{w}}/{}] {:3.0f}%  {:.1f} s  {}\n".format(
                self.count, self.total, 100 * self.count / max(self.total, 1), time.monotonic() - self.started,
                note, w=len(str(self.total))))
            self.stream.flush()

    def write(self, say):
        """``say(stream)`` prints above the bar, not through it."""
        if self.bar is None:
            say(self.stream)
        else:
            with self.bar.external_write_mode(file=self.stream):
                say(self.stream)

    def finish(self):
        if self.bar is not None:
            self.bar.close()
        self.stream.write((self.done + " in {:.1f} s\n").format(self.count, time.monotonic() - self.started))
