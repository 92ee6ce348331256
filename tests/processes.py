"""Processes seen from /proc: a process's whole tree, which of them are alive, the sandbox's own; and
processes started with an audit hook of a test's in them."""

import os
import time
from pathlib import Path


def process_tree(root_pid):
    """{pid: start time} of ``root_pid`` and all its descendants, from /proc."""
    parents, starts = {}, {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)], starts[int(entry.name)] = int(fields[1]), fields[19]
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        children = [p for p, parent in parents.items() if parent == pid and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return {pid: starts[pid] for pid in tree if pid in starts}


def alive(processes):
    alive = []
    for pid, start in processes.items():
        try:
            stat = Path("/proc/{}/stat".format(pid)).read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if fields[19] == start and fields[0] != "Z":
            alive.append(pid)
    return alive


def sandbox_processes():
    """Live zygotes and sealed children, from /proc: [(pid, uid, start of the command line)].

    Each is a fork of the launcher ``python -c ... grader.sandbox.nest ...``; as
    root a child also runs as a uid of its own (200000 and up). When the tests
    run in several pytest-xdist workers, those under another worker's process
    tree are that worker's business and are left out; orphans count for all.
    """
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            uid = entry.stat().st_uid
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and (uid >= 200000 or "grader.sandbox.nest" in cmdline):
            found.append((int(entry.name), uid, cmdline[:80]))
    parents = _parents()  # read after the scan: every process found is in it (unless it is gone)
    others = _other_workers(parents)
    return [p for p in found if not _under(p[0], others, parents)]


def _parents():
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    return parents


def _other_workers(parents):
    """pids of the other pytest-xdist workers: this worker's siblings under the controller (none without xdist)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return set()
    me, controller = os.getpid(), os.getppid()
    return {pid for pid, parent in parents.items() if parent == controller and pid != me}


def _under(pid, ancestors, parents):
    seen = set()
    while pid in parents and pid not in seen and pid > 1:
        if pid in ancestors:
            return True
        seen.add(pid)
        pid = parents[pid]
    return False


def left_behind(before, seconds=10):
    """Sandbox processes not running ``before`` that are still alive after up to ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = [p for p in sandbox_processes() if p not in before]
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)


def with_hook(folder, source):
    """The PYTHONPATH under which every Python process of the grader's runs ``source`` at start (an audit hook,
    say), as ``sitecustomize`` in ``folder``; the zygotes run ``-I -S`` and are not touched."""
    folder = Path(folder)
    folder.mkdir()
    (folder / "sitecustomize.py").write_text(source, encoding="utf-8")
    return os.pathsep.join(filter(None, [str(folder), os.environ.get("PYTHONPATH")]))
