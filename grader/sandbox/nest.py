"""The zygote's launcher: namespaces first, then the zygote as the init of its own PID namespace.

Run by :class:`grader.sandbox.zygote.Zygote` as ``python -I -S``, before numpy is
imported. It dies with the grader (parent-death signal), enters new network,
IPC, mount and PID namespaces -- without root inside a user namespace of its
own, where the kernel allows one -- and forks: the child is PID 1 of the new
PID namespace and becomes the zygote (:func:`grader.sandbox.child.zygote`);
this process waits for it and dies with the grader, taking it along. When
the zygote dies, the kernel kills every process left in its namespace, so
nothing a student started outlives grading however the grader ends.

A namespace the kernel refuses is left out and reported (:mod:`.seal`).
"""

import json
import os
import signal
import socket

from . import kernel
from .lifeline import die_with_parent

_NAMESPACES = (("net", kernel.CLONE_NEWNET), ("ipc", kernel.CLONE_NEWIPC), ("mount", kernel.CLONE_NEWNS),
               ("pid", kernel.CLONE_NEWPID))


def main(control_fd, parent_pid, wanted_json):
    die_with_parent(parent_pid, signal.SIGKILL)
    wanted = set(json.loads(wanted_json))
    made = enter_namespaces(wanted)
    zygote_parent = parent_pid  # without a PID namespace, this process is the zygote
    zygote_id = os.getpid()  # its pid on the machine, unlike any its children see
    if "pid" in made:
        try:
            pid = os.fork()
        except OSError as error:  # no process to be had (a process limit, no memory): the grader is told why
            from ..plain import framing

            framing.send(socket.socket(fileno=control_fd), {"op": "ready", "error": "fork: " + error.strerror})
            os._exit(1)
        if pid:
            os.close(control_fd)
            _, status = os.waitpid(pid, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        zygote_parent = 0  # this process's parent is outside its PID namespace: getppid() says 0
    from .child import zygote

    zygote(control_fd, zygote_parent, sorted(made), sorted(wanted), zygote_id)
    os._exit(0)


def enter_namespaces(wanted):
    """Enter the namespaces of ``wanted`` the kernel allows; return the names of those entered.

    As root each is asked for alone, so a container that allows some keeps
    them. Without root a user namespace comes first (it is what lets an
    ordinary user make the others); ``user`` is among the names when it was made.
    """
    made = set()
    if os.geteuid() != 0:
        if "user" not in wanted:
            return made
        uid, gid = os.geteuid(), os.getegid()
        try:
            kernel.unshare(kernel.CLONE_NEWUSER)
            kernel.map_identity(uid, gid, uid, gid)
        except OSError:
            return made
        made.add("user")
    for name, flag in _NAMESPACES:
        if name in wanted:
            try:
                kernel.unshare(flag | (kernel.CLONE_NEWUTS if name == "net" else 0))
            except OSError:
                continue
            made.add(name)
    if "mount" in made:
        try:  # mounts a child makes stay in its namespace, never propagate to the machine's
            kernel.mount(None, "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
        except OSError:
            made.discard("mount")
    return made
