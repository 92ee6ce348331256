"""Collect takes each submission as one snapshot: content and lateness from the same moment, within caps.

Students are real OS users (tests/other_users.py) writing into a real
exchange folder; collect is nbgrader's own, with the course's SafeCollect.
A student swaps late work in at every gap of collect's reading of their
folder (a forced swap per gap, tests/collect_race.py) and with a real racing
process on an inotify watch; writes through a memory mapping on tmpfs, which
change no time; submits sparse files far over the caps; and names folders and
files with newlines and terminal escapes. Late content is never received on
time, one student's folder never stops another's, and no name a student
chose forges or colours a line of collect's output.
"""

import datetime
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from collect_race import collect_here, swap_before
from course import ASSIGNMENT, COURSE_ID, NOTEBOOK, copy_course, tool_env
from other_users import create_user, open_folder, remove_user
from student_racers import INOTIFY_SWAP, MAPPED_WRITER

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="creates OS users: needs root (CI runs as root)")

SUFFIX = str(os.getpid())[-5:]
ALICE, BOB, MALLORY = ("snap-{}-{}".format(n, SUFFIX) for n in ("alice", "bob", "mallory"))
EARLY, LATE = '{"work": "on time"}', '{"work": "so late"}'
assert len(EARLY) == len(LATE)  # a mapping writes in place: the same size
FORGED = "[CollectApp | INFO] Collected forged"


@pytest.fixture(scope="module")
def users():
    root = open_folder("grader-snapshot-users-")
    try:
        yield {name: create_user(name, root / name) for name in (ALICE, BOB, MALLORY)}
    finally:
        for name in (ALICE, BOB, MALLORY):
            remove_user(name)
        shutil.rmtree(root, ignore_errors=True)


class Hub:
    """A course whose exchange lives under ``base`` (a tmpfs for /dev/shm), with the three students enrolled."""

    def __init__(self, base, users, config=""):
        self.root = Path(tempfile.mkdtemp(prefix="grader-snapshot-", dir=base))
        self.root.chmod(0o755)
        self.users = users
        exchange = self.root / "exchange"
        self.inbound = exchange / ASSIGNMENT / "inbound"
        self.inbound.mkdir(parents=True)
        for folder in (exchange, exchange / ASSIGNMENT):
            folder.chmod(0o755)
        self.inbound.chmod(0o1777)
        self.course = copy_course(open_folder("grader-snapshot-course-") / "course")
        self.course.chmod(0o700)
        with open(self.course / "nbgrader_config.py", "a", encoding="utf-8") as handle:
            handle.write("\nc.Exchange.root = {!r}\n{}\n".format(str(exchange), config))
        from nbgrader.api import Gradebook

        with Gradebook("sqlite:///{}".format(self.course / "gradebook.db"), COURSE_ID) as gradebook:
            for name in users:
                gradebook.add_student(name)

    def plant(self, student, name, files=(), links=(), sparse=(), owner=None):
        """A folder ``name`` in inbound with ``files`` [(name, text)], made by ``owner`` (default ``student``)."""
        folder = self.inbound / name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir()
        for file, text in files:
            (folder / file).write_text(text, encoding="utf-8")
        for link, target in links:
            (folder / link).symlink_to(target)
        for file, size in sparse:
            with open(folder / file, "wb") as handle:
                handle.truncate(size)
        uid = self.users[owner or student].pw_uid
        for path in [folder] + list(folder.iterdir()):
            os.lchown(path, uid, uid)
        return folder

    def as_student(self, student, code, *args, **kwargs):
        entry = self.users[student]
        return subprocess.Popen(["/usr/bin/python3", "-c", code, *map(str, args)], user=entry.pw_uid,
                                group=entry.pw_gid, extra_groups=[], cwd="/", stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kwargs)

    def collect(self, *args):
        """The log of ``nbgrader collect`` (run in this process: a new one starts slowly on a busy machine)."""
        return collect_here(self.course, *args, ASSIGNMENT)

    def submitted(self, student):
        return self.course / "submitted" / student / ASSIGNMENT

    def collected(self, student):
        """(notebook's text, receipt) collected of ``student``, or (None, None)."""
        folder = self.submitted(student)
        if not (folder / NOTEBOOK).exists():
            return None, None
        stamp = (folder / "timestamp.txt").read_text(encoding="utf-8")
        return (folder / NOTEBOOK).read_text(encoding="utf-8"), \
            datetime.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%f UTC")

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)
        shutil.rmtree(self.course.parent, ignore_errors=True)


@pytest.fixture
def hub(users, monkeypatch):
    monkeypatch.setenv("PATH", tool_env()["PATH"])  # nbgrader's gradebook runs alembic by name
    made = []

    def make(base="/tmp", config=""):
        made.append(Hub(base, users, config))
        return made[-1]

    yield make
    for one in made:
        one.remove()


def _now():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


def _deadline():
    """A deadline strictly after every change made so far and strictly before every change made next."""
    time.sleep(0.2)  # the kernel's file times tick coarser than the clock: a clear gap on each side
    deadline = _now()
    time.sleep(0.2)
    return deadline


def _folder_name(student, tag="a"):
    return "{}+{}+{}+{}".format(student, ASSIGNMENT, _now().strftime("%Y-%m-%d %H:%M:%S.%f UTC"), tag)


def _check_snapshot(hub, student, deadline, log):
    """'' when what was collected of ``student`` is sound, else what is wrong: late work received on time."""
    content, received = hub.collected(student)
    if content is None:
        return "" if "changed while it was being collected" in log else \
            "nothing collected and no reason given: " + log[-1500:]
    if content == LATE and received <= deadline:
        return "late work received on time ({} <= deadline {})".format(received, deadline)
    return "" if content in (EARLY, LATE) else "collected neither version: {!r}".format(content[:100])


SWAPS = {
    "rewritten in place": "open({nb!r}, 'r+').write({late!r})",
    "renamed over": "import os; open({nb!r} + '.new', 'w').write({late!r}); os.replace({nb!r} + '.new', {nb!r})",
}


@pytest.mark.parametrize("swap", sorted(SWAPS))
def test_a_swap_in_any_gap_of_collects_reading_never_brings_late_work_in_on_time(hub, swap):
    """Every gap, one run each: the student's swap runs just before the gap-th call collect makes on the folder."""
    hub = hub()
    name = _folder_name(MALLORY)
    notebook = hub.inbound / name / NOTEBOOK
    student = hub.users[MALLORY]
    command = ["/usr/bin/python3", "-c", SWAPS[swap].format(nb=str(notebook), late=LATE)]

    def swap_late_work_in():
        subprocess.run(command, check=True, user=student.pw_uid, group=student.pw_gid, extra_groups=[], cwd="/")

    def race(gap):
        hub.plant(MALLORY, name, files=[(NOTEBOOK, EARLY), ("notes.txt", "my notes")])
        shutil.rmtree(hub.submitted(MALLORY), ignore_errors=True)
        deadline = _deadline()
        with swap_before(hub.inbound / name, gap, swap_late_work_in) as seen:
            log = collect_here(hub.course, ASSIGNMENT)
        return deadline, log, seen["touches"]

    _, log, touches = race(0)
    assert touches >= 3 and hub.collected(MALLORY)[0] == EARLY, log  # listing, opening, reading at least
    wrong = {}
    for gap in range(1, touches + 1):
        deadline, log, _ = race(gap)
        problem = _check_snapshot(hub, MALLORY, deadline, log)
        if problem:
            wrong[gap] = problem
    assert not wrong, "of {} gaps: {}".format(touches, wrong)


def test_a_racing_student_on_an_inotify_watch_gets_no_on_time_receipt_for_late_work(hub):
    hub = hub()
    # alice's larger notebook comes first in collect's order: time enough for the racer to win on the old code
    hub.plant(ALICE, _folder_name(ALICE), files=[(NOTEBOOK, EARLY), ("data.txt", "x" * (8 << 20))])
    folder = hub.plant(MALLORY, _folder_name(MALLORY), files=[(NOTEBOOK, EARLY)])
    deadline = _deadline()
    racer = hub.as_student(MALLORY, INOTIFY_SWAP, folder, NOTEBOOK, LATE)
    try:
        assert racer.stdout.readline() == "ready\n", racer.stderr.read()
        log = hub.collect()
        out, err = racer.communicate(timeout=60)
    finally:
        racer.kill()
    assert out == "swapped\n", err  # it did swap, once collect had listed the folder
    assert _check_snapshot(hub, MALLORY, deadline, log) == ""
    assert hub.collected(ALICE)[0] == EARLY


def test_on_tmpfs_a_write_through_a_mapping_after_the_deadline_is_late_though_it_changed_no_time(hub):
    """tmpfs times a mapped page's first write only: the receipt there is when the copy was made."""
    hub = hub("/dev/shm")
    folder = hub.plant(MALLORY, _folder_name(MALLORY), files=[(NOTEBOOK, EARLY)])
    writer = hub.as_student(MALLORY, MAPPED_WRITER, folder / NOTEBOOK)
    try:
        writer.stdin.write(EARLY + "\n")
        writer.stdin.flush()
        assert writer.stdout.readline() == "written\n", writer.stderr.read()
        first = hub.collect()
        content, received = hub.collected(MALLORY)
        assert content == EARLY, first[-2000:]
        deadline = _deadline()
        hub.collect("--update")  # unchanged since collected before the deadline: its receipt stands
        assert hub.collected(MALLORY) == (EARLY, received)
        writer.stdin.write(LATE + "\n")  # the page is mapped and written already: tmpfs times this write nowhere
        writer.stdin.flush()
        assert writer.stdout.readline() == "written\n", writer.stderr.read()
        late = hub.collect("--update")
    finally:
        writer.kill()
        writer.communicate()
    content, received = hub.collected(MALLORY)
    assert content == LATE, late[-2000:]  # her newest work is collected ...
    assert received > deadline  # ... and late, as it is


def test_sparse_files_and_crowded_folders_over_the_caps_are_refused_and_stop_no_one_else(hub):
    hub = hub(config="c.SafeCollect.max_file_mb = 2\nc.SafeCollect.max_total_mb = 10")
    # mallory: 36 sparse files of 2 MB each (72 MB that read as zeros, no disk), far over 10 MB in all
    hub.plant(MALLORY, _folder_name(MALLORY), files=[(NOTEBOOK, EARLY)],
              sparse=[("part{:02d}.bin".format(i), 2 << 20) for i in range(36)])
    # bob: 150 empty files, over the 100 entries a folder may hold
    hub.plant(BOB, _folder_name(BOB), files=[(NOTEBOOK, EARLY)] + [("f{}".format(i), "") for i in range(150)])
    hub.plant(ALICE, _folder_name(ALICE, "older"), files=[(NOTEBOOK, EARLY)])
    time.sleep(0.05)
    hub.plant(ALICE, _folder_name(ALICE, "newer"), files=[(NOTEBOOK, LATE), ("big.bin", "x" * (2 << 20))])
    log = hub.collect()
    assert "more than 10 MB in all" in log, log[-3000:]
    assert "more than 100 entries" in log, log[-3000:]
    for student in (MALLORY, BOB):
        assert not hub.submitted(student).exists()
        parent = hub.submitted(student).parent
        assert not parent.exists() or not list(parent.iterdir())  # no staging folder left behind either
    assert hub.collected(ALICE)[0] == LATE  # a classmate's newest work is collected
    assert (hub.submitted(ALICE) / "big.bin").stat().st_size == 2 << 20  # at the per-file cap: still taken


def test_no_folder_or_file_name_forges_or_colours_a_line_of_collects_output(hub):
    hub = hub()
    hub.plant(MALLORY, "nobody\n" + FORGED + " +x", owner=MALLORY)
    hub.plant(MALLORY, "{}+{}+x\x1b]0;pwned\x07\n{}".format(MALLORY, ASSIGNMENT, FORGED),
              files=[(NOTEBOOK, EARLY)], links=[("evil\n" + FORGED + "\x1b[2J", "/etc/passwd")])
    output = hub.collect()
    assert "\x1b" not in output and "\x07" not in output
    assert not any(line.startswith(FORGED) for line in output.splitlines()), output
    assert "nobody\\x0a" + FORGED in output  # shown, escaped, on the refusal's own line
    assert hub.collected(MALLORY)[0] == EARLY
    assert not (hub.submitted(MALLORY) / ("evil\n" + FORGED + "\x1b[2J")).exists()


@given(st.text())
def test_a_name_shown_inside_one_log_line_keeps_no_newline_or_control_character(text):
    from grader.client import printable

    shown = printable(text, lines=False)
    assert shown.isprintable()  # no newline, carriage return, escape or bell left to obey
    assert (shown == text) == text.isprintable()  # a plain name is shown as it is


def test_a_folder_with_a_file_system_mounted_on_it_is_refused_and_stops_no_one_else(hub):
    """A tmpfs mounted in a mount namespace of collect's own stands for the FUSE mount fusermount lets a student
    make on a folder of theirs, whose every stat or read its daemon may hold forever."""
    hub = hub()
    folder = hub.plant(MALLORY, _folder_name(MALLORY))
    hub.plant(ALICE, _folder_name(ALICE), files=[(NOTEBOOK, EARLY)])
    uid, quoted = hub.users[MALLORY].pw_uid, shlex.quote(str(folder))
    script = ("mount -t tmpfs -o uid={uid},gid={uid},mode=0755 none {folder} && printf %s {early} > {folder}/{nb} "
              "&& chown {uid} {folder}/{nb} && exec {python} -m nbgrader collect {assignment}").format(
        uid=uid, folder=quoted, early=shlex.quote(EARLY), nb=NOTEBOOK, python=shlex.quote(sys.executable),
        assignment=ASSIGNMENT)
    proc = subprocess.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script], cwd=hub.course,
                          env=tool_env(), capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "a file system is mounted in the folder" in proc.stderr, proc.stderr[-3000:]
    assert hub.collected(MALLORY) == (None, None)
    assert hub.collected(ALICE)[0] == EARLY
