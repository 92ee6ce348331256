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
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from weakref import WeakSet

from ..checks.results import SubmissionResult
from ..sandbox.engine import prepare, read_and_grade
from ..sandbox.lifeline import die_with_parent
from ..sandbox.zygote import Zygote
from .errors import WorkersUnavailable


class LocalWorkers:
    """``workers`` grading processes; :meth:`grade` yields (submission, result, notebook or None).

    ``submissions`` is any iterable of objects with ``notebook`` and ``inside``
    paths; a live queue may yield None (nothing now): (None, None, None) comes
    back then, while nothing is in flight.

    A grading process that dies breaks the whole pool: every submission then in
    flight (running or queued) comes back broken, though one process was grading
    one of them. Each is graded again alone, in a pool of one process of its own
    (:class:`_Lone`, at most ``workers`` of them at once), so one work that kills
    its grading process again takes no other down with it; the one it kills is
    unfinished, ``died_alone`` -- never recorded as a grade.
    """

    def __init__(self, lab, limits, workers=2, start_method="fork"):
        """``start_method``: fork where no other thread runs (a CLI), spawn in a server."""
        self.limits, self.workers, self._lab = limits, max(1, workers), lab
        self._context = multiprocessing.get_context(start_method)
        # Made here once, just before the first grading process is forked, every one of them has the cases.
        self._prepare = start_method == "fork" and self.workers > 1
        self._threads = _PoolThreads()  # until close: its pools' thread failures, for the error raised
        self._pool = self._new_pool()
        self._lone = {}  # future: _Lone, graded again alone after a break

    def _new_pool(self, workers=None):
        return self._threads.watch(ProcessPoolExecutor(
            max_workers=workers or self.workers, mp_context=self._context,
            initializer=_start_grading_process, initargs=(self._lab, os.getpid())))

    def grade(self, submissions):
        """Results as they come; whatever happens to one submission, it gets a result and the rest go on."""
        queue, exhausted, shared, broken = iter(submissions), False, {}, deque()
        while True:
            while not exhausted and len(shared) < 4 * self.workers:
                item = next(queue, _END)
                if item is _END:
                    exhausted = True
                elif item is None:  # a live queue with nothing now
                    break
                else:
                    shared[self._submit(item)] = item
            while broken and len(self._lone) < self.workers:
                lone = self._alone(broken.popleft())
                self._lone[lone.future] = lone
            if not shared and not self._lone:
                if exhausted:
                    return
                yield None, None, None  # an idle tick of a live queue
                continue
            for future in self._first_done(list(shared) + list(self._lone)):
                if future in self._lone:
                    lone = self._lone.pop(future)
                    yield (lone.submission,) + lone.outcome()
                    continue
                submission = shared.pop(future)
                try:
                    yield (submission,) + future.result()
                except BrokenProcessPool:
                    broken.append(submission)
                except Exception as error:  # a fault of the grader's own, on this submission only
                    yield (submission,) + _internal_error(submission, error)

    def _first_done(self, futures):
        """Those of ``futures`` done within a moment; a pool whose thread ended stops the run (nothing would end)."""
        stalled = [pool for pool in [self._pool] + [lone.pool for lone in self._lone.values()]
                   if pool_stalled(pool)]  # asked first: a pool that broke marks its futures before its thread ends
        done = wait(futures, timeout=0.2, return_when=FIRST_COMPLETED).done
        if stalled and not done:
            self._abandon()
            raise WorkersUnavailable(_unavailable(self._threads.failure))
        return done

    def _alone(self, submission):
        """A :class:`_Lone` grading ``submission`` in a pool of one process: first a call that proves the process
        and its zygote started (its failing is the machine's), then the grading."""
        pool = None
        try:
            pool = self._new_pool(workers=1)
            ready = pool.submit(_ready)
            return _Lone(submission, pool, ready, pool.submit(_grade, str(submission.notebook),
                                                              str(submission.inside), self.limits))
        except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"
            if pool is not None:
                stop_pool(pool)
            self._abandon()
            raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None

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

    def _abandon(self):
        """Stop pools that cannot work: kill the processes they forked (they would wait for work forever, and
        the interpreter's exit waits for them), never wait for their threads (they may never have started)."""
        for pool in [self._pool] + [lone.pool for lone in self._lone.values()]:
            if pool is not None:
                stop_pool(pool)
        self._pool, self._lone = None, {}

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        for lone in self._lone.values():
            stop_pool(lone.pool)
        self._threads.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


@dataclass
class _Lone:
    """A submission a broken pool gave back, graded again in ``pool``, of one process, after ``ready``."""
    submission: object
    pool: ProcessPoolExecutor
    ready: Future
    future: Future

    def outcome(self):
        """(result, notebook): its process dying on it is ``died_alone`` once the process had started."""
        self.pool.shutdown(wait=True)  # idle or dead: no thread of it outlives this, before the next fork
        try:
            return self.future.result()
        except BrokenProcessPool:
            if self.ready.exception() is not None:  # the process or its zygote never started: the machine's
                return SubmissionResult(error="процесс проверки не запустился: {}".format(
                    type(self.ready.exception()).__name__), unfinished=True), None
            return SubmissionResult(error="процесс проверки аварийно завершился на этой работе дважды, во второй "
                                          "раз проверяя только её", unfinished=True, died_alone=True), None
        except Exception as error:  # a fault of the grader's own
            return _internal_error(self.submission, error)


def process_map(function, items, workers):
    """``function(item)`` of each of ``items``, in order, from a pool of ``workers`` processes forked from this one.

    For trusted work on many files (fingerprinting a class): a pool that cannot be started, whose thread
    ends, or one of whose processes dies raises :class:`~.errors.WorkersUnavailable` -- the standard
    library's ``map`` would wait forever for the results of a pool missing its thread.
    """
    pool, futures, threads = None, [], _PoolThreads()
    try:
        pool = threads.watch(ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"),
                                                 initializer=die_with_parent, initargs=(os.getpid(),)))
        futures = [pool.submit(function, item) for item in items]
    except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"; a process died
        if pool is not None:
            stop_pool(pool)
        threads.close()
        raise WorkersUnavailable(_unavailable("{}: {}".format(type(error).__name__, error))) from None
    finished = False
    try:
        for future in futures:
            while not wait([future], timeout=0.2).done:
                if pool_stalled(pool):
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
            stop_pool(pool)
        threads.close()


class _PoolThreads:
    """``threading.excepthook`` until :meth:`close`: the failure of a watched process pool's manager thread is kept
    for the error raised (:attr:`failure`), not printed as a traceback; any other thread's goes to the hook there was.

    The thread dies when it cannot start its call queue's feeder thread, and the pool waits forever then.
    """

    def __init__(self):
        self.failure, self._other, self._pools = "the process pool's thread ended", threading.excepthook, WeakSet()
        threading.excepthook = self._hook

    def watch(self, pool):
        """Keep the failure of ``pool``'s thread (a pool of someone else's goes to the hook there was); ``pool``."""
        self._pools.add(pool)
        return pool

    def _hook(self, args):
        if args.thread is not None and any(args.thread is _manager_thread(pool) for pool in list(self._pools)):
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


def pool_stalled(pool):
    """Whether ``pool``'s manager thread started and has ended though the pool did not break: nothing would finish.

    The thread dies when it cannot start the feeder thread of its call queue; the pool is not marked broken
    then, so only the thread itself tells (the standard library keeps both as private attributes). A pool
    that broke ends its thread too, having marked every future of its broken.
    """
    thread = _manager_thread(pool)
    return thread is not None and thread.ident is not None and not thread.is_alive() and \
        not getattr(pool, "_broken", False)


def stop_pool(pool):
    """Shut ``pool`` down and kill the processes it forked, without waiting for its thread."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.kill()
        process.join()


def _unavailable(reason):
    return ("cannot start this machine's grading processes ({}): this user may start no more processes or "
            "threads (`ulimit -u`, RLIMIT_NPROC), or memory is short; nothing more was graded now".format(reason))


_END = object()

# The zygote of this grading process (one per process, started by the pool's initializer).
_ZYGOTE = None


def _start_grading_process(lab, parent_pid):
    global _ZYGOTE
    die_with_parent(parent_pid)
    _ZYGOTE = Zygote(lab)
    atexit.register(_ZYGOTE.close)


def _ready():
    """Nothing: done once the grading process and its zygote have started."""
    return True


def _grade(path, inside, limits):
    return read_and_grade(path, _ZYGOTE, limits, inside)
