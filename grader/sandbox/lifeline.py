"""A grading process dies with its parent: nothing a grader started outlives it.

Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) is sent when the
thread that forked a process exits, however it exits -- SIGKILL included. Every
process of a run sets it: grading processes of the batch, zygotes, sealed
children, so a killed batch, a CI job cut off at its limit or a restarted
server leaves nothing running. The setting is cleared when a process changes
its uid, so a sealed child sets it after it became its own user.
"""

import ctypes
import os
import signal

_PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid, sig=signal.SIGKILL):
    """Have the kernel send ``sig`` to this process when ``parent_pid`` (its parent) exits.

    The parent may have died already, before the wish was made: then die now.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os.kill(os.getpid(), sig)
