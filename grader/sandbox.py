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
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

import reference_solution as ref
from . import codec, wire
from .invoke import describe_error


@dataclass(frozen=True)
class Limits:
    """Per-submission limits of the sealed worker."""

    cell_seconds: float = 10.0      # wall time of one answer cell
    function_seconds: float = 10.0  # wall time of all calls of one graded function
    cpu_seconds: int = 60           # CPU time of one child process
    memory_mb: int = 1024           # address space of one child process
    file_mb: int = 16               # largest file a child may write (in its throwaway dir)


class Timeout(Exception):
    pass


class Crashed(Exception):
    pass


class Zygote:
    """A clean interpreter with numpy loaded that forks sealed children on request."""

    def __init__(self, chroot=None):
        self.chroot = (os.geteuid() == 0) if chroot is None else chroot
        self._lock = threading.Lock()
        self._start()

    def _start(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "grader.worker", str(child.fileno())],
            pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        child.close()
        self._control = parent

    def spawn(self, workdir, limits):
        """Fork a sealed child working in ``workdir``; return (pid, socket).

        A zygote that died (a student without the chroot may kill it) is
        started again once, so one submission cannot stop the batch.
        """
        job = {"workdir": workdir, "chroot": self.chroot, "limits": limits.__dict__}
        with self._lock:
            for attempt in (1, 2):
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                try:
                    wire.send_with_fd(self._control, job, theirs.fileno())
                    pid = wire.recv(self._control)["pid"]
                    return pid, ours
                except (OSError, wire.WireError):
                    ours.close()
                    if attempt == 2:
                        raise Crashed("песочница не запускается") from None
                    self._restart()
                finally:
                    theirs.close()

    def _restart(self):
        self._control.close()
        self._proc.kill()
        self._proc.wait()
        self._start()

    def close(self):
        self._control.close()
        try:
            self._proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Session:
    """One submission's answer cells, run in a sealed child; restarted after a kill."""

    def __init__(self, zygote, cells, limits):
        self.zygote, self.cells, self.limits = zygote, list(cells), limits
        self.cell_errors = {}   # index -> error text of cells that raised or timed out
        self._skip = set()      # cells that timed out or crashed: never run again
        self._pid = self._sock = None
        self._workdir = None
        self.sealed_by_chroot = False

    # -- lifecycle ---------------------------------------------------------
    def _start(self):
        self._workdir = tempfile.mkdtemp(prefix="grader-")
        os.chmod(self._workdir, 0o777)
        self._pid, self._sock = self.zygote.spawn(self._workdir, self.limits)
        hello = self._receive(time.monotonic() + 10)
        if hello.get("error"):
            raise Crashed("не удалось запустить проверку: " + hello["error"])
        self.sealed_by_chroot = bool(hello.get("chroot"))
        for index, source in enumerate(self.cells):
            if index in self._skip:
                continue
            deadline = time.monotonic() + self.limits.cell_seconds
            try:
                wire.send(self._sock, {"op": "exec", "source": source})
                error = self._receive(deadline)["error"]
            except (Timeout, Crashed) as failure:
                self._skip.add(index)
                self.cell_errors[index] = describe_failure(failure, "ячейка")
                self._kill()
                return self._start()
            if error:
                self.cell_errors[index] = error

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
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Timeout()
        self._sock.settimeout(remaining)
        try:
            return wire.recv(self._sock)
        except socket.timeout:
            raise Timeout() from None
        except (wire.WireError, OSError) as error:
            raise Crashed(str(error)) from None

    def ready(self):
        """Make sure a child is running the submission's cells (after a kill: a new one)."""
        if self._sock is None:
            self._start()

    def call(self, function, case, helpers, deadline):
        """Run ``function`` on ``case`` in the child; return the outcome message.

        Raises :class:`Timeout` or :class:`Crashed` (the child is then gone).
        """
        self.ready()
        try:
            wire.send(self._sock, {"op": "call", "function": function, "helpers": list(helpers),
                                   "args": codec.encode(list(case.args)),
                                   "kwargs": codec.encode(case.kwargs)})
            while True:
                message = self._receive(deadline)
                if message.get("op") == "helper" and message.get("name") in helpers:
                    wire.send(self._sock, run_helper(message))
                elif message.get("op") == "outcome":
                    return message
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
        with _quiet_numpy():
            value = getattr(ref, message["name"])(*args, **kwargs)
        return {"value": codec.encode(value)}
    except Exception as error:
        return {"error": describe_error(error).split(": ", 1)[-1], "type": type(error).__name__}


def _quiet_numpy():
    import numpy as np
    return np.errstate(all="ignore")


def describe_failure(failure, what):
    if isinstance(failure, Timeout):
        return "{}: превышено время выполнения".format(what)
    return "{}: процесс проверки аварийно завершился ({})".format(what, failure or "нет ответа")
