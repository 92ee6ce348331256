"""Grading on this machine: a pool of trusted grading processes, each with a zygote of its own.

Processes rather than threads, so judging in parallel is not serialised by one
interpreter lock; each process dies with the grader (parent-death signal), and
its zygote with it.

A pool that cannot be started -- this user may start no more processes or
threads (``ulimit -u``), or the memory is gone -- raises
:class:`~.errors.WorkersUnavailable` at once: the pool's forks, its manager
thread and its queue's feeder thread can each be refused, and a pool missing
one of them would leave the batch waiting for results that never come.
"""

import atexit
import logging
import multiprocessing
import os
import threading
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool, _ExecutorManagerThread

from ..checks.results import SubmissionResult
from ..sandbox.engine import prepare, read_and_grade
from ..sandbox.lifeline import die_with_parent
from ..sandbox.zygote import Zygote
from .errors import WorkersUnavailable
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
        self._threads = _PoolThreads()  # until close: see _stalled

    def _new_pool(self):
        return ProcessPoolExecutor(max_workers=self.workers, mp_context=self._context,
                                   initializer=_start_grading_process, initargs=(self._lab, os.getpid()))

    def grade(self, submissions):
        """Results as they come; whatever happens to one submission, it gets a result and the rest go on."""
        def first_done(futures):
            stalled = self._stalled()  # asked first: a pool that broke marks its futures before its thread ends
            done = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED).done
            if stalled and not done:
                self._abandon()
                raise WorkersUnavailable(_unavailable(self._threads.failure))
            return done

        for submission, future in windowed(submissions, self._submit, first_done, 4 * self.workers):
            if future is None:
                yield None, None, None  # an idle tick of a live queue
                continue
            yield (submission,) + self._outcome(submission, future)

    def _outcome(self, submission, future):
        """(result, notebook) of a finished future.

        A grading process that died breaks the whole pool: every submission then in flight comes back
        broken, though at most one of them was being graded by the process that died. Each is graded once
        more alone, in a process of its own (:meth:`_alone`), so a submission that kills its grading
        process again takes no other down with it, and the one it kills is never a grade.
        """
        try:
            return future.result()
        except BrokenProcessPool:
            return self._alone(submission)
        except Exception as error:  # a fault of the grader's own, on this submission only
            return _internal_error(submission, error)

    def _alone(self, submission):
        """Grade ``submission`` in a pool of one process, with nothing else in flight beside it.

        Its process dying again is the grader's failure as far as anyone can tell (the machine's memory
        killer, or a fault this work sets off in the grader): unfinished, never recorded as a grade, graded
        again later (by the next run; by the service after its pause).
        """
        pool = None
        try:
            pool = ProcessPoolExecutor(max_workers=1, mp_context=self._context,
                                       initializer=_start_grading_process, initargs=(self._lab, os.getpid()))
            future = pool.submit(_grade, str(submission.notebook), str(submission.inside), self.limits)
        except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"
            if pool is not None:
                _stop(pool)
            raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None
        while not wait([future], timeout=0.2).done:
            if _pool_stalled(pool):
                _stop(pool)
                raise WorkersUnavailable(_unavailable(self._threads.failure))
        pool.shutdown(wait=False)
        try:
            return future.result()
        except BrokenProcessPool:
            return SubmissionResult(error="процесс проверки аварийно завершился на этой работе дважды, во второй "
                                          "раз проверяя только её", unfinished=True, died_alone=True), None
        except Exception as error:  # a fault of the grader's own
            return _internal_error(submission, error)

    def _submit(self, submission):
        """Grade ``submission`` in the pool, first replacing a pool one of whose processes died."""
        if self._prepare:  # the pool forks its processes on the first submissions: a run with none makes nothing
            self._prepare = False
            prepare()
        try:
            return self._started(submission)
        except BrokenProcessPool:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new_pool()
            try:
                return self._started(submission)
            except BrokenProcessPool as error:  # a new pool broken at once: its processes cannot start
                self._abandon()
                raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None

    def _started(self, submission):
        """The pool's future for ``submission``: a submit may fork the pool's processes and start its thread."""
        try:
            return self._pool.submit(_grade, str(submission.notebook), str(submission.inside), self.limits)
        except BrokenProcessPool:  # a RuntimeError too, but one of its processes died: the caller replaces the pool
            raise
        except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"
            self._abandon()
            raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None

    def _stalled(self):
        """Whether the pool's manager thread has ended while the pool is open: nothing would finish then.

        The thread dies when it cannot start the feeder thread of its call queue; the pool is not marked
        broken then, so only the thread itself tells (the standard library keeps it as a private attribute).
        """
        return _pool_stalled(self._pool)

    def _abandon(self):
        """Stop a pool that cannot work: kill the processes it forked (they would wait for work forever, and
        the interpreter's exit waits for them), never wait for its thread (it may never have started)."""
        _stop(self._pool)
        self._pool = None

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._threads.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def process_map(function, items, workers):
    """``function(item)`` of each of ``items``, in order, from a pool of ``workers`` processes forked from this one.

    For trusted work on many files (fingerprinting a class): a pool that cannot be started, whose thread
    ends, or one of whose processes dies raises :class:`~.errors.WorkersUnavailable` -- the standard
    library's ``map`` would wait forever for the results of a pool missing its thread.
    """
    pool, futures, threads = None, [], _PoolThreads()
    try:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                   initializer=die_with_parent, initargs=(os.getpid(),))
        futures = [pool.submit(function, item) for item in items]
    except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"; a process died
        if pool is not None:
            _stop(pool)
        threads.close()
        raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None
    finished = False
    try:
        for future in futures:
            while not wait([future], timeout=0.2).done:
                if _pool_stalled(pool):
                    raise WorkersUnavailable(_unavailable(threads.failure))
            try:
                yield future.result()
            except BrokenProcessPool as error:
                raise WorkersUnavailable(_unavailable("a process of the pool died: {}".format(error))) from None
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # stopped early, or failed: nothing more of it is wanted
            _stop(pool)
        threads.close()


class _PoolThreads:
    """``threading.excepthook`` until :meth:`close`: the failure of a process pool's manager thread is kept for
    the error raised (:attr:`failure`), not printed as a traceback; any other thread's goes to the hook there was.

    The thread dies when it cannot start its call queue's feeder thread, and the pool waits forever then.
    """

    def __init__(self):
        self.failure, self._other = "the process pool's thread ended", threading.excepthook
        threading.excepthook = self._hook

    def _hook(self, args):
        if isinstance(args.thread, _ExecutorManagerThread):
            self.failure = "{}: {}".format(args.exc_type.__name__, args.exc_value)
        else:
            self._other(args)

    def close(self):
        if threading.excepthook == self._hook:
            threading.excepthook = self._other


def _internal_error(submission, error):
    logging.getLogger("grader.workers").exception("grading %s failed", submission.notebook)
    return SubmissionResult(error="проверка не удалась: внутренняя ошибка ({})".format(type(error).__name__),
                            unfinished=True), None


def _manager_thread(pool):
    return getattr(pool, "_executor_manager_thread", None)


def _pool_stalled(pool):
    """Whether ``pool``'s manager thread started and has ended (see :meth:`LocalWorkers._stalled`)."""
    thread = _manager_thread(pool)
    return thread is not None and thread.ident is not None and not thread.is_alive()


def _stop(pool):
    """Shut ``pool`` down and kill the processes it forked, without waiting for its thread."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
        process.join()


def _unavailable(reason):
    return ("cannot start this machine's grading processes ({}): this user may start no more processes or "
            "threads (`ulimit -u`, RLIMIT_NPROC), or memory is short; nothing more was graded now".format(reason))


# The zygote of this grading process (one per process, started by the pool's initializer).
_ZYGOTE = None


def _start_grading_process(lab, parent_pid):
    global _ZYGOTE
    die_with_parent(parent_pid)
    _ZYGOTE = Zygote(lab)
    atexit.register(_ZYGOTE.close)


def _grade(path, inside, limits):
    return read_and_grade(path, _ZYGOTE, limits, inside)
