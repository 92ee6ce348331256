"""The grader's side of the allowlist: it answers every call the kernel refused, and keeps count.

A sealed child's allowlist (:mod:`.syscalls`) hands each refused call to the
descriptor the child passed to the grader (seccomp's user notification): the
child waits while :class:`Refusals` reads the call, answers EPERM and records
its name. The record is the kernel's, not the child's word, so the report can
show what a submission tried. Two ``ioctl`` calls of the kernel's interface
(``linux/seccomp.h``); no library is needed for that.
"""

import errno
import fcntl
import struct
from collections import Counter

# struct seccomp_notif {u64 id; u32 pid; u32 flags; struct seccomp_data {s32 nr; u32 arch; u64 ip; u64 args[6]}}
_NOTIF = struct.Struct("=QIIiIQ6Q")
# struct seccomp_notif_resp {u64 id; s64 val; s32 error; u32 flags}
_RESPONSE = struct.Struct("=QqiI")
# _IOWR('!', 0, struct seccomp_notif) and _IOWR('!', 1, struct seccomp_notif_resp)
_RECV = (3 << 30) | (_NOTIF.size << 16) | (0x21 << 8) | 0
_SEND = (3 << 30) | (_RESPONSE.size << 16) | (0x21 << 8) | 1


class Refusals:
    """What a submission's children tried and the seal refused: {(where, what it reaches, call): times}.

    ``where`` is set by the caller to what the child is running at the time
    (a function's name, or the answer cells).
    """

    def __init__(self, names):
        self.names = names       # system call number -> (name, what it reaches), see syscalls.Filter
        self.counts = Counter()
        self.where = ""

    def answer(self, listener):
        """Answer one refused call waiting on ``listener`` with EPERM; False when the child is gone."""
        request = bytearray(_NOTIF.size)
        try:
            fcntl.ioctl(listener, _RECV, request, True)
        except OSError:
            return False
        call_id, _, _, number = _NOTIF.unpack(request)[:4]
        name, what = self.names.get(number) or ("#{}".format(number), "ядро")
        self.counts[(self.where, what, name)] += 1
        try:
            fcntl.ioctl(listener, _SEND, bytearray(_RESPONSE.pack(call_id, 0, -errno.EPERM, 0)), True)
        except OSError:  # the call was interrupted, or the child died meanwhile
            pass
        return True

    @property
    def total(self):
        return sum(self.counts.values())

    def of(self, where):
        """The calls refused while running ``where``, in Russian: ("сеть: socket ×2", ...)."""
        return tuple("{}: {}{}".format(what, name, " ×{}".format(n) if n > 1 else "")
                     for (at, what, name), n in sorted(self.counts.items()) if at == where)
