"""Whose course code may run here: only what no one but the caller (or root) could have written.

A course holds code that runs as whoever grades, outside the seal: its
``nbgrader_config.py`` (read by nbgrader's own loader, which executes it) and
the release's helper modules (``dnn_utils.py``, ``testCases.py``), which the
zygote executes before any child is sealed, with the release notebook's import
statements. Such a file is run only when the folders from ``/`` down to it and
the file itself are owned by the caller or root and writable by no one else (an
ancestor such as ``/tmp`` may be open to all if it is sticky: others may add
entries there but never replace ours). Anything else -- a course planted in
``/tmp`` by another user, a release folder a group may write -- is refused
with the reason, before a byte of it runs.
"""

import os
import pwd
import stat
from pathlib import Path


class UntrustedCourse(Exception):
    """Course code that someone other than the caller or root could have written: it is never run."""


def trusted_files(folder, names):
    """Check that ``folder`` and its files ``names`` are the caller's (or root's) alone; raise :class:`UntrustedCourse`.

    The folder is checked as it really is (links resolved); each file is
    opened without following a link and checked as opened.
    """
    real = Path(os.path.realpath(folder))
    for ancestor in reversed(real.parents):
        _check(ancestor, os.lstat(ancestor), sticky_ok=True)
    _check(real, os.lstat(real), sticky_ok=False)
    for name in names:
        path = real / name
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as error:
            raise UntrustedCourse("{} cannot be read safely ({}): course code runs only from plain files".format(
                path, error.strerror)) from None
        try:
            info = os.fstat(fd)
        finally:
            os.close(fd)
        if not stat.S_ISREG(info.st_mode):
            raise UntrustedCourse("{} is not a plain file: course code runs only from plain files".format(path))
        _check(path, info, sticky_ok=False)
    return real


def _check(path, info, sticky_ok):
    caller = os.geteuid()
    if info.st_uid not in (caller, 0):
        raise UntrustedCourse(
            "{} belongs to {}, not to you or root: the course's code (nbgrader_config.py, the release's helper "
            "modules) runs as you before any sealing, so it runs only from folders and files you or root own; "
            "grade as that user, or copy the course to a folder of your own".format(path, _user(info.st_uid)))
    open_to_others = info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)
    if open_to_others and not (sticky_ok and info.st_mode & stat.S_ISVTX and stat.S_ISDIR(info.st_mode)):
        raise UntrustedCourse(
            "{} may be written by other users (mode {:o}): the course's code (nbgrader_config.py, the release's "
            "helper modules) runs as you before any sealing, so it runs only from folders and files no one else "
            "may write; `chmod go-w {}`".format(path, stat.S_IMODE(info.st_mode), path))


def _user(uid):
    try:
        return "{} (uid {})".format(pwd.getpwuid(uid).pw_name, uid)
    except KeyError:
        return "uid {}".format(uid)
