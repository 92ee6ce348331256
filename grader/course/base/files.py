"""Files the instructor's commands write: whole or not at all, and a full disk said as such.

A page, an export or a setting is written beside its place and renamed over
it only once complete, so a full disk or a killed command leaves the previous
file (or none), never a truncated one that looks like a result.
"""

import errno
import os
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path

NO_SPACE = (errno.ENOSPC, errno.EDQUOT)


@contextmanager
def replaced(path, mode="w", encoding="utf-8", **open_args):
    """An open file that becomes ``path`` when the block ends without error (private to its owner).

    Only a regular file (or none) is replaced: a device or a pipe (``--json /dev/null``, a shell's
    ``>(...)``) is written in place -- renamed over, as root, ``/dev/null`` became a private file and
    every other user's programs lost it."""
    path = Path(path)
    try:
        special = not stat.S_ISREG(os.stat(path).st_mode)
    except FileNotFoundError:
        special = False
    if special:
        with open(path, mode, encoding=None if "b" in mode else encoding, **open_args) as out:
            yield out
        return
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix="." + path.name + ".", suffix=".part")
    try:
        with os.fdopen(fd, mode, encoding=None if "b" in mode else encoding, **open_args) as out:
            yield out
        os.replace(tmp, path)
    except BaseException as error:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(error, OSError) and not error.filename:
            error.filename = str(path)  # a failed write names no file: say which one was being written
        raise


def write_text(path, text):
    """``path`` holds ``text``, whole, or is left as it was."""
    with replaced(path) as out:
        out.write(text)


def is_disk_full(error):
    return isinstance(error, OSError) and error.errno in NO_SPACE


def disk_full_message(error):
    """A full disk in the instructor's words: where, and that nothing half-written was kept."""
    where = " holding {}".format(error.filename) if getattr(error, "filename", None) else ""
    return ("no space left on the disk{}: free some space and run the command again (no file was left "
            "half-written)".format(where))


def no_space_under(folder):
    """Whether the file system holding ``folder`` has no room left for its user (sqlite says only 'disk I/O')."""
    try:
        info = os.statvfs(folder)
    except OSError:
        return False
    return info.f_bavail * info.f_frsize < 64 * 1024
