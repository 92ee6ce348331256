"""One student's inbound folder copied as one snapshot: its content, and the kernel's word for when it was there.

Reading the change times in one pass and the contents in a later one lets a
student swap late work in between (an inotify watch tells them when): an
on-time receipt for late content. So the copy comes first, and the time is
read from the very inodes that were copied, after the copy: each file is
opened without following links (relative to the folder's own descriptor, so
a folder renamed or swapped for a link meanwhile is not followed either),
copied in bounded chunks into a private staging folder, and stat-ed again; the
folder is stat-ed again at the end. A write, a swap, a new or removed entry
during the copy changes an inode's change time, size or identity, and the
snapshot is refused as :class:`Changed`. What was copied was therefore
unchanged from the first stat to the last, and the latest change time seen
after the copy is a time when it was all there (to one tick of the kernel's
file clock): a swap after the copy makes the receipt later, never earlier.

Writes through a shared memory mapping are the one change the kernel does
not always time. A disk file system (ext4, XFS) times the first write to a
page after writeback made it clean, so such writes can be about the
writeback delay newer than their time (``vm.dirty_expire_centisecs``: 30 s by
default, plus the flusher's interval). tmpfs (and ramfs, hugetlbfs) never
cleans a page: once a page was written through a mapping, later writes to it
leave no time at all. There :attr:`Snapshot.timed` is False and the only
sound receipt is when the copy finished (:func:`receipt`).

A folder with a file system mounted in it (FUSE, which fusermount lets a
student mount on a folder of theirs) is refused before anything in it is
stat-ed: its daemon could hold collect forever (:func:`mounted_under`).

Caps are checked on the listing, before a byte is copied, by apparent size
(a sparse file counts as the size it reads as): at most ``max_entries``
entries, ``max_file`` bytes a file and ``max_total`` bytes in all.
"""

import datetime
import os
import re
import stat
import time
from dataclasses import dataclass

CHUNK = 1 << 20
REPLACED = "timestamp.txt"  # the student's clock: never copied, collect writes its own receipt
UNTIMED_FILE_SYSTEMS = frozenset({"tmpfs", "ramfs", "hugetlbfs", "devtmpfs"})
_READ = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


class Refused(Exception):
    """Why a folder of the exchange is not collected."""


class Changed(Refused):
    """The folder or a file in it changed while it was being copied."""


@dataclass(frozen=True)
class Caps:
    """Most of a submission collect copies, in entries and bytes."""

    max_entries: int
    max_file: int
    max_total: int


@dataclass(frozen=True)
class Snapshot:
    """What :func:`take` copied into staging and when the kernel says it was there."""

    copied: tuple  # names, in the staging folder
    skipped: tuple  # (name, why) of the entries not copied
    changed_ns: int  # the latest change time of the folder and the copied files, read after the copy
    finished: float  # the collector's clock when the copy was checked complete (time.time())
    timed: bool  # whether the file system times writes through a mapping (see the module's docstring)


def take(path, uid, staging, caps):
    """Copy the regular files of ``uid`` directly in the folder ``path`` into ``staging`` (an empty private folder).

    Raises :class:`Refused` (the folder is not ``uid``'s, or over ``caps``) or
    :class:`Changed` (something changed during the copy: the caller may try
    again into a fresh staging folder); OSError for what the kernel refused.
    """
    if mounted_under(path):
        raise Refused("a file system is mounted in the folder")
    folder = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    try:
        before = os.fstat(folder)
        if before.st_uid != uid:
            raise Refused("the folder is owned by uid {}, not by its student".format(before.st_uid))
        planned, skipped = _plan(folder, before.st_dev, uid, caps)
        latest = before.st_ctime_ns
        for name, listed in planned:
            latest = max(latest, _copy(folder, name, listed, staging))
        after = os.fstat(folder)
        if _identity(after) != _identity(before):
            raise Changed("the folder changed while it was being copied")
        finished = time.time()
        return Snapshot(tuple(name for name, _ in planned), tuple(skipped), max(latest, after.st_ctime_ns), finished,
                        _timed(before.st_dev, path))
    finally:
        os.close(folder)


def receipt(snapshot):
    """When the exchange received ``snapshot``'s content, as a naive UTC datetime: the latest change time the
    kernel keeps, or where it does not time every write (tmpfs), when the copy finished."""
    seconds = snapshot.changed_ns / 1e9 if snapshot.timed else snapshot.finished
    return datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc).replace(tzinfo=None)


def _plan(folder, device, uid, caps):
    """([(name, stat)] to copy, [(name, why)] skipped) from one listing of ``folder``, within ``caps``."""
    planned, skipped, entries, total = [], [], 0, 0
    with os.scandir(folder) as listing:
        for entry in listing:
            entries += 1
            if entries > caps.max_entries:
                raise Refused("more than {} entries in the folder".format(caps.max_entries))
            if entry.name == REPLACED:  # the student's clock: never copied, and no news to log
                continue
            info = entry.stat(follow_symlinks=False)
            why = _not_copied(info, device, uid, caps.max_file)
            if why:
                skipped.append((entry.name, why))
                continue
            total += info.st_size
            if total > caps.max_total:
                raise Refused("more than {:g} MB in all (sparse files count as the size they read as)".format(
                    caps.max_total / 2 ** 20))
            planned.append((entry.name, info))
    return sorted(planned), sorted(skipped)


def _not_copied(info, device, uid, max_file):
    """Why an entry (``info``, in a folder on ``device``) is skipped, or None to copy it."""
    if stat.S_ISLNK(info.st_mode):
        return "a link"
    if info.st_dev != device:
        return "on another file system (a mount)"
    if not stat.S_ISREG(info.st_mode):
        return "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
    if info.st_uid != uid:
        return "owned by uid {}, not by the student".format(info.st_uid)
    if info.st_size > max_file:
        return "larger than {:g} MB".format(max_file / 2 ** 20)
    return None


def _copy(folder, name, listed, staging):
    """Copy ``name`` (as ``listed``) from ``folder`` into ``staging``; its change time (ns) after the copy."""
    try:
        source = os.open(name, _READ, dir_fd=folder)
    except OSError as error:
        raise Changed("{} could not be opened ({})".format(name, error.strerror)) from None
    try:
        opened = os.fstat(source)
        if _identity(opened) != _identity(listed):
            raise Changed("{} changed while it was being copied".format(name))
        copied = _stream(source, os.path.join(staging, name), opened.st_size + 1)  # a byte more: it grew
        after = os.fstat(source)
        if copied != opened.st_size or _identity(after) != _identity(opened):
            raise Changed("{} changed while it was being copied".format(name))
        return after.st_ctime_ns
    finally:
        os.close(source)


def _stream(source, target, most):
    """Copy at most ``most`` bytes from the descriptor ``source`` into a new file ``target``, a chunk at a time."""
    out = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    copied = 0
    try:
        while copied < most:
            chunk = os.read(source, min(CHUNK, most - copied))
            if not chunk:
                break
            view = memoryview(chunk)
            while view:
                view = view[os.write(out, view):]
            copied += len(chunk)
    finally:
        os.close(out)
    return copied


def _identity(info):
    """What any write, truncation, rename, link, chmod or swap of an inode changes."""
    return (info.st_dev, info.st_ino, info.st_mode, info.st_uid, info.st_size, info.st_mtime_ns, info.st_ctime_ns)


def mounted_under(path):
    """Mount points at or under ``path`` (absolute, links resolved), read from the mount table, not the path.

    A student may mount a FUSE file system on a folder of their own (fusermount
    lets them), whose stat or read can then block collect for everyone. The
    mount table is read without touching ``path`` at all; a mount made after
    it was read is the one race left (a file on another device is skipped).
    """
    return [point for _, point, _ in _mounts() if point == path or point.startswith(path.rstrip("/") + "/")]


def _timed(device, path):
    """Whether the file system of ``device`` (holding ``path``) times every write, mapped ones included."""
    return _file_system(device, os.path.realpath(path)) not in UNTIMED_FILE_SYSTEMS


def _file_system(device, path):
    """The type of the mount holding ``path`` (its device ``device``), from the mount table; "" if unknown."""
    wanted, by_prefix = "{}:{}".format(os.major(device), os.minor(device)), ("", -1)
    for number, point, kind in _mounts():
        if number == wanted:
            return kind
        if (path == point or path.startswith(point.rstrip("/") + "/")) and len(point) > by_prefix[1]:
            by_prefix = (kind, len(point))
    return by_prefix[0]


def _mounts():
    """[(device as "major:minor", mount point, type)] from /proc/self/mountinfo; [] if it cannot be read."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="surrogateescape") as table:
            lines = table.read().splitlines()
    except OSError:
        return []
    mounts = []
    for line in lines:
        fields, _, rest = line.partition(" - ")
        fields = fields.split(" ")
        if len(fields) >= 5:
            point = re.sub(r"\\([0-7]{3})", lambda code: chr(int(code.group(1), 8)), fields[4])  # a space is \040
            mounts.append((fields[2], point, (rest.split(" ") or [""])[0]))
    return mounts
