"""The parent's side of the sealed worker: a zygote, and one session per submission.

A :class:`Session` runs a submission's answer cells in a forked, sealed child
and asks it for one call at a time. Every wait has a deadline; a child that
overruns it, dies or garbles the protocol is killed, and the session starts a
fresh child (re-running the cells that did finish), so a runaway function
costs only that function. While it waits, it answers the calls the child's
allowlist refused (:mod:`.supervisor`), so what a submission tried is on record.
"""

import os
import select
import signal
import socket
import time
from dataclasses import dataclass

import numpy as np

from ..checks.reference import call_reference
from ..plain import codec, framing as wire
from ..plain.calls import describe_error
from ..plain.seal import Seal
from .supervisor import Refusals
from .zygote import Crashed, Timeout, Zygote  # noqa: F401 -- re-exported for callers

# A child the allowlist refused this many calls is killed: answering them is the grader's time.
MAX_REFUSALS = 200


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the sealed worker."""

    cell_seconds: float = 10.0      # wall time of one answer cell
    function_seconds: float = 10.0  # wall time of all calls of one graded function
    cpu_seconds: int = 60           # CPU time of one child process
    memory_mb: int = 1024           # address space of one child process
    file_mb: int = 16               # largest file a child may write (its root holds 4 of them)


class Session:
    """One submission's answer cells, run in a sealed child; restarted after a kill."""

    def __init__(self, zygote, cells, limits, imports=()):
        self.zygote, self.cells, self.limits, self.imports = zygote, list(cells), limits, tuple(imports)
        self.cell_errors = {}   # index -> error text of cells that raised or timed out
        self.import_errors = []  # lab imports that failed in the child (a broken installation)
        self._skip = set()      # cells that timed out or crashed: never run again
        self._pid = self._sock = self._listener = None
        self.seal = Seal()      # the layers the last child was sealed with
        self.refusals = Refusals(zygote.refused_names())

    # -- lifecycle ---------------------------------------------------------
    def _start(self):
        self._sock = self.zygote.spawn(self.limits, self.imports)
        deadline = time.monotonic() + 10
        started, self._pid, _ = self._receive_first(deadline)
        if started.get("op") != "started" or not self._pid:
            self._kill()
            raise Crashed("нарушен протокол проверки")
        self._set_mark()
        hello, _, fds = self._receive_first(deadline)
        self._listener, extra = (fds[0], fds[1:]) if fds else (None, [])
        for fd in extra:
            os.close(fd)
        if hello.get("error") or hello.get("op") != "sealed":
            self._kill()
            raise Crashed("не удалось запустить проверку: " + str(hello.get("error") or "нарушен протокол"))
        self.seal = Seal.from_json(hello.get("seal"))
        if self.seal != self.zygote.seal() or (self.seal.has("seccomp") and self._listener is None):
            self._kill()  # never run student code with less of a seal than the zygote announced
            raise Crashed("не удалось запустить проверку: песочница не полная")
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

    def _receive_first(self, deadline):
        """One message of a child still setting up, with its pid and descriptors from the kernel."""
        self._sock.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            return wire.recv_with_ancillary(self._sock)
        except socket.timeout:
            self._kill()
            raise Timeout() from None
        except (wire.WireError, OSError) as error:
            self._kill()
            raise Crashed(str(error)) from None

    def _kill(self):
        if self._pid:
            try:
                os.killpg(self._pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            except PermissionError:
                os.kill(self._pid, signal.SIGKILL)
        for channel in (self._sock, self._listener):
            if channel is not None:
                try:
                    channel.close() if hasattr(channel, "close") else os.close(channel)
                except OSError:
                    pass
        self._pid = self._sock = self._listener = None

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
            if self._listener is not None and not self._wait_readable(remaining):
                continue
            self._sock.settimeout(remaining)
            try:
                return wire.recv(self._sock)
            except socket.timeout:
                continue
            except (wire.WireError, OSError) as error:
                raise Crashed(str(error)) from None

    def _wait_readable(self, seconds):
        """Wait for the child's next message, answering refused calls meanwhile; whether one is there."""
        readable, _, _ = select.select([self._sock, self._listener], [], [], seconds)
        if self._listener in readable:
            if not self.refusals.answer(self._listener):  # the child is gone: its socket says so
                os.close(self._listener)
                self._listener = None
            elif self.refusals.total > MAX_REFUSALS:
                raise Crashed("остановлен: песочница отказала в {} запрещённых вызовах".format(self.refusals.total))
        return self._sock in readable

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
