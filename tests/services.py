"""Real servers for the tests, started and stopped by the tests, on 127.0.0.1 only.

* :class:`Postgres` -- a throwaway PostgreSQL cluster (Debian's initdb and
  pg_ctl; as root it runs as the ``postgres`` user, as PostgreSQL insists) on a
  free port, with a password, so URLs in messages can be checked for leaks;
* :class:`DaskCluster` -- ``dask scheduler`` and ``dask worker`` processes,
  each a process of its own.
"""

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from other_users import open_folder

PASSWORD = "s3cret-pw"  # must never appear in anything the grader prints

# The test cluster's processes without Dask's diagnostics, which no test reads: the workers' statistical
# profiler, the event-loop watchdog ticking every 20 ms and the system monitor. Idle, they cost a scheduler
# and two workers about a tenth of a core for as long as the cluster lives (minutes of CPU per run).
QUIET_DASK = {"DASK_DISTRIBUTED__WORKER__DAEMON": "False", "DASK_DISTRIBUTED__WORKER__PROFILE__ENABLED": "False",
              "DASK_DISTRIBUTED__ADMIN__TICK__INTERVAL": "1s", "DASK_DISTRIBUTED__ADMIN__SYSTEM_MONITOR__INTERVAL": "2s"}


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[4]))
    if not found:
        raise RuntimeError("PostgreSQL is not installed: run tools/setup.sh as root (Debian's postgresql)")
    return Path(found[-1]).parent


class Postgres:
    """A PostgreSQL cluster of its own: ``url(database)`` with user ``grader`` and :data:`PASSWORD`."""

    def __init__(self):
        self.root = open_folder("grader-pg-")
        self.bin, self.port = _postgres_bin(), free_port()
        self.data, self.sockets = self.root / "data", self.root / "sockets"
        self.sockets.mkdir()
        self.owner = "postgres" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
        password_file = self.root / "password"
        password_file.write_text(PASSWORD + "\n", encoding="utf-8")
        if os.geteuid() == 0:
            shutil.chown(self.root, self.owner)
            shutil.chown(self.sockets, self.owner)
            shutil.chown(password_file, self.owner)
        self._as_owner([self.bin / "initdb", "-D", self.data, "-U", "grader", "--pwfile", password_file,
                        "--auth=scram-sha-256", "--encoding=UTF8", "--locale=C.UTF-8"])
        self.start()
        self._as_owner([self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "grader", "gradebook"])

    def _as_owner(self, command, check=True):
        user = {} if pwd.getpwuid(os.geteuid()).pw_name == self.owner else {"user": self.owner}
        env = dict(os.environ, PGPASSWORD=PASSWORD)
        return subprocess.run([str(c) for c in command], capture_output=True, text=True, env=env, check=check,
                              cwd=self.root, timeout=120, **user)

    def start(self):
        options = "-p {} -h 127.0.0.1 -k {} -c fsync=off -c full_page_writes=off -c max_connections=200".format(
            self.port, self.sockets)
        self._as_owner([self.bin / "pg_ctl", "-D", self.data, "-l", self.root / "log", "-o", options, "-w", "start"])

    def stop(self, mode="fast"):
        self._as_owner([self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop"], check=False)

    def create_database(self, name):
        self._as_owner([self.bin / "createdb", "-h", "127.0.0.1", "-p", self.port, "-U", "grader", name])
        return self.url(name)

    def url(self, database="gradebook"):
        return "postgresql://grader:{}@127.0.0.1:{}/{}".format(PASSWORD, self.port, database)

    def close(self):
        self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class DaskCluster:
    """A ``dask scheduler`` and ``workers`` ``dask worker`` processes (one thread each, no nanny), TLS only.

    The certificates are made, and the processes started with the options
    (the role guard, dashboards on the loopback), as ``grader config
    certificates`` makes and prints them;
    :meth:`admit` gives a course the grader's share of them.
    """

    def __init__(self, workers=2, as_user=None):
        """``as_user``: (name, uid, bin folder, home) of an ordinary user the workers run as; default: this process's."""
        from grader.workers.certificates import create, role_options

        self.root = open_folder("grader-dask-")
        self.certificates = create(self.root / "certificates").folder
        self.as_user = as_user
        if as_user is not None:  # the worker's share of the certificates is theirs to read
            from other_users import give_to

            give_to(self.certificates, as_user[0])
        self.port = free_port()
        self.address = "tls://127.0.0.1:{}".format(self.port)
        dask = str(Path(sys.executable).parent / "dask")
        self.scheduler = self._start([dask, "scheduler", "--host", "127.0.0.1", "--port", str(self.port),
                                      "--no-dashboard", *role_options(self.certificates, "scheduler", 0)],
                                     "scheduler")
        self.workers = [self.start_worker("w{}".format(i), "worker", as_user) for i in range(workers)]
        self.wait_for_workers(workers)

    def admit(self, course):
        """Put the cluster's certificates where ``course`` looks for them (``grader config certificates``)."""
        from grader.course.base.settings import certificates_folder

        target = certificates_folder(course)
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(self.certificates, target)
        return course

    def start_worker(self, name, role="worker", as_user=None, scheduler=None):
        """A ``dask worker`` process showing ``role``'s certificate (the worker's, unless a test tries another).

        ``scheduler``: the address it connects to, if not this cluster's scheduler's.
        """
        from grader.workers.certificates import Certificates, role_options

        files = Certificates(self.certificates)
        shown = {str(files.certificate("worker")): str(files.certificate(role)),
                 str(files.key("worker")): str(files.key(role))}
        options = [shown.get(option, option) for option in role_options(self.certificates, "worker")]
        dask = str(Path(sys.executable).parent / "dask")
        return self._start([dask, "worker", scheduler or self.address, "--nthreads", "1", "--no-dashboard",
                            "--host", "127.0.0.1", "--name", name, "--local-directory", str(self.root / name),
                            *options], name, as_user)

    def _start(self, command, name, as_user=None):
        log = open(self.root / (name + ".log"), "w")
        env = dict(os.environ, **QUIET_DASK)
        how = {}
        if as_user is not None:  # the user's own tools, a folder of theirs
            user, _, bin_dir, home = as_user
            entry = pwd.getpwnam(user)
            command = [str(bin_dir / "python"), "-m", "distributed.cli.dask_worker", *command[2:]]
            env = {"PATH": "{}:/usr/bin:/bin".format(bin_dir), "HOME": str(home), "LANG": "C.UTF-8", **QUIET_DASK}
            how = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
            index = command.index("--local-directory")
            command[index + 1] = str(Path(home) / name)
        return subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, env=env, **how)

    def wait_for_workers(self, count, seconds=60):
        from distributed import Client

        from grader.workers.certificates import security

        with Client(self.address, timeout=seconds, security=security(self.certificates)) as client:
            client.wait_for_workers(count, timeout=seconds)

    def kill_worker(self, index=0):
        """SIGKILL one worker process (its zygote and sealed children die with it)."""
        self.workers[index].kill()
        self.workers[index].wait()

    def close(self):
        for process in self.workers + [self.scheduler]:
            try:
                os.killpg(process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            process.wait()
        shutil.rmtree(self.root, ignore_errors=True)

    def log(self, name):
        return (self.root / (name + ".log")).read_text(errors="replace")


def wait_until(condition, seconds=120, step=0.05):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False
