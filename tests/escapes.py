"""Attempts to get out of the sealed child, and the targets on this machine they aim at (test helpers).

:class:`Targets` sets up what a student must never reach -- TCP listeners on
the loopback and on the machine's outward address, a UDP socket, an abstract
unix socket, a world-readable secret file, processes of the grading user --
and tells afterwards, from outside, which were reached. :func:`escape_notebook`
is a solved submission in which every graded function first tries one
escape: with Python's modules, or with native calls through the ctypes that
NumPy's internals still hold. A function whose escape works returns nothing
(so its score says so too); one whose escape fails returns the right answer,
so a sealed grading gives the whole submission full marks.
"""

import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from course import solved_submission, with_answers
from corpus import solved_sources


@dataclass(frozen=True)
class Escape:
    function: str    # the graded function that tries it
    name: str        # what it tries
    stoppers: tuple  # the layers of the seal that each stop it alone ("user:uid": as root)
    code: str        # a Python expression: True when it got through (may raise: it did not)
    says: bool = True  # whether the function itself can tell it got through (then it returns nothing)


NETWORK, FILES, PROCESSES, MEMORY = ("net", "seccomp"), ("mount", "seccomp"), ("pid", "seccomp", "user:uid"), \
    ("ipc", "seccomp")

ESCAPES = (
    Escape("initialize_parameters", "tcp-loopback", NETWORK, "_tcp(b'127.0.0.1', T['tcp'])"),
    Escape("initialize_parameters_deep", "tcp-outward-address", NETWORK, "_tcp(T['outward'], T['tcp_outward'])"),
    Escape("linear_forward", "udp-loopback", NETWORK, "_udp('127.0.0.1', T['udp'])", says=False),
    Escape("linear_activation_forward", "abstract-unix-socket", NETWORK, "_abstract(T['abstract'])"),
    Escape("L_model_forward", "read-a-file-outside", FILES, "_read(T['secret'])"),
    Escape("compute_cost", "signal-a-grading-user-process", PROCESSES, "_kill(T['victim'])"),
    Escape("linear_backward", "native-tcp-loopback", NETWORK, "_native_tcp('127.0.0.1', T['tcp_native'])"),
    Escape("linear_activation_backward", "native-read-a-file-outside", FILES, "_native_read(T['secret'])"),
    Escape("L_model_backward", "native-signal-a-grading-user-process", PROCESSES,
           "_native_signal_when_ready(T['victim_native'])"),
    Escape("update_parameters", "native-shared-memory-left-behind", MEMORY, "_native_shm(T['shm_key'])",
           says=False),
)

_TOOLS = '''
import os, socket, struct, sys

def _ctypes():
    """ctypes, from whatever loaded module still holds it (NumPy's internals do)."""
    for module in list(sys.modules.values()):
        found = getattr(module, "ctypes", None)
        if found is not None and hasattr(found, "CDLL"):
            return found, found.CDLL(None, use_errno=True)
    raise OSError("ctypes is out of reach")

def _tcp(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(3)
        s.connect((host, port))
        s.sendall(b"escaped")
    return True

def _udp(host, port):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(b"escaped", (host, port))
    return True

def _abstract(name):
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(3)
        s.connect(b"\\0" + name.encode())
        s.sendall(b"escaped")
    return True

def _read(path):
    with open(path) as handle:
        return bool(handle.read())

def _kill(pid):
    os.kill(pid, 15)
    return True

def _native_tcp(host, port):
    ctypes, libc = _ctypes()
    fd = libc.socket(2, 1, 0)
    if fd < 0:
        return False
    address = struct.pack("<H", 2) + struct.pack("!H", port) + socket.inet_aton(host) + bytes(8)
    ok = libc.connect(fd, ctypes.create_string_buffer(address, 16), 16) == 0
    if ok:
        libc.write(fd, b"escaped", 7)
    libc.close(fd)
    return ok

def _native_read(path):
    ctypes, libc = _ctypes()
    fd = libc.open(path.encode(), 0)
    if fd < 0:
        return False
    buffer = ctypes.create_string_buffer(64)
    return libc.read(fd, buffer, 64) > 0

def _native_signal_when_ready(pid):
    """SIGKILL to ``pid`` by the kernel itself: a pipe owned by it (F_SETOWN) signals when written."""
    ctypes, libc = _ctypes()
    reader, writer = os.pipe()
    if libc.fcntl(reader, 8, pid) != 0 or libc.fcntl(reader, 10, 9) != 0:  # F_SETOWN, F_SETSIG = SIGKILL
        return False
    libc.fcntl(reader, 4, 0o20000 | 0o4000)  # F_SETFL: O_ASYNC | O_NONBLOCK
    os.write(writer, b"x")
    return True

def _native_shm(key):
    ctypes, libc = _ctypes()
    return libc.shmget(key, 1 << 20, 0o1000 | 0o666) >= 0  # IPC_CREAT, for anyone, never removed
'''


def escape_notebook(targets, escapes=ESCAPES):
    """A solved submission whose functions each try one of ``escapes`` at ``targets`` first (notebook text)."""
    import nbformat

    solved, sources = solved_sources(), {}
    for escape in escapes:
        honest = solved[escape.function].replace("def {}(".format(escape.function),
                                                 "def _honest_{}(".format(escape.function), 1)
        arguments = honest.split("def _honest_{}(".format(escape.function), 1)[1].split(")", 1)[0]
        names = ", ".join(a.split("=")[0].strip() for a in arguments.split(",") if a.strip())
        sources[escape.function] = "\n".join([
            "# ОЦЕНИВАЕМОЕ: " + escape.function, _TOOLS, "T = {!r}".format(targets.addresses()), honest,
            "def {}({}):".format(escape.function, arguments),
            "    try:",
            "        escaped = {}".format(escape.code),
            "    except Exception:",
            "        escaped = False",
            "    if escaped and {}:".format(escape.says),
            "        return None",
            "    return _honest_{}({})".format(escape.function, names), ""])
    return nbformat.writes(with_answers(solved_submission(), sources))


class Targets:
    """Things on this machine student code must never reach; :meth:`reached` says which were.

    ``user``: the uid whose processes the victims are (the grading user).
    """

    def __init__(self, user=None):
        self._stop = threading.Event()
        self._got = {}
        self._threads = []
        self.tcp = self._listen("tcp", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self.outward = outward_address()
        self.tcp_outward = self._listen("tcp_outward", socket.AF_INET, socket.SOCK_STREAM, (self.outward, 0))
        self.tcp_native = self._listen("tcp_native", socket.AF_INET, socket.SOCK_STREAM, ("127.0.0.1", 0))
        self.udp = self._listen("udp", socket.AF_INET, socket.SOCK_DGRAM, ("127.0.0.1", 0))
        self.abstract = "grader-escape-" + secrets.token_hex(6)
        self._listen("abstract", socket.AF_UNIX, socket.SOCK_STREAM, b"\0" + self.abstract.encode())
        self.secret = Path("/tmp/grader-secret-" + secrets.token_hex(6))
        self.secret.write_text("the hidden cases\n")
        self.secret.chmod(0o644)
        self.shm_key = secrets.randbelow(2 ** 30) + 1
        self._user = user
        self.victims = {}
        self.respawn()

    def _listen(self, name, family, kind, address):
        server = socket.socket(family, kind)
        server.bind(address)
        if kind == socket.SOCK_STREAM:
            server.listen(16)
        server.settimeout(0.1)
        self._got[name] = 0
        thread = threading.Thread(target=self._serve, args=(name, server, kind), daemon=True)
        thread.start()
        self._threads.append((thread, server))
        return server.getsockname()[1] if family == socket.AF_INET else None

    def _serve(self, name, server, kind):
        while not self._stop.is_set():
            try:
                if kind == socket.SOCK_STREAM:
                    connection, _ = server.accept()
                    connection.close()
                else:
                    server.recvfrom(64)
            except (socket.timeout, OSError):
                continue
            self._got[name] += 1

    def respawn(self):
        """Fresh victim processes of the grading user (those of a run that killed them are replaced)."""
        for name in ("victim", "victim_native"):
            old = self.victims.get(name)
            if old is None or old.poll() is not None:
                user = {} if self._user is None else {"user": self._user, "group": self._user}
                self.victims[name] = subprocess.Popen(["sleep", "3600"], start_new_session=True, **user)

    def addresses(self):
        """What the notebook aims at."""
        return {"tcp": self.tcp, "outward": self.outward, "tcp_outward": self.tcp_outward,
                "tcp_native": self.tcp_native, "udp": self.udp, "abstract": self.abstract,
                "secret": str(self.secret), "victim": self.victims["victim"].pid,
                "victim_native": self.victims["victim_native"].pid, "shm_key": self.shm_key}

    def reached(self, scores=None):
        """{escape name: whether it got through}, seen from outside (and, for the secret, from ``scores``).

        Resets the counters, removes a shared-memory segment left behind, and
        replaces killed victims, so the targets serve the next run too.
        """
        time.sleep(0.3)  # a datagram or a connection still on its way
        left = _shared_memory_with_key(self.shm_key)
        found = {"tcp-loopback": self._got["tcp"] > 0, "tcp-outward-address": self._got["tcp_outward"] > 0,
                 "udp-loopback": self._got["udp"] > 0, "abstract-unix-socket": self._got["abstract"] > 0,
                 "native-tcp-loopback": self._got["tcp_native"] > 0,
                 "signal-a-grading-user-process": self.victims["victim"].poll() is not None,
                 "native-signal-a-grading-user-process": self.victims["victim_native"].poll() is not None,
                 "native-shared-memory-left-behind": left is not None}
        if scores is not None:  # the secret leaves no trace outside: the function that read it said so
            found["read-a-file-outside"] = scores["L_model_forward"] == 0
            found["native-read-a-file-outside"] = scores["linear_activation_backward"] == 0
        for name in self._got:
            self._got[name] = 0
        if left is not None:
            subprocess.run(["ipcrm", "-m", str(left)], capture_output=True)
        self.respawn()
        return found

    def close(self):
        self._stop.set()
        for thread, server in self._threads:
            thread.join(timeout=2)
            server.close()
        for victim in self.victims.values():
            try:
                os.killpg(victim.pid, signal.SIGKILL)
            except OSError:
                pass
            victim.wait()
        self.secret.unlink(missing_ok=True)
        left = _shared_memory_with_key(self.shm_key)
        if left is not None:
            subprocess.run(["ipcrm", "-m", str(left)], capture_output=True)


def outward_address():
    """This machine's address on its network (not the loopback), as the kernel would route outward."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        probe.connect(("10.254.254.254", 9))  # no packet is sent: it only picks a route
        return probe.getsockname()[0]


def _shared_memory_with_key(key):
    """The id of the System V segment with ``key`` in this machine's IPC namespace, or None."""
    for line in Path("/proc/sysvipc/shm").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[0]) == key:
            return int(fields[1])
    return None


def expected_escapes(seal, root, escapes=ESCAPES):
    """{escape name: whether it gets through a child sealed with ``seal``} -- what the layers promise."""
    def holds(layer):
        if layer == "user:uid":
            return root and seal.has("user")
        return seal.has(layer)

    return {e.name: not any(holds(layer) for layer in e.stoppers) for e in escapes}
