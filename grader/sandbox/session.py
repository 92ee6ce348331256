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

from ..checks.reference import helper_reply
from ..plain import codec, framing as wire
from ..plain.seal import Seal
from . import protocol
from .supervisor import Refusals
from .zygote import Crashed, Timeout, Zygote  # noqa: F401 -- re-exported for callers

# A child the allowlist refused this many calls is killed: answering them is the grader's time.
MAX_REFUSALS = 200
# The largest message a child may send: a function's outputs on all its cases are a few kilobytes,
# and a value a child may return is at most codec.MAX_ELEMENTS numbers.
MAX_MESSAGE = 2 * 1024 * 1024


class ProtocolViolation(Crashed):
    """A child sent what the protocol does not allow (it has been killed)."""


class OutOfTime(Timeout):
    """The submission used up its whole budget (:attr:`Limits.budget`): nothing more of it runs."""


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the sealed worker."""

    cell_seconds: float = 10.0      # wall time of one answer cell
    function_seconds: float = 10.0  # wall time of all calls of one graded function
    cpu_seconds: int = 60           # CPU time of one child process
    memory_mb: int = 1024           # address space of one child process
    file_mb: int = 16               # largest file a child may write (its root holds 4 of them)
    submission_seconds: float = 0.0  # wall time of the whole submission (0: twelve times the longest above)

    @property
    def budget(self):
        """Seconds the whole submission may take: cells, restarts, every function, extensions included."""
        return self.submission_seconds or 12 * max(self.cell_seconds, self.function_seconds)


class Session:
    """One submission's answer cells, run in a sealed child; restarted after a kill."""

    def __init__(self, zygote, cells, limits, imports=()):
        self.zygote, self.cells, self.limits, self.imports = zygote, list(cells), limits, tuple(imports)
        self.cell_errors = {}   # index -> error text of cells that raised or timed out
        self.syntax_lines = {}  # index -> the line of a cell's syntax error (the cell never ran)
        self.import_errors = []  # lab imports that failed in the child (a broken installation)
        self.printed = {}       # index -> bytes a cell printed, as its child says (a bounded integer)
        self._skip = set()      # cells that timed out or crashed: never run again
        self._pid = self._sock = self._listener = None
        self.seal = Seal()      # the layers the last child was sealed with
        self.refusals = Refusals(zygote.refused_names())
        self._end = time.monotonic() + limits.budget

    # -- lifecycle ---------------------------------------------------------
    def _start(self):
        self._sock = self.zygote.spawn(self.limits, self.imports)
        deadline = time.monotonic() + 10
        started, self._pid, _ = self._receive_first(deadline)
        hello, _, fds = self._receive_first(deadline)
        self._listener, extra = (fds[0], fds[1:]) if fds else (None, [])
        for fd in extra:
            os.close(fd)
        try:
            protocol.started(started)
            error, seal, self.import_errors = protocol.sealed(hello)
        except protocol.Violation as violation:
            self._kill()
            raise ProtocolViolation(str(violation)) from None
        if error or not self._pid:
            self._kill()
            raise Crashed("не удалось запустить проверку: " + (error or "нет процесса"))
        self.seal = Seal.from_json(seal)
        if self.seal != self.zygote.seal() or (self.seal.has("seccomp") and self._listener is None):
            self._kill()  # never run student code with less of a seal than the zygote announced
            raise Crashed("не удалось запустить проверку: песочница не полная")
        self._set_mark()
        pending = [(i, source) for i, source in enumerate(self.cells) if i not in self._skip]
        self._send({"op": "exec", "cells": pending})
        for index, _ in pending:
            self._set_mark()
            try:
                error, line, self.printed[index] = self._expect(protocol.done,
                                                                time.monotonic() + self.limits.cell_seconds, index)
            except OutOfTime:
                self._kill()
                raise
            except (Timeout, Crashed) as failure:
                self._skip.add(index)
                self.cell_errors[index] = describe_failure(failure, "ячейка")
                self._kill()
                return self._start()
            if error:
                self.cell_errors[index] = error
            if line is not None:
                self.syntax_lines[index] = line

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

    def out_of_time(self):
        """Whether the submission's budget is spent."""
        return time.monotonic() >= self._end

    def _send(self, message):
        try:
            wire.send(self._sock, message)
        except OSError as error:  # the child closed its end, or died
            self._kill()
            raise Crashed(str(error)) from None

    # -- protocol ------------------------------------------------------------
    def _receive(self, deadline):
        """The child's next message; :class:`Timeout` once ``deadline`` has passed.

        A child starved of CPU by a loaded machine (it spent at least half of
        its wall time waiting for a CPU) gets extra time, up to two more
        helpings, so a busy grading server does not fail honest code; a child
        that sleeps gets none. Nothing runs past the submission's budget.
        """
        started, waiting_started, extensions = self._mark
        deadline = min(deadline, self._end)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if time.monotonic() >= self._end:
                    raise OutOfTime()
                waited = time.monotonic() - started
                if extensions < 2 and waited > 0 and self._waiting_seconds() - waiting_started >= waited / 2:
                    deadline = min(time.monotonic() + waited, self._end)
                    started, waiting_started, extensions = time.monotonic(), self._waiting_seconds(), extensions + 1
                    self._mark = (started, waiting_started, extensions)
                    continue
                raise Timeout()
            if not self._wait_readable(remaining):
                continue
            try:  # once it starts, a message must arrive whole by the deadline
                return wire.recv(self._sock, deadline, MAX_MESSAGE)
            except socket.timeout:
                continue
            except (wire.Closed, OSError) as error:
                raise Crashed(str(error)) from None
            except wire.WireError as error:  # too large, too deep, not JSON, cut off: the child's doing
                self._kill()
                raise ProtocolViolation(str(error)) from None

    def _expect(self, check, deadline, *args):
        """The child's next message through ``check`` (of :mod:`.protocol`); a violation kills the child."""
        message = self._receive(deadline)
        try:
            return check(message, *args)
        except protocol.Violation as violation:
            self._kill()
            raise ProtocolViolation(str(violation)) from None

    def _wait_readable(self, seconds):
        """Wait for the child's next message, answering refused calls meanwhile; whether one is there."""
        waiting = select.poll()
        waiting.register(self._sock, select.POLLIN)
        if self._listener is not None:
            waiting.register(self._listener, select.POLLIN)
        events = dict(waiting.poll(max(seconds, 0) * 1000))
        listener = events.get(self._listener, 0) if self._listener is not None else 0
        if listener & select.POLLIN:
            self.refusals.answer(self._listener)  # an interrupted call is simply gone
            if self.refusals.total > MAX_REFUSALS:
                self._kill()
                raise Crashed("остановлен: песочница отказала в {} запрещённых вызовах".format(self.refusals.total))
        elif listener & (select.POLLHUP | select.POLLERR):  # the child is gone: its socket says so
            os.close(self._listener)
            self._listener = None
        return bool(events.get(self._sock.fileno(), 0))

    def _set_mark(self):
        """Start the clocks of one wait: wall time, the child's time waiting for a CPU, no extensions yet."""
        self._mark = (time.monotonic(), self._waiting_seconds(), 0)

    def _waiting_seconds(self):
        """Time the child has spent ready to run but waiting for a CPU (0 when it cannot be read).

        From the scheduler's own count (``/proc/PID/schedstat``); where the
        kernel keeps none, the CPU time it did get stands in for it, counted
        against the wall time (see :meth:`_receive`).
        """
        try:
            with open("/proc/{}/schedstat".format(self._pid)) as stat:
                return int(stat.read().split()[1]) / 1e9
        except (OSError, ValueError, IndexError, TypeError):
            pass
        try:
            with open("/proc/{}/stat".format(self._pid)) as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            used = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError, TypeError):
            return 0.0
        return time.monotonic() - used  # grows with the wall time it did not run

    def ready(self):
        """Make sure a child is running the submission's cells (after a kill: a new one)."""
        if self._sock is None:
            self._start()

    def call(self, prepared, deadline):
        """Run a :class:`PreparedCall` (preloaded in the zygote) in the child: every case in one exchange.

        Raises :class:`Timeout` or :class:`Crashed` (the child is then gone).
        """
        self.ready()
        self._set_mark()
        try:
            self._send_packed(prepared.packed)
            while True:
                reply = self._expect(protocol.in_call, deadline, prepared.helpers, prepared.rights)
                if reply[0] == "outcomes":
                    return reply[1]
                self._send(run_helper(*reply[1:]))
        except (Timeout, Crashed):
            self._kill()
            raise

    def _send_packed(self, data):
        try:
            self._sock.sendall(data)
        except OSError as error:
            self._kill()
            raise Crashed(str(error)) from None


@dataclass(frozen=True)
class PreparedCall:
    """A function's call on all its cases, made once per process: ``body``, its cases, goes to the zygote
    once (:meth:`Zygote.preload`); ``packed``, the bytes that ask a child for the call, to every child.

    The call carries the replies to the helper calls the reference makes on
    those cases (:func:`~grader.checks.reference.known_replies`), so a child
    computing as the reference does asks nothing back; they reach a child only
    with its call. (A student may keep a helper from one call for a later one: its replies are
    then of a function graded already, as every helper is graded before the functions that call it.)
    """

    function: str
    helpers: tuple
    rights: tuple  # per case, the encoded (value, arguments after) of a right answer, or None
    body: dict
    packed: bytes

    @classmethod
    def of(cls, function, cases, helpers, known=None, params=None, rights=None):
        body = {"function": function, "helpers": list(helpers),
                "cases": [{"args": codec.encode(list(c.args)), "kwargs": codec.encode(c.kwargs)} for c in cases]}
        call = {"op": "call", "function": function, "known": known or {},
                "params": {h: list(p) for h, p in (params or {}).items()}}
        return cls(function, tuple(helpers), tuple(rights or (None,) * len(cases)), body, wire.pack(call))


def run_helper(name, args, kwargs):
    """Answer a child's helper call with the reference, on checked plain data, within the lab's sizes."""
    return helper_reply(name, args, kwargs)


def describe_failure(failure, what):
    if isinstance(failure, Timeout):
        return "{}: превышено время выполнения".format(what)
    if isinstance(failure, ProtocolViolation):
        return "{}: нарушен протокол проверки".format(what)
    return "{}: процесс проверки аварийно завершился ({})".format(what, failure or "нет ответа")
