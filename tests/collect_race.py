"""nbgrader's real collect, run in this process, with a student's swap forced into one chosen gap of its reading.

A student racing collect (an inotify watch on their folder) can change it
between any two system calls collect makes on it; which gap they hit is the
scheduler's choice. :func:`swap_before` counts the calls of ``os`` that touch
a folder -- by path, through a descriptor of the folder or of a file in it,
or relative to one -- and just before the chosen one, runs the student's
swap (a real process of that OS user) and waits for it. Gap 0 swaps nowhere,
so a first run tells how many gaps there are and a test can try each in
turn, deterministically. ``DirEntry.stat`` cannot be counted (a C method);
the calls around it are. :func:`collect_here` runs ``nbgrader collect`` in
this process (an nbgrader process takes seconds to start on a busy machine).
"""

import contextlib
import io
import logging
import os

HOOKED = ("open", "scandir", "read", "fstat", "stat", "lstat", "listdir")


@contextlib.contextmanager
def swap_before(folder, gap, swap):
    """Within: ``swap()`` runs just before the ``gap``-th call of ``os`` that touches ``folder``; yields the count
    (``{"touches": n}``, final once the block is left)."""
    state = {"folder": os.path.realpath(folder), "gap": gap, "touches": 0, "busy": False}
    originals = {name: getattr(os, name) for name in HOOKED}
    for name, call in originals.items():
        setattr(os, name, _counted(call, state, swap))
    try:
        yield state
    finally:
        for name, call in originals.items():
            setattr(os, name, call)


def collect_here(course, *argv):
    """``nbgrader collect *argv`` run in ``course`` by this process; its log as text."""
    from nbgrader.apps.collectapp import CollectApp

    before, text = os.getcwd(), io.StringIO()
    handler = logging.StreamHandler(text)
    os.chdir(course)
    try:
        app = CollectApp()
        app.initialize(list(argv))
        app.log.addHandler(handler)
        try:
            app.start()
        finally:
            app.log.removeHandler(handler)
    finally:
        os.chdir(before)
    return text.getvalue()


def _counted(call, state, swap):
    def counted(*args, **kwargs):
        if not state["busy"]:
            state["busy"] = True
            try:
                if _touches(state["folder"], args, kwargs):
                    state["touches"] += 1
                    if state["touches"] == state["gap"]:
                        swap()
            finally:
                state["busy"] = False
        return call(*args, **kwargs)

    return counted


def _touches(folder, args, kwargs):
    """Whether a call with these arguments reaches ``folder`` or something in it."""
    target = args[0] if args else kwargs.get("path", ".")
    try:
        if isinstance(target, int):
            path = os.readlink("/proc/self/fd/{}".format(target))
        else:
            path = os.fsdecode(target)
            if kwargs.get("dir_fd") is not None:
                path = os.path.join(os.readlink("/proc/self/fd/{}".format(kwargs["dir_fd"])), path)
            path = os.path.join(os.path.realpath(os.path.dirname(os.path.abspath(path))), os.path.basename(path))
    except (OSError, TypeError, ValueError):
        return False
    return path == folder or path.startswith(folder + "/")
