"""The sealed worker: runs a student's answer cells and calls, nothing else.

Started by :mod:`.nest` as a *zygote*: an interpreter with numpy and this
module loaded that forks one child per submission. The zygote first finds out
which layers of the seal this machine allows (:func:`_plan`, see :mod:`.seal`)
and tells the grader; every child then enters exactly those layers, or refuses
to run anything. A child, in this order: runs the lab's imports its cells use
(while the file system is still visible), enters an IPC and a mount namespace
of its own with an empty tmpfs as its root, gives up its identity (as root a
uid of its own; without root every capability), sets its limits, closes every
descriptor but its socket, installs the system-call allowlist
(:mod:`.syscalls`) and hands the allowlist's notification descriptor to the
grader. Only then does it obey the parent: ``exec`` one answer cell, ``call``
one function on its cases. Helpers (the reference ``linear_forward``,
``sigmoid``, ...) are proxies that ask the parent, so no reference code is
ever in this process, and results leave as plain data
(:mod:`grader.plain.codec`), never pickles. It imports nothing secret.
"""

import gc
import json
import os
import resource
import signal
import socket
import sys

import numpy  # noqa: F401 -- loaded once in the zygote, shared by every child

from grader.plain import codec, framing as wire
from grader.plain.calls import call, call_key, describe_error, isolate, unlock_reply
from grader.plain.output import CappedOutput
from grader.sandbox import kernel, syscalls
from grader.sandbox.lifeline import die_with_parent

# Modules a student's answer cells may import: loaded before the seal, when
# the file system is still visible.
PRELOAD = ("copy", "math", "functools", "itertools", "operator", "collections", "warnings",
           "numpy.linalg", "numpy.random")
_EXCEPTIONS = {e.__name__: e for e in (ValueError, TypeError, KeyError, IndexError, AttributeError,
                                       ZeroDivisionError, ArithmeticError, AssertionError)}
# The graded functions' cases, decoded once in the zygote ({function: (helpers, [(args, kwargs)])}):
# every child inherits them (:func:`_preload`).
_CALLS = {}
# The grader's modules a child keeps: this one and the plain data it speaks.
_CHILD_MODULES = ("grader.plain", "grader.plain.codec", "grader.plain.framing", "grader.plain.calls",
                  "grader.plain.outcome", "grader.plain.output", "grader.sandbox", "grader.sandbox.child")
# Dropped from a sealed child's modules: the grader's and the seal's tools. (The
# seal does not rely on this: a module still reachable through another changes nothing.)
_DROPPED = ("grader.", "nbgrader", "reference_solution", "ctypes", "_ctypes", "pyseccomp")
# As root, each child becomes a user of its own (no passwd entry needed): it
# cannot signal or ptrace another student's child, let alone the grader. The
# uids start far above where useradd hands out subordinate ids (/etc/subuid,
# from 100000 up), and each zygote has a block of 65536 of its own.
FIRST_UID = 1_000_000_000
_UID_BLOCKS = 16384
_OPEN_FILES = 64  # descriptors a child may hold: each can pin kernel memory its address space does not count
# Where a child mounts its empty root, in its own mount namespace (any folder that exists).
_SCRATCH = "/tmp"
_INODES = 4096  # files and folders a child may create in its root
# Signals a child may have queued, POSIX timers included (each holds one): the kernel counts them per
# user, so a child of the grading user's (in a user namespace) would otherwise take that user's whole
# allowance -- ninety thousand timers -- and no other process of theirs could make a timer or queue a
# real-time signal. Python's own signals (SIGALRM, SIGINT, ...) are sent by the kernel past the limit.
_SIGNALS_QUEUED = 16


class _IPythonStub:
    """Answer cells may hold magics: a line magic does nothing here, and a cell magic that runs its
    cell in Jupyter (``%%time`` over a function's definition) runs it, as it would there."""

    RUNS_ITS_CELL = ("time", "timeit", "capture", "prun")

    def __init__(self, namespace):
        self.namespace = namespace

    def run_line_magic(self, *args, **kwargs):
        return None

    system = getoutput = run_line_magic

    def run_cell_magic(self, name, line, cell):
        if name in self.RUNS_ITS_CELL and isinstance(cell, str):
            exec(compile(cell, "<answer cell>", "exec"), self.namespace)


def zygote(control_fd, parent_pid, made=(), wanted=(), zygote_id=0):
    """Fork a sealed child for each job the parent sends over ``control_fd``.

    ``made``: the namespaces the launcher entered; ``wanted``: the seal's
    layers not switched off; ``zygote_id``: the launcher's pid on the machine,
    which picks this zygote's block of uids. The first message is the lab's public modules
    (:class:`grader.plain.lab.LabContext`); the zygote answers with the seal
    its children get. Then come jobs, each with a child's socket, and once the
    graded functions' cases (``"calls"``, see :func:`_preload`). It dies with
    its parent and takes its children along: on SIGTERM (its parent-death
    signal) or when the parent closes the socket,
    every child still alive is killed (as PID 1 of a namespace, the kernel
    does that too).
    """
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # only its parent stops it
    die_with_parent(parent_pid, signal.SIGTERM)
    uid_base = FIRST_UID + (zygote_id % _UID_BLOCKS) * 65536
    for name in PRELOAD:
        __import__(name)
    control = socket.socket(fileno=control_fd)
    children = {}  # pid -> its working folder on the machine's disk, or None (an own tmpfs root)
    try:
        try:
            _load_lab(wire.recv(control))
            # What the zygote holds is never collected: a child's collector then does not walk (and copy,
            # page by page) numpy's objects it shares with the zygote.
            gc.collect()
            gc.freeze()
            plan, allowlist = _plan(set(made), set(wanted), uid_base)
        except Exception as error:  # the grader says why no child can start
            wire.send(control, {"op": "ready", "error": describe_error(error)})
            return
        program = allowlist.program if allowlist else None
        wire.send(control, {"op": "ready", "seal": plan,
                            "refused": {str(n): list(named) for n, named in allowlist.refused.items()}
                            if allowlist else {}})
        while True:
            message, _, fds = wire.recv_with_ancillary(control)  # WireError: the parent is gone
            if message.get("op") == "calls":
                _preload(message["calls"])
                continue
            if len(fds) != 1:
                raise wire.WireError("a job without its socket")
            fd = fds[0]
            _reap(children)
            workdir = None if plan.get("mount") == "tmpfs" else _new_workdir()
            pid = os.fork()
            if pid == 0:
                control.close()
                _child(socket.socket(fileno=fd), message, plan, program, workdir, os.getppid(), uid_base)
                os._exit(0)
            children[pid] = workdir
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
        _reap(children, block=True)


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _preload(calls):
    """Decode the graded functions' cases once, in the zygote: every child inherits them ready to run.

    Only arguments, which a child's calls are handed anyway: the replies known in
    advance come with each call (:func:`_call_all`), so one function's code never
    holds another's. A child then neither parses nor copies the cases, and each
    case's arguments are that child's own to hand to the student's function.
    """
    for body in calls:
        _CALLS[body["function"]] = (body["helpers"], [(codec.decode(case["args"]), codec.decode(case["kwargs"]))
                                                      for case in body["cases"]])
    gc.collect()
    gc.freeze()


def _reap(children, block=False):
    """Collect exited children (so a pid is never one the kernel reused) and remove their folders."""
    for pid in list(children):
        try:
            done, _ = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            workdir = children.pop(pid)
            if workdir:
                remove_tree(workdir)


def _load_lab(message):
    """The lab's public modules (``dnn_utils``, ``testCases``), importable by name in every child."""
    import types

    for name, source in message.get("modules", []):
        module = types.ModuleType(name)
        module.__file__ = name + ".py"
        exec(compile(source, module.__file__, "exec"), module.__dict__)
        sys.modules[name] = module


# -- the seal ------------------------------------------------------------------------------------

def _plan(made, wanted, uid_base):
    """The layers every child of this zygote gets ({layer: how}) and the compiled allowlist (or None).

    What the launcher made is taken as is; what a child must do itself is
    tried in a throwaway child first, twice: the namespaces, root and identity,
    then the whole plan with the allowlist compiled for it -- so a real child
    either gets exactly this seal or refuses to run student code.
    """
    root = os.geteuid() == 0
    plan = {layer: "namespace" for layer in ("pid", "net") if layer in made}
    own = root or "user" in made  # may make namespaces and mounts of its own
    tries = {"ipc": "namespace" if "ipc" in wanted and own else None,
             "mount": ("tmpfs" if "mount" in made else "chroot" if root else None) if "mount" in wanted else None,
             "user": ("uid" if root else "namespace" if "user" in made else None) if "user" in wanted else None}
    plan.update(_probe(tries, uid_base))
    if plan.get("mount") is None and root and "mount" in wanted and "mount" in made:
        plan.update(_probe({"mount": "chroot", "user": plan.get("user")}, uid_base))  # a mount namespace, no tmpfs
    plan = {layer: how for layer, how in plan.items() if how}
    allowlist = None
    if "seccomp" in wanted and syscalls.available():
        try:
            # Files only in a root of its own whose size is bounded: a tmpfs. A chroot is a folder
            # of the machine's disk, so there a child may create nothing.
            allowlist = syscalls.compile_filter(own_root=plan.get("mount") == "tmpfs")
        except OSError:
            allowlist = None
        if allowlist and _probe(dict(plan, seccomp="allowlist"), uid_base, allowlist.program).get("seccomp"):
            plan["seccomp"] = "allowlist"
        else:
            allowlist = None
    return plan, allowlist


def _probe(plan, uid_base, program=None):
    """Which layers of ``plan`` a child can enter here: {layer: how, or None when it failed}."""
    plan = {layer: how for layer, how in plan.items() if how}
    reader, writer = os.pipe()
    workdir = None if plan.get("mount") == "tmpfs" else _new_workdir()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        entered = {}
        try:
            _enter(plan, program, workdir, entered, uid_base, strict=False, keep=(writer,))
        finally:
            os.write(writer, json.dumps(entered).encode())
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader, "rb") as answer:
        data = answer.read()
    os.waitpid(pid, 0)
    if workdir:
        remove_tree(workdir)
    try:
        entered = json.loads(data)
    except ValueError:
        entered = {}
    return {layer: how if entered.get(layer) else None for layer, how in plan.items()}


def _enter(plan, program, workdir, entered, uid_base, strict=True, limits=None, keep=(), parent_pid=None):
    """Enter the layers of ``plan`` in this process; record each one entered in ``entered``.

    ``strict``: raise at the first layer that fails (a real child); else go on
    (the probe). Returns the notification descriptor of the allowlist, or None.
    """
    def step(layer, action):
        if layer not in plan:
            return
        try:
            action()
        except OSError:
            if strict:
                raise
            return
        entered[layer] = plan[layer]

    uid = uid_base + os.getpid() % 65536 if plan.get("user") == "uid" else None
    step("ipc", lambda: kernel.unshare(kernel.CLONE_NEWIPC))
    if plan.get("mount") == "tmpfs":
        step("mount", lambda: _tmpfs_root(uid, limits))
    elif workdir:
        if uid is not None:
            os.chown(workdir, uid, uid)
        os.chdir(workdir)
        if plan.get("mount") == "chroot":
            step("mount", lambda: (os.chroot(workdir), os.chdir("/")))
    step("user", lambda: _give_up_identity(uid))
    if parent_pid is not None:
        die_with_parent(parent_pid)  # after setuid, which clears the parent-death signal
    if limits is not None:
        _set_limits(limits)
    _own_stdio()
    listener = []
    if "seccomp" in plan and program:
        _close_descriptors(keep)
        step("seccomp", lambda: listener.append(kernel.load_seccomp(program)))
    return listener[0] if listener else None


def _tmpfs_root(uid, limits):
    """An empty tmpfs as this process's root, in a mount namespace of its own: no other file in sight."""
    kernel.unshare(kernel.CLONE_NEWNS)
    size_mb = 4 * (limits["file_mb"] if limits else 16)
    options = "size={}m,nr_inodes={},mode=0700".format(size_mb, _INODES)
    if uid is not None:
        options += ",uid={0},gid={0}".format(uid)
    kernel.mount("tmpfs", _SCRATCH, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC, options)
    os.chdir(_SCRATCH)
    kernel.pivot_root(".", ".")           # the tmpfs becomes the root; the old root sits on top of it ...
    kernel.umount(".", kernel.MNT_DETACH)  # ... and is gone from this namespace
    os.chdir("/")


def _give_up_identity(uid):
    if uid is not None:  # as root: a user of its own, allowed no processes
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)  # drops every capability
        resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    else:  # in a user namespace: its creator's capabilities, given up
        kernel.drop_capabilities()


def _own_stdio():
    """Stdin, stdout and stderr of its own: the machine's /dev/null it inherited is an inode others
    see (a lock on it is a channel out), so stdin becomes an empty pipe and stdout and stderr an
    in-memory file bounded by the file-size limit (a write past it fails, it does not kill; Python's
    own prints never get that far: :func:`_capped_prints`)."""
    reader, writer = os.pipe()
    os.close(writer)
    output = os.memfd_create("output", os.MFD_CLOEXEC)
    for target, source in ((0, reader), (1, output), (2, output)):
        os.dup2(source, target)
    os.close(reader)
    os.close(output)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


def _capped_prints(limits):
    """Python's stdout and stderr (``sys.__stdout__`` too, which a cell may put back): kept up to the
    file-size limit, then counted and dropped, so a print never fails (:mod:`grader.plain.output`)."""
    output = CappedOutput(sys.__stdout__, limits["file_mb"] * 1024 * 1024)
    sys.stdout = sys.stderr = sys.__stdout__ = sys.__stderr__ = output
    return output


def _set_limits(limits):
    resource.setrlimit(resource.RLIMIT_NOFILE, (_OPEN_FILES, _OPEN_FILES))
    memory = limits["memory_mb"] * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CPU, (limits["cpu_seconds"], limits["cpu_seconds"] + 1))
    resource.setrlimit(resource.RLIMIT_FSIZE, (limits["file_mb"] * 1024 * 1024,) * 2)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_SIGPENDING, (_SIGNALS_QUEUED, _SIGNALS_QUEUED))
    # None of the grading user's POSIX message queue bytes (counted per user: the allowlist refuses the
    # calls, this holds where it is not in effect), and no memory locked: mmap's MAP_LOCKED, which the
    # allowlist lets through with mmap, pins pages the machine can then not swap out.
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))


def _close_descriptors(keep):
    """Close every descriptor but stdin/out/err (/dev/null) and ``keep``."""
    low = 3
    for fd in sorted(keep):
        if fd >= low:
            os.closerange(low, fd)
            low = fd + 1
    os.closerange(low, 1 << 20)


def _new_workdir():
    """An empty folder for a child where it cannot have a root of its own (removed when it is reaped)."""
    import tempfile

    workdir = tempfile.mkdtemp(prefix="grader-")
    os.chmod(workdir, 0o700)
    return workdir


def remove_tree(path):
    """Remove a folder a child filled, however deep, without recursion and without following links.

    One descriptor at a time: go down to a folder with no subfolder, empty it,
    climb back up and remove it. The child is gone, so nothing changes meanwhile.
    """
    try:
        current = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return
    names = []
    try:
        while True:
            below = None
            with os.scandir(current) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        below = entry.name
                        break
                    os.unlink(entry.name, dir_fd=current)
            if below is not None:
                child = os.open(below, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=current)
                os.close(current)
                current, names = child, names + [below]
                continue
            if not names:
                break
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=current)
            os.close(current)
            current = parent
            os.rmdir(names.pop(), dir_fd=current)
    except OSError:
        pass
    finally:
        os.close(current)
    try:
        os.rmdir(path)
    except OSError:
        pass


# -- a child -----------------------------------------------------------------------------------------

def _child(sock, job, plan, program, workdir, parent_pid, uid_base):
    try:
        os.setsid()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        wire.send(sock, {"op": "started"})  # the grader learns this process's pid from the kernel
        namespace, import_errors = _lab_namespace(job.get("imports", []))
        listener = _enter(plan, program, workdir, {}, uid_base, limits=job["limits"], keep=(sock.fileno(),),
                          parent_pid=parent_pid)
        output = _capped_prints(job["limits"])
        _forget_the_grader()
    except Exception as error:  # a seal that fails must not leave an open child
        wire.send(sock, {"op": "sealed", "error": describe_error(error)})
        os._exit(3)
    hello = {"op": "sealed", "error": "", "seal": plan, "import_errors": import_errors}
    if listener is None:
        wire.send(sock, hello)
    else:  # the grader answers what the allowlist refuses; this process must not hold the answer
        wire.send_with_fd(sock, hello, listener)
        os.close(listener)
    _serve(sock, namespace, output)


def _lab_namespace(imports):
    """The globals answer cells run in: what the lab's own cells import (only what they use)."""
    namespace = {"__name__": "__main__", "__builtins__": __builtins__}
    stub = _IPythonStub(namespace)
    namespace["get_ipython"] = lambda: stub
    errors = []
    for statement in imports:
        try:
            exec(compile(statement, "<lab>", "exec"), namespace)
        except Exception as error:
            errors.append("{}: {}".format(statement, describe_error(error)))
    return namespace, errors


def _forget_the_grader():
    """Nothing of the grader beyond what this module holds stays importable."""
    for name in list(sys.modules):
        if name.startswith(_DROPPED) and name not in _CHILD_MODULES:
            del sys.modules[name]
    sys.path[:] = []
    sys.meta_path[:] = [f for f in sys.meta_path if f.__module__.startswith("_frozen_importlib")]


def _serve(sock, namespace, output):
    while True:
        try:
            message = wire.recv(sock)
        except wire.WireError:
            return
        if message["op"] == "exec":  # a reply per cell, so the parent can time each one
            for index, source in message["cells"]:
                before = _printed(output)
                error, line = _exec(source, namespace)
                wire.send(sock, {"op": "done", "index": index, "error": error, "syntax_line": line,
                                 "printed": max(_printed(output) - before, 0)})
        elif message["op"] == "call":  # every case of one function, in one reply
            outcomes = _call_all(sock, message, namespace)
            wire.send(sock, {"op": "outcomes", "outcomes": outcomes})


def _printed(output):
    """What the cells printed so far (the cells can reach the count: anything but a number is none)."""
    printed = output.printed
    return printed if type(printed) is int else 0


def _exec(source, namespace):
    """Run one answer cell: (its error or "", the line of its syntax error or None)."""
    try:
        code = compile(source, "<answer cell>", "exec")
    except SyntaxError as error:  # the cell never ran: the student is told where
        return describe_error(error), error.lineno
    except BaseException as error:  # noqa: B902 -- null bytes, a parser out of memory
        return describe_error(error), None
    try:
        exec(code, namespace)
    except BaseException as error:  # noqa: B902 -- sys.exit() in a cell is the student's error too
        return describe_error(error), None
    return "", None


def _call_all(sock, message, namespace):
    """The outcomes of the called function on each of its preloaded cases: isolated once, each case's
    own arguments, helpers answered from the replies the call brought (else by asking).

    A function's cases are popped by its one call, so arguments a case's call
    changed are never handed to another call uncopied. The grader calls each
    function once per child, after preloading it (:meth:`~.zygote.Zygote.preload`).
    """
    name = message["function"]
    helper_names, cases = _CALLS.pop(name, ((), []))
    function = namespace.get(name)
    if not callable(function):
        return [{"value": None, "args_after": None, "error": "", "missing": True}] * len(cases)
    known, params = message.get("known", {}), message.get("params", {})
    helpers = {helper: _proxy(sock, helper, known.get(helper, {}), params.get(helper)) for helper in helper_names}
    try:
        isolated = isolate(function, helpers)
    except BaseException as error:  # noqa: B902 -- a namespace that breaks isolation breaks every case
        return [{"value": None, "args_after": None, "error": describe_error(error)}] * len(cases)
    return [_call(isolated, args, kwargs) for args, kwargs in cases]


def _call(function, args, kwargs):
    try:
        outcome = call(function, args, kwargs, fresh=True)
    except BaseException as error:  # noqa: B902 -- SystemExit and the like
        return {"value": None, "args_after": None, "error": describe_error(error)}
    return {"value": outcome.value, "args_after": outcome.args_after, "error": outcome.error,
            "invalid": outcome.invalid}


def _proxy(sock, name, known, params):
    """The helper ``name``, answered by the grader: from ``known`` (the replies to the calls the reference
    makes on these cases, locked under their arguments) without a round trip, else by asking."""
    def helper(*args, **kwargs):
        reply = None
        if params:
            try:
                reply = unlock_reply(known, call_key(args, kwargs, params))
            except Exception:  # noqa: BLE001 -- arguments the codec refuses: asking says why, below
                reply = None
        if reply is None:
            wire.send(sock, {"op": "helper", "name": name, "args": codec.encode(list(args)),
                             "kwargs": codec.encode(kwargs)})
            reply = wire.recv(sock)
        if reply.get("error"):
            raise _EXCEPTIONS.get(reply.get("type"), RuntimeError)(reply["error"])
        return codec.decode(reply["value"])

    helper.__name__ = name
    return helper
