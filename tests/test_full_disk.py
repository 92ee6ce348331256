"""A full disk: every command says so, leaves no half-written file, and nothing is lost once there is room.

The course lives on a small tmpfs of its own (mounted by the test, as root,
as CI runs) that a filler file fills to the last block.
"""

import os
import shutil
import subprocess

import pytest

from course import ASSIGNMENT, FULL, generated_course, gradebook_scores, grader_cli, solved_submission, submit

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root (CI runs as root)")


@pytest.fixture
def full_course(tmp_path):
    course = generated_course(tmp_path / "made")
    for student in ("ivanov", "petrov"):
        submit(course, student, solved_submission())
    disk = tmp_path / "disk"
    disk.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=24m,mode=700", "tmpfs", str(disk)], check=True)
    try:
        shutil.copytree(course, disk / "course", symlinks=True)
        (disk / "course").chmod(0o700)
        filler = disk / "filler"
        fill(filler)
        yield disk / "course", filler
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(filler):
    """``filler`` grows to the disk's last byte (again: a command that failed may have freed a few blocks)."""
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    for size in (1 << 20, 1 << 16, 1 << 12, 1):
        try:
            while True:
                os.write(fd, bytes(size))
        except OSError:
            pass
    os.close(fd)


def said_disk_full(proc):
    return "no space left on the disk" in proc.stderr + proc.stdout and "Traceback" not in proc.stderr


@needs_root
def test_every_command_says_the_disk_is_full_and_leaves_no_part_file(full_course):
    course, filler = full_course
    graded = grader_cli(course, "autograde")
    assert graded.returncode != 0 and said_disk_full(graded), graded.stdout + graded.stderr
    assert "cannot reach the gradebook" not in graded.stderr + graded.stdout
    fill(filler)
    exported = grader_cli(course, "export", "--csv", course / "grades.csv")
    assert exported.returncode == 2 and said_disk_full(exported), exported.stderr
    fill(filler)
    similar = grader_cli(course, "similarity", "--code-only")
    assert similar.returncode == 2 and said_disk_full(similar), similar.stderr
    fill(filler)
    report = grader_cli(course, "report")
    assert report.returncode == 2 and said_disk_full(report), report.stderr[-2000:]
    left = [p for p in course.rglob("*") if p.is_file() and (p.stat().st_size == 0 or p.name.endswith(".part"))
            and p.parent.name in ("reports", course.name)]
    assert not left, left

    filler.unlink()  # room again: the next run grades everyone, nothing was lost
    again = grader_cli(course, "autograde")
    assert again.returncode == 0, again.stderr[-2000:]
    assert gradebook_scores(course) == {"ivanov": FULL, "petrov": FULL}
    assert (course / "autograded" / "ivanov" / ASSIGNMENT).is_dir()
    assert grader_cli(course, "similarity", "--code-only").returncode == 0
    assert (course / "reports" / "similarity.html").stat().st_size > 1000


def test_a_device_or_a_pipe_is_written_in_place_never_replaced(tmp_path):
    """`--json /dev/null` or a shell's pipe: written through, never renamed over (as root that made
    /dev/null a private regular file, and every other user's programs failed to open it)."""
    import stat
    import threading

    from grader.course.base.files import write_text

    before = os.stat("/dev/null")
    write_text("/dev/null", "x" * 100)
    after = os.stat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and after.st_mode == before.st_mode and after.st_ino == before.st_ino
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    got = []
    reader = threading.Thread(target=lambda: got.append(pipe.read_text()))
    reader.start()
    write_text(pipe, "through the pipe")
    reader.join(timeout=30)
    assert got == ["through the pipe"] and stat.S_ISFIFO(os.stat(pipe).st_mode)
