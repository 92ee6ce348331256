"""Linux calls the seal needs and Python 3.10's standard library lacks, through libc.

``unshare``, ``mount``, ``pivot_root``, ``capset`` and the ``seccomp`` system
call. Used only by trusted code, before the first student line runs: the
launcher that builds a zygote's namespaces (:mod:`.nest`) and a child sealing
itself (:mod:`.child`). Each raises :class:`OSError` with the kernel's errno,
so a caller can tell "not allowed here" from a bug.
"""

import ctypes
import errno
import os

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_NOSUID, MS_NODEV, MS_NOEXEC = 0x2, 0x4, 0x8
MS_REC, MS_PRIVATE = 0x4000, 0x40000
MNT_DETACH = 2

_PR_SET_NO_NEW_PRIVS = 38
_SECCOMP_SET_MODE_FILTER = 1
_SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3
# Keep speculative store bypass as the machine has it: a child holds no secret of anyone else's
# in its address space, and the mitigation would slow every NumPy loop it runs.
_SECCOMP_FILTER_FLAG_SPEC_ALLOW = 1 << 2
_LINUX_CAPABILITY_VERSION_3 = 0x20080522

_libc = ctypes.CDLL(None, use_errno=True)
# System call numbers libc has no wrapper for (or a wrapper too new to rely on).
_SYSCALLS = {"x86_64": {"pivot_root": 155, "seccomp": 317, "capset": 126},
             "aarch64": {"pivot_root": 41, "seccomp": 277, "capset": 91}}


def _check(result, what):
    if result < 0:
        number = ctypes.get_errno()
        raise OSError(number, "{}: {}".format(what, os.strerror(number)))
    return result


def _syscall(name, *args):
    numbers = _SYSCALLS.get(os.uname().machine)
    if numbers is None:
        raise OSError(errno.ENOSYS, "{}: unsupported machine {}".format(name, os.uname().machine))
    return _check(_libc.syscall(ctypes.c_long(numbers[name]), *args), name)


def unshare(flags):
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source, target, fstype, flags=0, options=None):
    _check(_libc.mount(_bytes(source), _bytes(target), _bytes(fstype), ctypes.c_ulong(flags), _bytes(options)),
           "mount " + str(target))


def umount(target, flags=0):
    _check(_libc.umount2(_bytes(target), ctypes.c_int(flags)), "umount " + str(target))


def pivot_root(new_root, put_old):
    _syscall("pivot_root", _bytes(new_root), _bytes(put_old))


def map_identity(inside_uid, inside_gid, outside_uid, outside_gid):
    """In a fresh user namespace, be ``inside_uid`` for the kernel's ``outside_uid`` (one id each, no groups)."""
    with open("/proc/self/setgroups", "w") as handle:
        handle.write("deny")
    with open("/proc/self/uid_map", "w") as handle:
        handle.write("{} {} 1\n".format(inside_uid, outside_uid))
    with open("/proc/self/gid_map", "w") as handle:
        handle.write("{} {} 1\n".format(inside_gid, outside_gid))


class _CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class _CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def drop_capabilities():
    """Give up every capability (those a user namespace grants its creator included)."""
    header = _CapHeader(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (_CapData * 2)()
    _syscall("capset", ctypes.byref(header), ctypes.byref(data))


def no_new_privileges():
    _check(_libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "prctl(PR_SET_NO_NEW_PRIVS)")


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def load_seccomp(program):
    """Install the compiled BPF ``program`` (bytes) on this process; return its notification listener's fd.

    Built by libseccomp (:mod:`.syscalls`); loaded here with the raw system
    call so a child pays for neither compiling it nor libseccomp's bookkeeping.
    """
    if len(program) % 8:
        raise ValueError("a BPF program is a whole number of 8-byte instructions")
    buffer = ctypes.create_string_buffer(program, len(program))
    prog = _SockFprog(len(program) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    no_new_privileges()
    flags = _SECCOMP_FILTER_FLAG_NEW_LISTENER | _SECCOMP_FILTER_FLAG_SPEC_ALLOW
    return _syscall("seccomp", ctypes.c_uint(_SECCOMP_SET_MODE_FILTER), ctypes.c_uint(flags), ctypes.byref(prog))


def _bytes(value):
    if value is None:
        return None
    return os.fsencode(value) if not isinstance(value, bytes) else value
