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

and copies from it only regular files of that student's, one snapshot at a
time (:mod:`grader.course.steps.snapshot`): opened without following links, copied
in bounded chunks into a private staging folder, each at most ``max_file_mb``
and the whole at most ``max_entries`` entries and ``max_total_mb``; links,
pipes, devices and folders are skipped, and a folder with a file system
mounted in it (FUSE: its daemon could hold collect) is refused. The time of a submission is when the
exchange received it: the latest inode change time of the folder and of the
files collected, read after the copy -- content that changed during the copy
is refused (after one more try), so a swap after the time was read cannot
bring late work in on time. The kernel sets that clock and nobody but root
can turn it back, so no file a student writes can make a late submission on
time; ``timestamp.txt`` in the student's folder is never read, and the one in
``submitted/`` is this receipt. On tmpfs, where writes through a memory
mapping leave no time, the receipt is when the copy finished. Each refusal is
logged with its reason (every name a student chose escaped, a newline too),
and one bad folder -- refused, over the caps, or failing in any way -- costs
only itself.
"""

import datetime
import filecmp
import os
import pwd
import shutil
import stat

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.exchange.default.release_feedback import ExchangeReleaseFeedback
from traitlets import Float, Integer

from ...client import printable
from ..base.layout import NOTEBOOK
from ..base.students import is_student_id, roster
from .snapshot import REPLACED, Caps, Changed, Refused, mounted_under, receipt, take

_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"


class SafeCollect(ExchangeCollect):
    """``nbgrader collect`` that trusts nothing a student wrote: owner, roster, regular files, the kernel's clock."""

    max_file_mb = Float(25.0, help="Largest file collected from a submission, in MB (a larger one is skipped).").tag(
        config=True)
    max_total_mb = Float(50.0, help="Most bytes of one submission, in MB, by the files' apparent sizes (a sparse "
                                    "file counts as the size it reads as); a larger submission is not collected."
                         ).tag(config=True)
    max_entries = Integer(100, help="Most entries (files, links, folders) in one submission's folder; a folder "
                                    "with more is not collected.").tag(config=True)

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        # resolved (the instructor's own path), so that the mount table's points compare with its folders
        self.inbound_path = os.path.realpath(os.path.join(self.root, self.coursedir.course_id, "inbound"))
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
                student, changed = self._examine(entry)
            except (Refused, OSError) as reason:
                self._refused(entry.name, reason)
                continue
            if student and (student not in latest or changed > latest[student][1]):
                latest[student] = (entry.path, changed)
        wanted = self.coursedir.student_id
        self.src_records = [{"username": s, "path": p, "changed": c} for s, (p, c) in sorted(latest.items())
                            if wanted in ("", "*") or s == wanted]

    def _examine(self, entry):
        """(student, last change seen) of one inbound folder; (None, None) for another assignment's.

        The change seen here only picks each student's latest folder; the
        receipt is read after the copy (:meth:`_collect`).
        """
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
        if mounted_under(entry.path):  # before any stat: one of a mount (FUSE) may block
            raise Refused("a file system is mounted in the folder")
        info = os.lstat(entry.path)
        if not stat.S_ISDIR(info.st_mode):
            raise Refused("not a folder (a link, a file)")
        if _owner(info.st_uid) != student:
            raise Refused("owned by {}, not by {}: planted in another's name".format(_owner(info.st_uid), student))
        return student, _last_change(entry.path, info, self.max_entries)

    def copy_files(self):
        if not self.src_records:
            self.log.warning("No submissions of '%s' for course '%s' to collect", self.coursedir.assignment_id,
                             self.coursedir.course_id)
        for record in self.src_records:
            try:
                self._collect(record)
            except (Refused, OSError) as reason:
                self._refused(os.path.basename(record["path"]), reason)
            except Exception as error:  # noqa: BLE001 -- one folder's failure, whatever it is, costs only itself
                self._refused(os.path.basename(record["path"]), "{}: {}".format(type(error).__name__, error))

    def _refused(self, name, reason):
        self.log.warning("not collected: %s: %s", printable(name, lines=False), printable(reason, lines=False))

    def _collect(self, record):
        student = record["username"]
        dest = self.coursedir.format_path(self.coursedir.submitted_directory, student, self.coursedir.assignment_id)
        existing = None
        if os.path.isdir(dest):
            existing = self.coursedir.get_existing_timestamp(dest)
            if not self.update:
                self.log.info("Submission already exists, use --update to update: %s %s", student,
                              self.coursedir.assignment_id)
                return
        os.makedirs(os.path.dirname(dest), mode=0o700, exist_ok=True)
        os.chmod(os.path.dirname(dest), 0o700)
        staging = dest + ".collecting"
        try:
            snapshot = self._snapshot(record["path"], pwd.getpwnam(student).pw_uid, staging)
            if existing is not None and (_same_files(staging, dest, snapshot.copied) or
                                         (snapshot.timed and record["changed"] <= existing)):
                self.log.info("No newer submission to collect: %s %s", student, self.coursedir.assignment_id)
                return
            received = receipt(snapshot)
            _write_new(os.path.join(staging, REPLACED), received.strftime(_TIME_FORMAT).encode())
            if os.path.isdir(dest):
                shutil.rmtree(dest)
            os.rename(staging, dest)
        finally:
            if os.path.isdir(staging):
                shutil.rmtree(staging)
        self.log.info("Collected %s %s, received %s%s", student, self.coursedir.assignment_id,
                      received.strftime(_TIME_FORMAT), "" if snapshot.timed else
                      " (when copied: the exchange's file system, tmpfs, does not time writes through a mapping)")

    def _snapshot(self, folder, uid, staging):
        """:func:`~grader.course.steps.snapshot.take` into a fresh ``staging``, once more if the folder changed."""
        caps = Caps(self.max_entries, int(self.max_file_mb * 2 ** 20), int(self.max_total_mb * 2 ** 20))
        for attempt in (1, 2):
            if os.path.isdir(staging):
                shutil.rmtree(staging)
            os.mkdir(staging, 0o700)
            try:
                snapshot = take(folder, uid, staging, caps)
                break
            except Changed as change:
                if attempt == 2:
                    raise Refused("changed while it was being collected, twice: {}".format(change)) from None
                self.log.info("%s changed while it was being collected (%s): once more",
                              printable(os.path.basename(folder), lines=False), printable(change, lines=False))
        for name, why in snapshot.skipped:
            self.log.info("%s: not collected: %s (%s)", printable(os.path.basename(folder), lines=False),
                             printable(name, lines=False), why)
        if not any(name.endswith(".ipynb") for name in snapshot.copied):  # a renamed lone notebook is graded
            raise Refused("no notebook of the student's own in the submission (expected {})".format(NOTEBOOK))
        return snapshot


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


def _last_change(folder, info, most):
    """The latest change time of the folder and its entries, as a naive UTC datetime: which folder is newest."""
    latest = info.st_ctime
    with os.scandir(folder) as listing:
        for count, entry in enumerate(listing, 1):
            if count > most:
                raise Refused("more than {} entries in the folder".format(most))
            latest = max(latest, entry.stat(follow_symlinks=False).st_ctime)
    return datetime.datetime.fromtimestamp(latest, datetime.timezone.utc).replace(tzinfo=None)


def _same_files(staging, dest, names):
    """Whether ``dest`` (a collected submission) holds exactly the files ``names`` of ``staging``, byte for byte."""
    held = {entry.name for entry in os.scandir(dest)} - {REPLACED}
    return held == set(names) and all(filecmp.cmp(os.path.join(staging, name), os.path.join(dest, name),
                                                  shallow=False) for name in names)


def _write_new(path, data):
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb") as out:
        out.write(data)
