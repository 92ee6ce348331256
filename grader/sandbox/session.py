"""The parent's side of the sealed worker: a zygote, and one session per submission.

A :class:`Session` runs a submission's answer cells in a forked, limited child
and asks it for one call at a time. Every wait has a deadline; a child that
overruns it, dies or garbles the protocol is killed, and the session starts a
fresh child (re-running the cells that did finish), so a runaway function
costs only that function.
"""

import os
import shutil
import signal
import socket
import tempfile
import time
from dataclasses import dataclass

import numpy as np

from ..checks.reference import call_reference
from ..plain import codec, framing as wire
from ..plain.calls import describe_error
from .zygote import Crashed, Timeout, Zygote  # noqa: F401 -- re-exported for callers


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the sealed worker."""

    cell_seconds: float = 10.0      # wall time of one answer cell
    function_seconds: float = 10.0  # wall time of all calls of one graded function
    cpu_seconds: int = 60           # CPU time of one child process
    memory_mb: int = 1024           # address space of one child process
    file_mb: int = 16               # largest file a child may write (in its throwaway dir)


class Session:
    """One submission's answer cells, run in a sealed child; restarted after a kill."""

    def __init__(self, zygote, cells, limits, imports=()):
        self.zygote, self.cells, self.limits, self.imports = zygote, list(cells), limits, tuple(imports)
        self.cell_errors = {}   # index -> error text of cells that raised or timed out
        self.import_errors = []  # lab imports that failed in the child (a broken installation)
        self._skip = set()      # cells that timed out or crashed: never run again
        self._pid = self._sock = None
        self._workdir = None
        self.sealed_by_chroot = False

    # -- lifecycle ---------------------------------------------------------
    def _start(self):
        self._workdir = tempfile.mkdtemp(prefix="grader-")
        os.chmod(self._workdir, 0o777)
        self._pid, self._sock = self.zygote.spawn(self._workdir, self.limits, self.imports)
        self._set_mark()
        hello = self._receive(time.monotonic() + 10)
        if hello.get("error"):
            raise Crashed("не удалось запустить проверку: " + hello["error"])
        self.sealed_by_chroot = bool(hello.get("chroot"))
        self.import_errors = [str(e) for e in hello.get("import_errors") or []]
        pending = [(i, source) for i, source in enumerate(self.cells) if i not in self._skip]
        wire.send(self._sock, {"op": "exec", "cells": pending})
        for index, _ in pending:
            self._set_mark()
            try:
                reply = self._receive(time.monotonic() + self.limits.cell_seconds)
            except (Timeout, Crashed) as failure:
                self._skip.add(index)
                self.cell_errors[index] = describe_failure(failure, "ячейка")
                self._kill()
                return self._start()
            if reply.get("index") != index:
                raise Crashed("нарушен протокол проверки")
            if reply.get("error"):
                self.cell_errors[index] = str(reply["error"])

    def _kill(self):
        if self._pid:
            try:
                os.killpg(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            except PermissionError:
                os.kill(self._pid, signal.SIGKILL)
        if self._sock:
            self._sock.close()
        if self._workdir:
            shutil.rmtree(self._workdir, ignore_errors=True)
        self._pid = self._sock = self._workdir = None

    def close(self):
        self._kill()

    # -- protocol ------------------------------------------------------------
    def _receive(self, deadline):
        """The child's next message; :class:`Timeout` once ``deadline`` has passed.

        A child starved of CPU by a loaded machine (it used less than half of
        its wall time on the CPU) gets extra time, up to two more helpings, so
        a busy grading server does not fail honest code.
        """
        started, cpu_started, extensions = self._mark
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                waited = time.monotonic() - started
                if extensions < 2 and waited > 0 and self._cpu_seconds() - cpu_started < waited / 2:
                    deadline = time.monotonic() + waited
                    started, cpu_started, extensions = time.monotonic(), self._cpu_seconds(), extensions + 1
                    self._mark = (started, cpu_started, extensions)
                    continue
                raise Timeout()
            self._sock.settimeout(remaining)
            try:
                return wire.recv(self._sock)
            except socket.timeout:
                continue
            except (wire.WireError, OSError) as error:
                raise Crashed(str(error)) from None

    def _set_mark(self):
        """Start the clocks of one wait: wall time, the child's CPU time, no extensions yet."""
        self._mark = (time.monotonic(), self._cpu_seconds(), 0)

    def _cpu_seconds(self):
        """CPU time the child has used (0 when it cannot be read)."""
        try:
            with open("/proc/{}/stat".format(self._pid)) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, TypeError):
            return 0.0

    def ready(self):
        """Make sure a child is running the submission's cells (after a kill: a new one)."""
        if self._sock is None:
            self._start()

    def call(self, function, cases, helpers, deadline):
        """Run ``function`` on every case in the child; return one outcome message per case.

        Raises :class:`Timeout` or :class:`Crashed` (the child is then gone).
        """
        self.ready()
        self._set_mark()
        try:
            wire.send(self._sock, {"op": "call", "function": function, "helpers": list(helpers),
                                   "cases": [{"args": codec.encode(list(c.args)), "kwargs": codec.encode(c.kwargs)}
                                             for c in cases]})
            while True:
                message = self._receive(deadline)
                if message.get("op") == "helper" and message.get("name") in helpers:
                    wire.send(self._sock, run_helper(message))
                elif message.get("op") == "outcomes" and isinstance(message.get("outcomes"), list) \
                        and len(message["outcomes"]) == len(cases):
                    return message["outcomes"]
                else:
                    raise Crashed("нарушен протокол проверки")
        except (Timeout, Crashed, OSError):
            self._kill()
            raise


def run_helper(message):
    """Answer a worker's helper call with the reference, on plain data only."""
    try:
        args = codec.decode(message["args"])
        kwargs = codec.decode(message["kwargs"])
        if not isinstance(args, list) or not isinstance(kwargs, dict):
            raise TypeError("bad helper call")
        with np.errstate(all="ignore"):
            value = call_reference(message["name"], args, kwargs)
        return {"value": codec.encode(value)}
    except Exception as error:
        return {"error": describe_error(error).split(": ", 1)[-1], "type": type(error).__name__}


def describe_failure(failure, what):
    if isinstance(failure, Timeout):
        return "{}: превышено время выполнения".format(what)
    return "{}: процесс проверки аварийно завершился ({})".format(what, failure or "нет ответа")
