"""Running the course's tools as another OS user (a student, or an instructor without root).

The project's interpreter may live where other users cannot reach it (pyenv
under /root), so another user gets an environment of their own: a venv of the
system's Python that sees this environment's packages, with console scripts
for the tools nbgrader runs by name (``alembic``).
"""

import contextlib
import fcntl
import os
import pwd
import subprocess
import sysconfig
from pathlib import Path

SYSTEM_PYTHON = "/usr/bin/python3"
TOOLS = {"nbgrader": "nbgrader.apps.nbgraderapp:main", "alembic": "alembic.config:main", "grader": "grader.cli:main"}


def environment_for(folder, user):
    """A venv at ``folder`` usable by ``user``, seeing this environment's packages; returns its bin/."""
    folder = Path(folder)
    subprocess.run([SYSTEM_PYTHON, "-m", "venv", "--without-pip", str(folder)], check=True)
    site = next((folder / "lib").glob("python3*/site-packages"))
    (site / "outer.pth").write_text("import site; site.addsitedir({!r})\n".format(sysconfig.get_paths()["purelib"]),
                                    encoding="utf-8")
    bin_dir = folder / "bin"
    for name, entry in TOOLS.items():
        module, function = entry.split(":")
        script = bin_dir / name
        script.write_text("#!{}\nimport sys\nfrom {} import {}\nif __name__ == '__main__':\n    sys.exit({}())\n"
                          .format(bin_dir / "python", module, function, function), encoding="utf-8")
        script.chmod(0o755)
    give_to(folder, user)
    return bin_dir


def give_to(path, user):
    """``chown -R user`` of ``path``."""
    entry = pwd.getpwnam(user)
    for folder, dirs, files in os.walk(path):
        for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
            os.lchown(name, entry.pw_uid, entry.pw_gid)


def environment_of(user, bin_dir, home, env=None):
    """The environment ``user``'s commands run in: ``bin_dir`` first on PATH, ``env`` added."""
    environment = {"PATH": "{}:/usr/bin:/bin".format(bin_dir), "HOME": str(home), "LANG": "C.UTF-8",
                   "USER": user, "LOGNAME": user}
    if "PYTHONPATH" in os.environ:  # a work tree's code before the installed one, as for this process
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    environment.update(env or {})
    return environment


def as_user(user):
    """``subprocess`` arguments that start a process as ``user`` (none if this process is them)."""
    entry = pwd.getpwnam(user)
    return {} if os.geteuid() == entry.pw_uid else {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def run_as(user, command, bin_dir, cwd, home, timeout=600, env=None):
    """Run ``command`` (a list) as ``user`` with ``bin_dir`` first on PATH; return the completed process."""
    return subprocess.run(command, cwd=cwd, env=environment_of(user, bin_dir, home, env), capture_output=True,
                          text=True, timeout=timeout, **as_user(user))


def open_folder(prefix):
    """A fresh folder under /tmp that every user may enter (pytest's own tmp_path is private to root)."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix=prefix, dir="/tmp"))
    folder.chmod(0o755)
    return folder


def create_user(name, home):
    """A fresh OS user ``name`` with a private home at ``home`` (an old one of that name is removed first)."""
    remove_user(name)
    with _accounts_locked():
        subprocess.run(["useradd", "--create-home", "--home-dir", str(home), "--shell", "/bin/sh", name], check=True,
                       capture_output=True)
    Path(home).chmod(0o700)
    return pwd.getpwnam(name)


def remove_user(name):
    try:
        pwd.getpwnam(name)
    except KeyError:
        return
    subprocess.run(["pkill", "-KILL", "-u", name], capture_output=True)
    with _accounts_locked():
        subprocess.run(["userdel", "--remove", name], capture_output=True)


@contextlib.contextmanager
def _accounts_locked():
    """One useradd or userdel at a time across pytest-xdist workers (each refuses while /etc/passwd is locked)."""
    with open("/tmp/grader-tests-accounts.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
