"""Grading on this machine: a pool of trusted grading processes, each with a zygote of its own.

Processes rather than threads, so judging in parallel is not serialised by one
interpreter lock; each process dies with the grader (parent-death signal), and
its zygote with it.
"""

import atexit
import logging
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool

from ..checks.results import SubmissionResult
from ..sandbox.engine import prepare, read_and_grade
from ..sandbox.lifeline import die_with_parent
from ..sandbox.zygote import Zygote
from .window import windowed


class LocalWorkers:
    """``workers`` grading processes; :meth:`grade` yields (submission, result, notebook or None).

    ``submissions`` is any iterable of objects with ``notebook`` and ``inside``
    paths; a live queue may yield None (nothing now): (None, None, None) comes
    back then, while nothing is in flight.
    """

    def __init__(self, lab, limits, workers=2, start_method="fork"):
        """``start_method``: fork where no other thread runs (a CLI), spawn in a server."""
        self.limits, self.workers, self._lab = limits, max(1, workers), lab
        self._context = multiprocessing.get_context(start_method)
        # Made here once, just before the first grading process is forked, every one of them has the cases.
        self._prepare = start_method == "fork" and self.workers > 1
        self._pool = self._new_pool()

    def _new_pool(self):
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_start_grading_process, initargs=(self._lab, os.getpid()))

    def grade(self, submissions):
        """Results as they come; whatever happens to one submission, it gets a result and the rest go on."""
        def first_done(futures):
            return wait(futures, timeout=0.2, return_when=FIRST_COMPLETED).done

        for submission, future in windowed(submissions, self._submit, first_done, 4 * self.workers):
            if future is None:
                yield None, None, None  # an idle tick of a live queue
                continue
            yield (submission,) + self._outcome(submission, future)

    def _outcome(self, submission, future, again=True):
        """(result, notebook) of a finished future: a grading process that died is replaced, its work graded once more."""
        try:
            return future.result()
        except BrokenProcessPool:
            if not again:
                return SubmissionResult(error="процесс проверки дважды аварийно завершился на этой работе"), None
            return self._outcome(submission, self._submit(submission), again=False)
        except Exception as error:  # a fault of the grader's own, on this submission only
            logging.getLogger("grader.workers").exception("grading %s failed", submission.notebook)
            return SubmissionResult(error="проверка не удалась: внутренняя ошибка ({})".format(
                type(error).__name__), unfinished=True), None

    def _submit(self, submission):
        """Grade ``submission`` in the pool, first replacing a pool one of whose processes died."""
        if self._prepare:  # the pool forks its processes on the first submissions: a run with none makes nothing
            self._prepare = False
            prepare()
        try:
            return self._pool.submit(_grade, str(submission.notebook), str(submission.inside), self.limits)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            return self._pool.submit(_grade, str(submission.notebook), str(submission.inside), self.limits)

    def close(self):
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# The zygote of this grading process (one per process, started by the pool's initializer).
_ZYGOTE = None


def _start_grading_process(lab, parent_pid):
    global _ZYGOTE
    die_with_parent(parent_pid)
    _ZYGOTE = Zygote(lab)
    atexit.register(_ZYGOTE.close)


def _grade(path, inside, limits):
    return read_and_grade(path, _ZYGOTE, limits, inside)
