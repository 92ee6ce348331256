"""The grading loop behind the server: the queue in the database, the workers, the gradebook.

One thread claims queued submissions (round-robin over students, a
student's one at a time, oldest first: see :func:`.store.claim_next`),
hands them to the workers -- this machine's process pool or a Dask
cluster, student code sealed either way -- and records each result as
``grader autograde`` would: the notebook becomes the student's
``submitted/`` one with its time, the grades and verdicts go into the
gradebook and the submission is marked done in that same transaction, then
the autograded notebook is written. Nothing here runs in the web server's threads.

A failure of the grader's own -- a result the workers lost, a sandbox that
will not start, an internal fault (``result.unfinished``), a result that
could not be recorded -- is never recorded as a grade: the submission is
graded again after a pause that doubles each time (:data:`RETRY_SECONDS`),
the student reads why it waits (Russian, in the API's ``note``), the
instructor a line of the log, and other students' submissions go on meanwhile.
Two exceptions are answered instead, with no grade, as tries would go on forever:
a submission the server died on :data:`MAX_ATTEMPTS` times, and one whose
grading process died on it, grading it alone, as often (``result.died_alone``:
each try breaks the pool of everyone in flight; once may be the machine's).
"""

import datetime
import logging
import os
import shutil
import threading
import time
from pathlib import Path

from ..course.base.layout import ASSIGNMENT, NOTEBOOK, Submission
from ..course.base.stubs import marked, release_answers, unanswered
from ..course.records.gradebook import Recorder, database_errors, open_gradebook
from ..course.steps.autograded import write_autograded
from ..course.steps.batch import grading_workers
from . import store
from .lateness import set_aside

log = logging.getLogger("grader.service")
MAX_ATTEMPTS = 2  # a submission the server itself died on this often (claimed, never finished) is not tried again
RETRY_SECONDS = (2.0, 300.0)  # the first pause before grading again after a fault of the grader's, and the longest
RETRY_NOTE = ("Работа ещё не проверена: проверка не удалась по вине проверяющей системы, а не вашей работы "
              "({}). Она будет проверена повторно автоматически; отправлять её заново не нужно.")
DIED_ALONE = ("Работа не проверена: процесс проверки {} раза аварийно завершился на ней, проверяя только её. "
              "Оценка не выставлена; преподаватель видит это в журнале сервера. Отправьте работу ещё раз или "
              "обратитесь к преподавателю.")
SERVER_DIED = ("Работа не проверена: сервер проверки {} раза прервался на ней. Оценка не выставлена; "
               "преподаватель видит это в журнале сервера. Отправьте работу ещё раз или обратитесь к преподавателю.")


class Job:
    """A claimed submission, as the workers see one: where its notebook is, whose it is."""

    def __init__(self, row, uploads):
        self.id, self.student, self.submitted_at, self.attempts = row.id, row.student, row.submitted_at, row.attempts
        self.faults = 0  # the grader's own failures on it in this server's life
        self.died_alone = 0  # of them, its grading process dying on it, grading it alone
        self.notebook = Path(uploads) / (row.id + ".ipynb")
        self.inside = Path(uploads)


class Dispatcher:
    def __init__(self, course, engine, uploads, limits, workers=2, scheduler=None, keep_days=30.0):
        self.course, self.engine, self.uploads = course, engine, Path(uploads)  # course: a Course
        self.limits, self.workers, self.scheduler = limits, workers, scheduler
        self.keep_days, self._swept = keep_days, 0.0
        self._wake, self._stop = threading.Event(), threading.Event()
        self._later = []  # (monotonic time, Job): graded again then, after a fault of the grader's
        self.on_done = lambda submission: None  # the web front's long polls listen here
        self._thread = threading.Thread(target=self._run, name="grader-dispatcher", daemon=True)
        self.failure = None

    def start(self):
        store.requeue_running(self.engine)
        on_disk = {path.stem: path.stat().st_size for path in self.uploads.glob("*.ipynb")} \
            if self.uploads.is_dir() else {}
        for orphan in store.reconcile_uploads(self.engine, on_disk):
            (self.uploads / (orphan + ".ipynb")).unlink(missing_ok=True)
        self._thread.start()

    def wake(self):
        """A submission was queued: look now rather than at the next tick."""
        self._wake.set()

    def stop(self):
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=30)

    def _run(self):
        try:
            with grading_workers(self.course, self.limits, self.workers, self.scheduler,
                                 start_method="spawn") as workers, open_gradebook(self.course) as gb:
                recorder, release = Recorder(self.course), release_answers(self.course)
                for job, result, notebook in workers.grade(self._jobs(gb, recorder, release)):
                    if job is None:
                        self._sweep()
                        self._wake.wait(0.5)
                        self._wake.clear()
                        continue
                    try:
                        self._finish(gb, recorder, release, job, result, notebook)
                    except database_errors():
                        raise
                    except Exception as error:  # this submission only: graded again later, the loop goes on
                        log.exception("could not finish %s", job.id)
                        self._later_again(job, "внутренняя ошибка ({})".format(type(error).__name__))
        except Exception as error:  # the loop must not die silently: the health check shows it
            self.failure = "{}: {}".format(type(error).__name__, error)
            log.exception("the grading loop stopped")

    def _sweep(self, every=60.0):
        """Remove uploads whose verdict is older than ``keep_days`` (each student's latest stays in submitted/)."""
        if time.monotonic() - self._swept < every:
            return
        self._swept = time.monotonic()
        expired = store.expired(self.engine, store.now() - datetime.timedelta(days=self.keep_days))
        for submission in expired:
            (self.uploads / (submission + ".ipynb")).unlink(missing_ok=True)
        store.release(self.engine, expired)

    def _jobs(self, gb, recorder, release):
        """Submissions for the workers: those due again after a fault, else the next claimed; None when there
        is nothing to start now.

        One the server itself died on :data:`MAX_ATTEMPTS` times (claimed,
        never finished: a restart put it back each time) is not handed out
        again: it is marked not graded, and the gradebook is left as it was.
        """
        while not self._stop.is_set():
            if self._later and self._later[0][0] <= time.monotonic():
                yield self._later.pop(0)[1]
                continue
            row = store.claim_next(self.engine)
            if row is None:
                yield None
                continue
            job = Job(row, self.uploads)
            if job.attempts > MAX_ATTEMPTS:
                log.error("submission %s of %s: the server stopped while grading it %d times; marked not graded "
                          "(nothing recorded in the gradebook)", job.id, job.student, MAX_ATTEMPTS)
                self._not_graded(job, SERVER_DIED.format(MAX_ATTEMPTS))
                continue
            yield job

    def _not_graded(self, job, error):
        """Answer ``job`` with ``error`` (Russian) and no grade; the gradebook is left as it was."""
        store.finish_unrecorded(self.engine, job.id, {"score": None, "error": error, "not_graded": True,
                                                      "functions": [], "notes": [], "refused": []})
        self.on_done(job.id)

    def _later_again(self, job, reason):
        """A fault of the grader's own on ``job``: nothing recorded; it stays claimed and is graded again after a
        pause that doubles with each fault, while other students' submissions go on."""
        job.faults += 1
        pause = min(RETRY_SECONDS[0] * 2 ** (job.faults - 1), RETRY_SECONDS[1])
        log.warning("submission %s of %s not graded: the grader failed (%s); nothing recorded, grading it again in "
                    "%g s (fault %d)", job.id, job.student, reason, pause, job.faults)
        store.note_waiting(self.engine, job.id, RETRY_NOTE.format(reason))
        self._later.append((time.monotonic() + pause, job))
        self._later.sort(key=lambda item: item[0])

    def _finish(self, gb, recorder, release, job, result, notebook):
        if result is not None and result.died_alone:  # answered, not tried forever (each try breaks the pool)
            job.died_alone += 1
            if job.died_alone >= MAX_ATTEMPTS:
                log.error("submission %s of %s: its grading process died on it, grading it alone, %d times; marked "
                          "not graded (nothing recorded in the gradebook)", job.id, job.student, job.died_alone)
                self._not_graded(job, DIED_ALONE.format(job.died_alone))
                return
        if result is None or result.unfinished:  # the grader's failure, not the work's: never a grade
            self._later_again(job, "результат проверки потерян" if result is None else result.error)
            return
        blanks = unanswered(notebook, release)
        shown = marked(result, blanks).to_json()  # «нет ответа», as the gradebook's comment says
        if set_aside(gb, recorder, job, result, shown):  # graded, not counted: the gradebook keeps the counted one
            self.on_done(job.id)
            return
        submission = self._into_submitted(job)
        try:
            recorder.record(gb, submission, result, blanks,
                            also=lambda session, counted: store.finish(session, job.id, counted.shown(shown)))
        except database_errors():
            log.exception("could not record %s", job.id)
            self._later_again(job, "оценка не записалась")
            return
        write_autograded(self.course, submission, notebook, result)
        self.on_done(job.id)

    def _into_submitted(self, job):
        """The submission becomes the student's ``submitted/`` one, with its time, as ``nbgrader collect`` does."""
        folder = self.course.root / "submitted" / job.student / ASSIGNMENT
        folder.mkdir(parents=True, exist_ok=True)
        for name, write in ((NOTEBOOK, lambda tmp: shutil.copyfile(job.notebook, tmp)),
                            ("timestamp.txt", lambda tmp: tmp.write_text(
                                job.submitted_at.strftime("%Y-%m-%d %H:%M:%S.%f UTC"), encoding="utf-8"))):
            tmp = folder / (name + ".tmp")
            write(tmp)
            os.replace(tmp, folder / name)
        return Submission(job.student, folder)
