"""Start the zygote: a clean interpreter, sealed off by the kernel, that forks sealed workers.

Standard library only, so a command can start the zygote before it imports
numpy itself, and both interpreters warm up at the same time. The zygote runs
behind the launcher of :mod:`.nest` (its namespaces) and forks the children of
:mod:`.child`; which layers of the seal this machine allows, it says in its
first message (:meth:`Zygote.seal`).
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

from ..plain import framing as wire
from ..plain.lab import LabContext
from ..plain.seal import Seal, wanted_layers

_READY_SECONDS = 60  # a zygote imports numpy and tries the seal once: seconds on a loaded machine
# A zygote that does not get ready (no process slot or memory to be had on a loaded machine, a fork
# refused while it tries the seal) is started again after these pauses, then given up on.
_PAUSES = (0.5, 2.0)


class Timeout(Exception):
    """A sealed child did not answer in time (it has been killed)."""


class Crashed(Exception):
    """A sealed child died or broke the protocol (it has been killed)."""


class SandboxUnavailable(Exception):
    """No zygote could be started, however often tried: nothing can be graded now, whatever the submission."""


class Zygote:
    """A clean interpreter with numpy and the lab's public modules loaded that forks sealed children.

    ``lab`` (a :class:`~grader.plain.lab.LabContext`) is what the lab's own
    cells give answer cells; without it they see only the builtins. ``off``:
    layers of the seal to leave out (default: ``$GRADER_SEAL_OFF``, see :mod:`.seal`).
    """

    def __init__(self, lab=None, off=None):
        self.lab = lab or LabContext()
        self.wanted = wanted_layers(off)
        self._lock = threading.Lock()
        self._seal, self._refused = None, {}
        self._calls = None  # the preload every zygote process gets, once there is one
        self._start()

    def _start(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        # matplotlib, when a submission uses it, finds its font cache before the seal.
        env.update({k: v for k, v in os.environ.items() if k in ("HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME")})
        # -I -S: no environment, no user or site customisation; the path holds
        # exactly the folders of numpy, libseccomp's bindings and this package.
        paths = list(dict.fromkeys(_folder_of(p) for p in ("numpy", "pyseccomp", "grader") if _folder_of(p)))
        boot = "import sys; sys.path[:0] = {!r}; from grader.sandbox.nest import main; main({}, {}, {!r})".format(
            paths, child.fileno(), os.getpid(), json.dumps(list(self.wanted)))
        self._ready, self._failure = False, None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", boot],
                pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        except OSError as error:  # EAGAIN under a process limit, ENOMEM: said when the zygote is waited for
            self._proc, self._failure = None, "процесс не создаётся: " + (error.strerror or str(error))
        finally:
            child.close()
        self._control = parent
        self._send(wire.pack(self.lab.to_json()))
        if self._calls is not None:
            self._send(self._calls)

    def _send(self, data):
        """Write to the zygote with a deadline; a zygote dead or stuck is found by the next wait for it."""
        self._control.settimeout(_READY_SECONDS)
        try:
            self._control.sendall(data)
        except OSError:  # socket.timeout included: spawn's wait then says the sandbox does not start
            pass
        finally:
            self._control.settimeout(None)

    def preload(self, calls):
        """Hand the zygote the graded functions' cases (:class:`~.session.PreparedCall`) before its children
        are forked: decoded there once, every child has them. Only the first preload counts."""
        with self._lock:
            if self._calls is None:
                self._calls = wire.pack({"op": "calls", "calls": [call.body for call in calls]})
                self._send(self._calls)  # to a zygote that died: the next spawn starts another, preloaded

    def seal(self):
        """The :class:`~.seal.Seal` every child of this zygote gets (waits for the zygote to be ready)."""
        with self._lock:
            self._wait_ready()
            return self._seal

    def _wait_ready(self):
        """Wait for the zygote's first message; one that does not come is a zygote started again, twice.

        Raises :class:`SandboxUnavailable`, with the last start's reason, when none got ready.
        """
        for pause in (0,) + _PAUSES:
            if self._ready:
                return
            if pause:
                time.sleep(pause)
                self._restart()
            failure = self._first_message()
        if not self._ready:
            raise SandboxUnavailable("песочница не запустилась после {} попыток ({}): работа тут ни при чём, "
                                     "повторите проверку позже".format(len(_PAUSES) + 1, failure))

    def _first_message(self):
        """Read the started zygote's first message; return why it is not ready, or None when it is."""
        if self._failure:
            return self._failure
        self._control.settimeout(_READY_SECONDS)
        try:
            message = wire.recv(self._control)
        except socket.timeout:
            return "нет ответа за {} с".format(_READY_SECONDS)
        except (OSError, wire.WireError):
            return "процесс завершился до готовности (код {})".format(self._exit_code())
        finally:
            self._control.settimeout(None)
        if message.get("error"):
            return str(message["error"])
        self._seal, self._ready = Seal.from_json(message.get("seal")), True
        self._refused = {int(number): tuple(named) for number, named in (message.get("refused") or {}).items()}
        return None

    def _exit_code(self):
        try:
            return self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "нет"

    def refused_names(self):
        """{system call number: (name, what it reaches)} of the calls the children's allowlist reports."""
        with self._lock:
            self._wait_ready()
            return self._refused

    def spawn(self, limits, imports=()):
        """Fork a sealed child with the lab's ``imports`` run; return the socket to it.

        A zygote that died (a student without the seal may kill it) is
        started again once, so one submission cannot stop the batch; one
        that cannot be started raises :class:`SandboxUnavailable`.
        """
        job = {"limits": limits.__dict__, "imports": list(imports)}
        with self._lock:
            for attempt in (1, 2):
                ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
                ours.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)  # the child's pid, from the kernel
                try:
                    self._wait_ready()
                    wire.send_with_fd(self._control, job, theirs.fileno())
                    wire.recv(self._control)
                    return ours
                except (OSError, wire.WireError) as failure:
                    ours.close()
                    if attempt == 2:
                        raise Crashed("песочница не отвечает: {}".format(failure)) from None
                    self._restart()
                except SandboxUnavailable:
                    ours.close()
                    raise
                finally:
                    theirs.close()

    def _restart(self):
        self._control.close()
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait()
        self._start()

    def close(self):
        """Stop the zygote: told first (it kills its children and removes their folders), then killed."""
        self._control.close()
        if self._proc is None:
            return
        try:
            self._proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            self._proc.kill()  # the kernel takes the zygote and its children along
            self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def warn_about(seal, stream=None, _said=set()):
    """Say once per process, on stderr, which layers of the seal are missing and what that opens."""
    text = seal.warning()
    if text and text not in _said:
        _said.add(text)
        print(text, file=stream or sys.stderr, flush=True)


def _folder_of(package):
    """The folder that holds ``package`` (found without importing it), or None."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        return None
    folder = os.path.dirname(spec.origin)
    return os.path.dirname(folder) if os.path.basename(spec.origin) == "__init__.py" else folder
