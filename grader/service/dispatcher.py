"""The grading loop behind the server: the queue in the database, the workers, the gradebook.

One thread claims queued submissions (round-robin over students, a
student's one at a time, oldest first: see :func:`.store.claim_next`),
hands them to the workers -- this machine's process pool or a Dask
cluster, student code sealed either way -- and records each result as
``grader autograde`` would: the notebook becomes the student's
``submitted/`` one with its time, the grades and verdicts go into the
gradebook and the submission is marked done in that same transaction, then
the autograded notebook is written. A result the workers lost goes back to
the queue. Nothing here runs in the web server's threads.
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
MAX_ATTEMPTS = 2  # a submission whose grading was lost this often (a crash, a restart) is not tried again


class Job:
    """A claimed submission, as the workers see one: where its notebook is, whose it is."""

    def __init__(self, row, uploads):
        self.id, self.student, self.submitted_at, self.attempts = row.id, row.student, row.submitted_at, row.attempts
        self.notebook = Path(uploads) / (row.id + ".ipynb")
        self.inside = Path(uploads)


class Dispatcher:
    def __init__(self, course, engine, uploads, limits, workers=2, scheduler=None, keep_days=30.0):
        self.course, self.engine, self.uploads = course, engine, Path(uploads)  # course: a Course
        self.limits, self.workers, self.scheduler = limits, workers, scheduler
        self.keep_days, self._swept = keep_days, 0.0
        self._wake, self._stop = threading.Event(), threading.Event()
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
                    except Exception as error:  # this submission only: on record as ungradable, the loop goes on
                        log.exception("could not finish %s", job.id)
                        self._give_up(gb, recorder, release, job, "проверка не удалась: {}".format(
                            type(error).__name__))
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
        """Claimed submissions for the workers; None when there is nothing to start now.

        One whose grading was already lost :data:`MAX_ATTEMPTS` times (the
        server died on it, say) is recorded as ungradable instead of being
        handed out again.
        """
        while not self._stop.is_set():
            row = store.claim_next(self.engine)
            if row is None:
                yield None
                continue
            job = Job(row, self.uploads)
            if job.attempts > MAX_ATTEMPTS:
                self._give_up(gb, recorder, release, job, "проверка этой работы не завершилась {} раза: отправьте "
                                                          "её ещё раз или обратитесь к преподавателю".format(MAX_ATTEMPTS))
                continue
            yield job

    def _give_up(self, gb, recorder, release, job, reason):
        """Record ``job`` as ungradable with ``reason`` (never raises but for the database)."""
        from ..checks.results import SubmissionResult

        try:
            self._finish(gb, recorder, release, job, SubmissionResult(error=reason), None)
        except database_errors():
            raise
        except Exception:
            log.exception("could not record %s as ungradable; it is marked done", job.id)
            store.finish_unrecorded(self.engine, job.id, SubmissionResult(error=reason).to_json())
            self.on_done(job.id)

    def _finish(self, gb, recorder, release, job, result, notebook):
        if result is None or result.unfinished:  # lost, or not gradable now (a loaded machine): again, a few times
            if job.attempts < MAX_ATTEMPTS:
                store.give_back(self.engine, job.id)
                return
            if result is None:
                from ..checks.results import SubmissionResult

                result = SubmissionResult(error="проверка не удалась несколько раз: отправьте работу ещё раз")
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
            log.exception("could not record %s; it stays queued", job.id)
            store.give_back(self.engine, job.id)
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
