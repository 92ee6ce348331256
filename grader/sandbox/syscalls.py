"""The system calls a sealed child may make: an allowlist, compiled by libseccomp.

A graded function computes with NumPy, allocates memory, and reads and writes
the descriptors it inherited (its socket to the grader, /dev/null). Each group
below says why it is allowed. Everything else fails:

* the calls that only an attack needs (:data:`REFUSED`: the network, other
  processes, namespaces, the kernel's own surfaces) are *refused and
  reported*: the kernel hands each one to the grader (seccomp's user
  notification), which answers EPERM and records it against the submission, so
  the report shows what the seal refused -- a record the student cannot forge;
* any other call fails quietly with ENOSYS ("this kernel has no such call"),
  which libraries treat as a missing feature and work around.

The filter is compiled once per zygote (:func:`compile_filter`) and loaded by
each child with one system call (:func:`grader.sandbox.kernel.load_seccomp`).
"""

import errno
import os
import tempfile
from dataclasses import dataclass

# -- allowed: (why, names) ---------------------------------------------------------------------
ALLOWED = (
    ("computing and allocating memory (all of it within the address-space limit): NumPy's arrays, Python's heap",
     "brk mmap munmap mremap mprotect madvise mincore"),
    ("reading and writing its own descriptors: the socket to the grader, its stdin, stdout and stderr "
     "(fcntl only for the commands below)",
     "read write readv writev pread64 pwrite64 preadv pwritev preadv2 pwritev2 lseek close close_range "
     "fstat fstatfs dup dup2 dup3 pipe pipe2 poll ppoll select pselect6 epoll_create epoll_create1 "
     "epoll_ctl epoll_wait epoll_pwait epoll_pwait2 eventfd eventfd2 sendfile splice tee"),
    ("speaking over the inherited socket (creating one is refused below)",
     "sendto recvfrom sendmsg recvmsg sendmmsg recvmmsg shutdown getsockopt setsockopt getsockname getpeername"),
    ("locks and the C runtime's bookkeeping of its one thread (no new thread: clone is refused below)",
     "futex set_robust_list set_tid_address rseq sched_yield sched_get_priority_max "
     "sched_get_priority_min arch_prctl"),
    ("signals within the process: Python's handlers, alarms, its own timeouts",
     "rt_sigaction rt_sigprocmask rt_sigreturn rt_sigpending rt_sigtimedwait rt_sigsuspend sigaltstack "
     "pause alarm setitimer getitimer timer_create timer_settime timer_gettime timer_getoverrun timer_delete "
     "timerfd_create timerfd_settime timerfd_gettime signalfd signalfd4 restart_syscall"),
    ("time, randomness and facts about itself",
     "clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday time getrandom getpid gettid getppid "
     "getuid geteuid getgid getegid getresuid getresgid getgroups getpgrp getsid getrlimit getrusage "
     "times sysinfo uname getcpu umask"),
    ("ending: the process, a thread, waiting for nothing (it has no children)",
     "exit exit_group wait4 waitid"),
)

# Allowed only when the child's root is an empty file system of its own (its
# own mount namespace, or a chroot): there, files are its scratch space.
# Elsewhere they are refused, so code cannot read or write the grading user's files.
FILES = ("files in its own empty root (refused when the root is not its own)",
         "open openat openat2 creat stat lstat newfstatat statx access faccessat faccessat2 readlink readlinkat "
         "getdents64 getcwd chdir fchdir mkdir mkdirat rmdir unlink unlinkat rename renameat renameat2 link "
         "linkat symlink symlinkat truncate ftruncate fallocate fsync fdatasync chmod fchmod fchmodat "
         "utimensat futimesat utime utimes statfs flock fadvise64 readahead")

# -- refused and reported: (what it reaches, in Russian, for the verdict; names) --------------
REFUSED = (
    ("сеть", "socket socketpair connect bind listen accept accept4"),
    ("другие процессы",
     "ptrace process_vm_readv process_vm_writev kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo "
     "pidfd_open pidfd_send_signal pidfd_getfd kcmp process_madvise process_mrelease get_robust_list getpgid "
     "getpriority sched_getparam sched_getscheduler sched_getaffinity capget"),
    ("новые процессы и программы", "fork vfork clone execve execveat"),
    ("изоляция", "unshare setns mount umount2 pivot_root chroot fsopen fsconfig fsmount fspick move_mount "
                 "open_tree mount_setattr name_to_handle_at open_by_handle_at"),
    ("ядро", "bpf perf_event_open keyctl add_key request_key init_module finit_module delete_module "
             "kexec_load kexec_file_load reboot swapon swapoff iopl ioperm syslog acct quotactl "
             "io_uring_setup io_uring_enter io_uring_register userfaultfd lookup_dcookie personality "
             "seccomp landlock_create_ruleset"),
    ("общая память", "shmget shmat shmdt shmctl msgget msgsnd msgrcv msgctl semget semop semtimedop semctl "
                     "mq_open mq_unlink mq_timedsend mq_timedreceive mq_notify mq_getsetattr memfd_create "
                     "memfd_secret mlock mlock2 mlockall membarrier"),
    ("права", "setuid setgid setreuid setregid setresuid setresgid setfsuid setfsgid setgroups capset "
              "sethostname setdomainname prlimit64 setrlimit setpriority sched_setaffinity sched_setscheduler"),
    ("файлы вне песочницы", FILES[1]),
)

_AT_EMPTY_PATH = 0x1000
# fcntl: duplicating, descriptor and status flags, record locks, seals. Never F_SETOWN/F_SETSIG
# (a signal to any process whose uid matches, when the descriptor is ready), leases or notifications.
_FCNTL = {"F_DUPFD": 0, "F_GETFD": 1, "F_SETFD": 2, "F_GETFL": 3, "F_SETFL": 4, "F_GETLK": 5, "F_SETLK": 6,
          "F_SETLKW": 7, "F_OFD_GETLK": 36, "F_OFD_SETLK": 37, "F_OFD_SETLKW": 38, "F_DUPFD_CLOEXEC": 1030,
          "F_GETPIPE_SZ": 1032, "F_ADD_SEALS": 1033, "F_GET_SEALS": 1034}
_FCNTL_REFUSED = {"F_SETOWN": 8, "F_SETSIG": 10, "F_SETOWN_EX": 15, "F_SETLEASE": 1024, "F_NOTIFY": 1026,
                  "F_SETPIPE_SZ": 1031}
_PR = {"set_pdeathsig": 1, "get_pdeathsig": 2, "get_dumpable": 3, "get_name": 16, "set_name": 15,
       "get_seccomp": 21, "capbset_read": 23, "get_no_new_privs": 39, "set_vma": 0x53564D41}
# ioctl requests that only ask about a descriptor or set its own flags (isatty, FIONREAD, ...).
_IOCTLS = {"TCGETS": 0x5401, "TIOCGWINSZ": 0x5413, "FIONREAD": 0x541B, "FIONBIO": 0x5421,
           "FIONCLEX": 0x5450, "FIOCLEX": 0x5451}
_TIOCSTI = 0x5412  # types into a terminal: refused and reported


@dataclass(frozen=True)
class Filter:
    """A compiled filter: the BPF program a child loads, and how to name what it refused."""

    program: bytes
    refused: dict   # system call number -> (name, what it reaches, in Russian)


def compile_filter(own_root):
    """The allowlist as a BPF program; ``own_root``: files are the child's own (see :data:`FILES`)."""
    import pyseccomp as seccomp

    notify = seccomp.NOTIFY
    rules = seccomp.SyscallFilter(seccomp.ERRNO(errno.ENOSYS))
    rules.set_attr(seccomp.Attr.ACT_BADARCH, seccomp.KILL_PROCESS)  # 32-bit calls from a 64-bit child
    try:  # a binary search over call numbers rather than a chain: every call the child makes pays for it
        rules.set_attr(seccomp.Attr.CTL_OPTIMIZE, 2)
    except OSError:  # libseccomp before 2.5
        pass
    refused = {}

    def add(action, name, *args):
        number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
        if number < 0:  # not a call of this machine (e.g. ``open`` on aarch64)
            return
        rules.add_rule(action, number, *args)
        if action == notify:
            refused[number] = name

    groups = ALLOWED + ((FILES,) if own_root else ())
    allowed = {name for _, names in groups for name in names.split()}
    for _, names in groups:
        for name in names.split():
            add(seccomp.ALLOW, name)
    conditional = {"kill", "prlimit64", "prctl", "ioctl", "newfstatat", "fcntl", "getpriority", "sched_getparam",
                   "sched_getscheduler", "sched_getaffinity"}
    for what, names in REFUSED:
        for name in names.split():
            if name not in allowed and name not in conditional:
                add(notify, name)

    arg = seccomp.Arg
    # clone3 passes its flags in memory, out of the filter's sight: it gets the default, "no such
    # call", and libc falls back to clone, which is refused: no process, no thread (a thread a
    # student starts is a process of the grading user to the kernel's process limits).
    for name in ("getpriority", "sched_getparam", "sched_getscheduler", "sched_getaffinity"):  # about itself only
        add(seccomp.ALLOW, name, arg(1 if name == "getpriority" else 0, seccomp.EQ, 0))
        add(notify, name, arg(1 if name == "getpriority" else 0, seccomp.NE, 0))
    for command in _FCNTL.values():
        add(seccomp.ALLOW, "fcntl", arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, command))
    for command in _FCNTL_REFUSED.values():
        add(notify, "fcntl", arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, command))
    # A signal to its own process group (it is alone in it); any other target is refused.
    add(seccomp.ALLOW, "kill", arg(0, seccomp.EQ, 0))
    add(notify, "kill", arg(0, seccomp.NE, 0))
    # Reading its own limits; lowering or reading another process's is refused.
    add(seccomp.ALLOW, "prlimit64", arg(0, seccomp.EQ, 0), arg(2, seccomp.EQ, 0))
    add(notify, "prlimit64", arg(0, seccomp.NE, 0))
    add(notify, "prlimit64", arg(2, seccomp.NE, 0))
    # prctl: naming threads and memory, reading its own settings; never clearing its parent-death signal.
    for option in ("set_name", "get_name", "get_dumpable", "get_pdeathsig", "get_seccomp", "capbset_read",
                   "get_no_new_privs", "set_vma"):
        add(seccomp.ALLOW, "prctl", arg(0, seccomp.EQ, _PR[option]))
    add(notify, "prctl", arg(0, seccomp.EQ, _PR["set_pdeathsig"]))
    for request in _IOCTLS.values():
        add(seccomp.ALLOW, "ioctl", arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, request))
    add(notify, "ioctl", arg(1, seccomp.MASKED_EQ, 0xFFFFFFFF, _TIOCSTI))
    if not own_root:  # fstat of a descriptor is newfstatat(fd, "", AT_EMPTY_PATH) in libc
        add(seccomp.ALLOW, "newfstatat", arg(3, seccomp.MASKED_EQ, _AT_EMPTY_PATH, _AT_EMPTY_PATH))
        add(notify, "newfstatat", arg(3, seccomp.MASKED_EQ, _AT_EMPTY_PATH, 0))

    with tempfile.TemporaryFile() as out:
        rules.export_bpf(out)
        out.seek(0)
        program = out.read()
    what = dict({name: group for group, names in REFUSED for name in names.split()},
                prctl="изоляция", ioctl="терминал", fcntl="другие процессы")
    return Filter(program, {number: (name, what.get(name, "ядро")) for number, name in refused.items()})


def named(refused, number):
    """(name, what it reaches) of a refused call's number, for a verdict."""
    return refused.get(number) or ("#{}".format(number), "ядро")


def available():
    """Whether libseccomp can be used here (its library and bindings are installed)."""
    try:
        import pyseccomp  # noqa: F401 -- raises when libseccomp.so is missing
    except (ImportError, RuntimeError, OSError):
        return False
    return os.uname().sysname == "Linux"
