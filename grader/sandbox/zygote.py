"""Start the zygote: a clean interpreter that forks sealed workers (see :mod:`.child`).

Standard library only, so a command can start the zygote before it imports
numpy itself, and both interpreters warm up at the same time.
"""

import os
import socket
import subprocess
import sys
import threading

from ..plain import framing as wire
from ..plain.lab import LabContext


def warn_if_unsealed(stream=None):
    """Say once, on stderr, when student code cannot be fully sealed (the grader is not root)."""
    if os.geteuid() != 0 and not _warned:
        _warned.append(True)
        print("warning: not running as root, so student code runs without chroot and a user of its own; "
              "grade untrusted classes as root (e.g. in a container)", file=stream or sys.stderr)


_warned = []


class Timeout(Exception):
    """A sealed child did not answer in time (it has been killed)."""


class Crashed(Exception):
    """A sealed child died or broke the protocol (it has been killed)."""


class Zygote:
    """A clean interpreter with numpy and the lab's public modules loaded that forks sealed children.

    ``lab`` (a :class:`~grader.plain.lab.LabContext`) is what the lab's own
    cells give answer cells; without it they see only the builtins.
    """

    def __init__(self, lab=None, chroot=None):
        self.lab = lab or LabContext()
        self.chroot = (os.geteuid() == 0) if chroot is None else chroot
        self._lock = threading.Lock()
        self._start()

    def _start(self):
        parent, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        env = {"PATH": os.environ.get("PATH", ""), "OPENBLAS_NUM_THREADS": "1",
               "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0", "MPLBACKEND": "Agg"}
        # matplotlib, when a submission uses it, finds its font cache before the chroot.
        env.update({k: v for k, v in os.environ.items() if k in ("HOME", "MPLCONFIGDIR", "XDG_CACHE_HOME")})
        # -I -S: no environment, no user or site customisation; the path holds
        # exactly numpy's and this package's folders.
        paths = [_folder_of("numpy"), _folder_of("grader")]
        boot = "import sys; sys.path[:0] = {!r}; from grader.sandbox.child import zygote; zygote({}, {})".format(
            paths, child.fileno(), os.getpid())
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-S", "-c", boot],
            pass_fds=[child.fileno()], env=env, cwd="/", stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        child.close()
        self._control = parent
        wire.send(parent, self.lab.to_json())

    def spawn(self, workdir, limits, imports=()):
        """Fork a sealed child working in ``workdir``, with the lab's ``imports`` run; return (pid, socket).

        A zygote that died (a student without the chroot may kill it) is
        started again once, so one submission cannot stop the batch.
        """
        job = {"workdir": workdir, "chroot": self.chroot, "limits": limits.__dict__, "imports": list(imports)}
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
        """Stop the zygote. Its children are gone or exit on their own when their socket closes."""
        self._control.close()
        self._proc.kill()
        self._proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()




def _folder_of(package):
    """The folder that holds ``package`` (found without importing it)."""
    import importlib.util

    spec = importlib.util.find_spec(package)
    return os.path.dirname(os.path.dirname(spec.origin))
