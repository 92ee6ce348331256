"""Processes seen from /proc: a process's whole tree, and which of them are still alive."""

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
