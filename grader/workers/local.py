"""Grading on this machine: a pool of trusted grading processes, each with a zygote of its own.

Processes rather than threads, so judging in parallel is not serialised by one
interpreter lock; each process dies with the grader (parent-death signal), and
its zygote with it.
"""

import atexit
import multiprocessing
import os
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..sandbox.engine import read_and_grade
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
        self.limits, self.workers = limits, max(1, workers)
        context = multiprocessing.get_context(start_method)
        self._pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=context,
                                         initializer=_start_grading_process, initargs=(lab, os.getpid()))

    def grade(self, submissions):
        def submit(submission):
            return self._pool.submit(_grade, str(submission.notebook), str(submission.inside), self.limits)

        def first_done(futures):
            return wait(futures, timeout=0.2, return_when=FIRST_COMPLETED).done

        for submission, future in windowed(submissions, submit, first_done, 4 * self.workers):
            if future is None:
                yield None, None, None  # an idle tick of a live queue
                continue
            result, notebook = future.result()
            yield submission, result, notebook

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
