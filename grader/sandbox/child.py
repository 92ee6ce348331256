"""The sealed worker: runs a student's answer cells and calls, nothing else.

Started by :mod:`grader.sandbox.zygote` as a *zygote*: a fresh interpreter that loads
numpy and this module, then forks one child per submission. A child drops
into a throwaway directory (as root: ``chroot`` there and become a user of its own),
sets CPU, memory, file and process limits, and then only obeys the parent:
``exec`` one answer cell, ``call`` one function on one case. Helpers (the
reference ``linear_forward``, ``sigmoid``, ...) are proxies that ask the parent,
so no reference code is ever in this process, and results leave as plain data
(:mod:`grader.plain.codec`), never pickles. It imports nothing secret.
"""

import os
import resource
import signal
import socket
import sys

import numpy  # noqa: F401 -- loaded once in the zygote, shared by every child

from grader.plain import codec, framing as wire
from grader.plain.calls import call, describe_error, isolate
from grader.sandbox.lifeline import die_with_parent

# Modules a student's answer cells may import: loaded before the chroot, when
# the file system is still visible.
PRELOAD = ("copy", "math", "functools", "itertools", "operator", "collections", "warnings",
           "numpy.linalg", "numpy.random")
_EXCEPTIONS = {e.__name__: e for e in (ValueError, TypeError, KeyError, IndexError, AttributeError,
                                       ZeroDivisionError, ArithmeticError, AssertionError)}
# The grader's modules a child keeps: this one and the plain data it speaks.
_CHILD_MODULES = ("grader.plain", "grader.plain.codec", "grader.plain.framing", "grader.plain.calls",
                  "grader.plain.outcome", "grader.sandbox", "grader.sandbox.child")
# Dropped from a sealed child's modules: the grader's, and ctypes (kept out of easy reach).
_DROPPED = ("grader.", "nbgrader", "reference_solution", "ctypes", "_ctypes")
# As root, each child becomes a user of its own (no passwd entry needed): it
# cannot signal or ptrace another student's child, let alone the grader.
FIRST_UID = 200000


class _IPythonStub:
    """Answer cells may hold line magics (``%timeit``); outside IPython they do nothing."""

    def run_line_magic(self, *args, **kwargs):
        return None

    run_cell_magic = system = getoutput = run_line_magic


def zygote(control_fd, parent_pid):
    """Fork a sealed child for each job the parent sends over ``control_fd``.

    The first message is the lab's public modules (:class:`grader.plain.lab.LabContext`).
    The zygote dies with its parent and takes its children along: on SIGTERM
    (its parent-death signal) or when the parent closes the socket, every child
    still alive is killed.
    """
    signal.signal(signal.SIGTERM, _exit_on_signal)
    die_with_parent(parent_pid, signal.SIGTERM)
    for name in PRELOAD:
        __import__(name)
    control = socket.socket(fileno=control_fd)
    children = set()
    try:
        _load_lab(wire.recv(control))
        while True:
            message, fd = wire.recv_with_fd(control)  # WireError: the parent is gone
            _reap(children)
            pid = os.fork()
            if pid == 0:
                control.close()
                _child(socket.socket(fileno=fd), message, parent_pid=os.getppid())
                os._exit(0)
            children.add(pid)
            os.close(fd)
            wire.send(control, {"pid": pid})
    except (wire.WireError, OSError, SystemExit):
        return
    finally:
        for pid in children:  # each child leads a process group of its own
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
        _reap(children)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _reap(children):
    """Collect exited children, so a pid in ``children`` is never one the kernel reused."""
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            children.discard(pid)


def _load_lab(message):
    """The lab's public modules (``dnn_utils``, ``testCases``), importable by name in every child."""
    import types

    for name, source in message.get("modules", []):
        module = types.ModuleType(name)
        module.__file__ = name + ".py"
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        sys.modules[name] = module


def _child(sock, job, parent_pid):
    try:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        namespace, import_errors = _lab_namespace(job.get("imports", []))
        _seal(job, parent_pid)
    except Exception as error:  # a seal that fails must not leave an open child
        wire.send(sock, {"op": "sealed", "error": describe_error(error)})
        os._exit(3)
    wire.send(sock, {"op": "sealed", "error": "", "chroot": os.getuid() >= FIRST_UID,
                     "import_errors": import_errors})
    _serve(sock, namespace)


def _lab_namespace(imports):
    """The globals answer cells run in: what the lab's own cells import (only what they use)."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "get_ipython": _IPythonStub}
    errors = []
    for statement in imports:
        try:
            exec(compile(statement, "<lab>", "exec"), namespace)
        except Exception as error:
            errors.append("{}: {}".format(statement, describe_error(error)))
    return namespace, errors


def _seal(job, parent_pid):
    limits = job["limits"]
    os.chdir(job["workdir"])
    if job.get("chroot") and os.geteuid() == 0:
        uid = FIRST_UID + os.getpid()  # pids of live processes are distinct
        os.chroot(job["workdir"])
        os.chdir("/")
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))  # no fork bombs
    die_with_parent(parent_pid)  # after setuid, which clears the parent-death signal
    memory = limits["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # Nothing of the grader beyond what this module holds stays reachable.
    for name in list(sys.modules):
        if name.startswith(_DROPPED) and name not in _CHILD_MODULES:
            del sys.modules[name]
    sys.path[:] = []
    sys.meta_path[:] = [f for f in sys.meta_path if f.__module__.startswith("_frozen_importlib")]


def _serve(sock, namespace):
    while True:
        try:
            message = wire.recv(sock)
        except wire.WireError:
            return
        if message["op"] == "exec":  # a reply per cell, so the parent can time each one
            for index, source in message["cells"]:
                wire.send(sock, {"op": "done", "index": index, "error": _exec(source, namespace)})
        elif message["op"] == "call":  # every case of one function, in one reply
            outcomes = [_call(sock, message, case, namespace) for case in message["cases"]]
            wire.send(sock, {"op": "outcomes", "outcomes": outcomes})


def _exec(source, namespace):
    try:
        exec(compile(source, "<answer cell>", "exec"), namespace)
    except BaseException as error:  # noqa: B902 -- sys.exit() in a cell is the student's error too
        return describe_error(error)
    return ""


def _call(sock, message, case, namespace):
    function = namespace.get(message["function"])
    if not callable(function):
        return {"value": None, "args_after": None, "error": "", "missing": True}
    helpers = {name: _proxy(sock, name) for name in message["helpers"]}
    try:
        outcome = call(isolate(function, helpers), codec.decode(case["args"]), codec.decode(case["kwargs"]))
    except BaseException as error:  # noqa: B902 -- SystemExit and the like
        return {"value": None, "args_after": None, "error": describe_error(error)}
    return {"value": outcome.value, "args_after": outcome.args_after, "error": outcome.error,
            "invalid": outcome.invalid}


def _proxy(sock, name):
    def helper(*args, **kwargs):
        wire.send(sock, {"op": "helper", "name": name, "args": codec.encode(list(args)),
                         "kwargs": codec.encode(kwargs)})
        reply = wire.recv(sock)
        if reply.get("error"):
            raise _EXCEPTIONS.get(reply.get("type"), RuntimeError)(reply["error"])
        return codec.decode(reply["value"])

    helper.__name__ = name
    return helper


if __name__ == "__main__":
    zygote(int(sys.argv[1]), int(sys.argv[2]))
