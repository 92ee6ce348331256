"""Uploads are parsed in processes of their own, a few at a time, each under a memory cap.

Parsing a notebook's JSON costs many times its size in Python objects (a
19.5 MB file of tiny output lines took over 500 MB) and holds the GIL the
whole time, so in the web server's own process a few such uploads stall every
other request. Here the body never is in the server's memory at all: it was
streamed to a file (:mod:`.app`), and a pool of ``workers`` processes, each
with its address space capped at ``memory_bytes``, reads it. A file too
costly to parse is refused with a reason, the server goes on; a parsing
process that dies is replaced, the uploads then in flight parsed again each
alone (one that kills that process too is refused as too costly, no other
with it), and none outlives the server.
"""

import asyncio
import multiprocessing
import os
import resource
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ..sandbox.lifeline import die_with_parent
from ..workers.local import pool_stalled, stop_pool

TOO_COSTLY = ("файл не принят: разобрать его стоит слишком много памяти (в нём очень много мелких частей, "
              "обычно это выводы ячеек: очистите их, Kernel → Restart & Clear Output, и отправьте снова)")


class ParsingUnavailable(Exception):
    """This machine's parsing processes cannot be had now (``ulimit -u``, memory): the upload is not judged."""


class Parser:
    """``await parser.check(path)``: (sha256, None) for this lab's notebook, else (sha256, Russian reason).

    Raises :class:`ParsingUnavailable` when its processes or their threads cannot be started.
    """

    def __init__(self, workers=2, memory_bytes=512 * 2 ** 20):
        self.workers, self.memory_bytes = max(1, workers), memory_bytes
        self._pool = None  # made for the first upload (its queues start a process: see _new_pool)
        self._alone_at_once = asyncio.Semaphore(self.workers)  # after a break: no more processes than before

    def _new_pool(self, workers=None):
        # spawn: the server has threads (the grading loop), which a fork would copy half-way
        try:
            return ProcessPoolExecutor(max_workers=workers or self.workers,
                                       mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_start_parsing_process, initargs=(self.memory_bytes, os.getpid()))
        except (OSError, RuntimeError) as error:  # its queues' locks may start multiprocessing's resource tracker
            raise ParsingUnavailable("{}: {}".format(type(error).__name__, error)) from None

    async def check(self, path, inside):
        if self._pool is None:
            self._pool = self._new_pool()
        pool = self._pool
        try:
            return await _parsed(pool, path, inside)
        except BrokenProcessPool:  # one of its processes was killed (the OOM killer, say): a new pool
            self._replace(pool)
            return await self._alone(path, inside)
        except ParsingUnavailable:  # the next upload tries a new pool
            self._replace(pool)
            raise

    def _replace(self, pool):
        """Stop ``pool``, broken or stalled: the next upload makes a new one."""
        if pool is self._pool:
            self._pool = None
            stop_pool(pool)

    async def _alone(self, path, inside):
        """Parse once more in a process of its own: every upload in flight comes back from a broken pool,
        and only one that kills a process parsing nothing else is refused as too costly."""
        async with self._alone_at_once:
            pool = self._new_pool(workers=1)
            try:
                return await _parsed(pool, path, inside)
            except BrokenProcessPool:
                return "", TOO_COSTLY
            finally:
                stop_pool(pool)

    def close(self):
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


async def _parsed(pool, path, inside):
    """What :func:`_check` returns for ``path``, parsed in ``pool``; a pool that cannot start or whose thread
    ended raises :class:`ParsingUnavailable` (its future would never finish)."""
    try:
        future = asyncio.wrap_future(pool.submit(_check, str(path), str(inside)))
    except BrokenProcessPool:
        raise
    except (OSError, RuntimeError) as error:  # EAGAIN, ENOMEM; "can't start new thread"
        raise ParsingUnavailable("{}: {}".format(type(error).__name__, error)) from None
    while not (await asyncio.wait([future], timeout=0.5))[0]:
        if pool_stalled(pool):
            raise ParsingUnavailable("the parsing pool's thread ended")
    if future.cancelled():  # its pool was stopped for another upload's sake
        raise ParsingUnavailable("the parsing pool was stopped")
    return future.result()


def _start_parsing_process(memory_bytes, parent_pid):
    """Die with the server (SIGKILL included), and parse within ``memory_bytes``."""
    die_with_parent(parent_pid)
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))


def _check(path, inside):
    """In a parsing process: what :meth:`Parser.check` returns, never an exception."""
    from ..course.base.layout import ASSIGNMENT
    from ..submission.answers import answer_cells
    from ..submission.reading import Unreadable, read_notebook

    try:
        notebook = read_notebook(path, inside)
        cells = answer_cells(notebook.cells)
    except Unreadable as reason:
        return reason.sha256, "файл не принят: {}".format(reason)
    except MemoryError:
        return "", TOO_COSTLY
    if not cells.by_function and not any(str(c.nbgrader.get("grade_id", "")).startswith("test_")
                                         for c in notebook.cells):
        return notebook.sha256, "это не ноутбук лабораторной {}: в нём нет ни одной ячейки с заданием".format(
            ASSIGNMENT)
    return notebook.sha256, None
