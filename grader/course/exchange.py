"""nbgrader's exchange on a shared hub, hardened: collect what each student really submitted, and when.

nbgrader's own collect copies an inbound folder with its links followed,
only warns when the folder's owner is not the student its name claims, takes
the time of a submission from the folder's name and ``timestamp.txt`` -- both
written by the student -- and stops at the first named pipe. Every student
can write into the inbound folder, so each of those is an attack: a link to
the instructor's source notebook, a folder planted in a classmate's name, a
rewritten timestamp, a pipe that stops collection for the class.

:class:`SafeCollect` (``c.ExchangeFactory.collect`` in the course's
``nbgrader_config.py``) collects a folder only when

* its name is ``<student>+dnn_step_by_step+...`` with a valid id of a student
  on the roster (the gradebook's students), and
* it is a real folder (not a link) owned by the OS user of that name;

and copies from it only regular files of that student's (opened without
following links, each at most ``max_file_mb``), skipping links, pipes, devices
and folders. The time of a submission is when the exchange received it: the
latest inode change time of the folder and of the files collected. The kernel
sets that clock and nobody but root can turn it back, so no file a student
writes can make a late submission on time; ``timestamp.txt`` in the student's
folder is never read, and the one in ``submitted/`` is this receipt. Each
refusal is logged with its reason, and one bad folder costs only itself.
"""

import datetime
import os
import pwd
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from traitlets import Float

from ..client import printable
from .layout import NOTEBOOK
from .students import is_student_id, roster

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


class Refused(Exception):
    """Why a folder of the exchange is not collected."""


class SafeCollect(ExchangeCollect):
    """``nbgrader collect`` that trusts nothing a student wrote: owner, roster, regular files, the kernel's clock."""

    max_file_mb = Float(25.0, help="Largest file collected from a submission, in MB.").tag(config=True)

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.inbound_path = os.path.join(self.root, self.coursedir.course_id, "inbound")
        if not os.path.isdir(self.inbound_path):
            self.fail("Course not found: {}".format(self.inbound_path))
        from nbgrader.api import Gradebook

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            self.roster = roster(gb)
        if not self.roster:
            self.fail("The gradebook has no students: add the class roster first "
                      "(nbgrader db student import roster.csv), so only its students are collected")
        latest = {}
        for entry in os.scandir(self.inbound_path):
            try:
                student, received = self._examine(entry)
            except Refused as reason:
                self.log.warning("not collected: %s: %s", printable(entry.name), reason)
                continue
            if student and (student not in latest or received > latest[student][1]):
                latest[student] = (entry.path, received)
        wanted = self.coursedir.student_id
        self.src_records = [{"username": s, "path": p, "received": r} for s, (p, r) in sorted(latest.items())
                            if wanted in ("", "*") or s == wanted]

    def _examine(self, entry):
        """(student, time received) of one inbound folder; (None, None) for another assignment's."""
        parts = entry.name.split("+")
        if len(parts) < 3:
            raise Refused("not an nbgrader submission folder")
        student, assignment = parts[0], parts[1]
        if assignment != self.coursedir.assignment_id:
            return None, None
        if not is_student_id(student):
            raise Refused("the name is not a student id")
        if student not in self.roster:
            raise Refused("{} is not on the roster".format(student))
        info = os.lstat(entry.path)
        if not stat.S_ISDIR(info.st_mode):
            raise Refused("not a folder (a link, a file)")
        if _owner(info.st_uid) != student:
            raise Refused("owned by {}, not by {}: planted in another's name".format(_owner(info.st_uid), student))
        return student, _received(entry.path, info)

    def copy_files(self):
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect", self.coursedir.assignment_id,
                             self.coursedir.course_id)
        for record in self.src_records:
            try:
                self._collect(record)
            except (Refused, OSError) as reason:
                self.log.warning("not collected: %s: %s", record["username"], reason)

    def _collect(self, record):
        student, received = record["username"], record["received"]
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, self.coursedir.assignment_id)
        if os.path.isdir(dest):
            existing = self.coursedir.get_existing_timestamp(dest)
            if not self.update or (existing is not None and received <= existing):
                self.log.info("No newer submission to collect: %s %s" if self.update else
                              "Submission already exists, use --update to update: %s %s",
                              student, self.coursedir.assignment_id)
                return
        files = _regular_files(record["path"], pwd.getpwnam(student).pw_uid, int(self.max_file_mb * 2 ** 20))
        if not any(name.endswith(".ipynb") for name in files):  # a renamed lone notebook is graded (layout)
            raise Refused("no notebook of the student's own in the submission (expected {})".format(NOTEBOOK))
        staging = dest + ".collecting"
        if os.path.isdir(staging):
            _remove(staging)
        os.makedirs(staging, mode=0o700)
        os.chmod(os.path.dirname(dest), 0o700)
        files["timestamp.txt"] = received.strftime(_TIME_FORMAT).encode()  # the student's clock: replaced
        for name, data in files.items():
            with os.fdopen(os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600),
                           "wb") as out:
                out.write(data)
        if os.path.isdir(dest):
            _remove(dest)
        os.rename(staging, dest)
        self.log.info("Collected %s %s, received %s", student, self.coursedir.assignment_id,
                      received.strftime(_TIME_FORMAT))


class ReleaseFeedback(ExchangeReleaseFeedback):
    """``nbgrader release_feedback`` whose released pages their students can read.

    nbgrader copies each page with its mode, and the instructor's copy is
    theirs alone (0600); in the exchange a page is named by a hash of its
    submission's secret, so only its student can find it: it is made 0644.
    """

    def copy_files(self):
        super().copy_files()
        for entry in os.scandir(self.dest_path):
            info = entry.stat(follow_symlinks=False)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and entry.name.endswith(".html"):
                os.chmod(entry.path, 0o644)


def _owner(uid):
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return "uid {}".format(uid)


def _received(folder, info):
    """When the exchange received the submission: the latest change time of the folder and its entries."""
    latest = info.st_ctime
    for entry in os.scandir(folder):
        latest = max(latest, entry.stat(follow_symlinks=False).st_ctime)
    return datetime.datetime.fromtimestamp(latest, datetime.timezone.utc).replace(tzinfo=None)


def _regular_files(folder, uid, limit):
    """{name: bytes} of the regular files directly in ``folder`` that ``uid`` owns, each at most ``limit``.

    Nothing is followed or waited for: a link, a pipe, a device, a socket or
    a folder is skipped; a file is opened with O_NOFOLLOW and O_NONBLOCK and
    checked again once open, so it cannot be swapped for a link meanwhile.
    """
    files = {}
    for entry in os.scandir(folder):
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != uid or info.st_size > limit:
            continue
        try:
            fd = os.open(entry.path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as handle:
            opened = os.fstat(fd)
            if (opened.st_ino, opened.st_dev) != (info.st_ino, info.st_dev) or not stat.S_ISREG(opened.st_mode):
                continue
            data = handle.read(limit + 1)
        if len(data) <= limit:
            files[entry.name] = data
    return files


def _remove(folder):
    import shutil

    shutil.rmtree(folder)
