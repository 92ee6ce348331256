"""What seals a child, as plain data: the layers in effect and what their absence would open.

A child reports its seal to the grader before it runs any student code; every
result carries it, so each grading path can say what held.

A child is sealed by independent layers, each enforced by the kernel:

* ``user`` -- an identity of its own: as root, a uid no one else has; without
  root, a user namespace with every capability dropped;
* ``pid`` -- a PID namespace whose init is the zygote: no other process in
  sight, and when the zygote dies the kernel kills everything in it;
* ``net`` -- a network namespace with no interface up;
* ``ipc`` -- an IPC namespace of its own: no System V or POSIX shared memory is
  shared or outlives it;
* ``mount`` -- an empty root of its own: a private tmpfs (as root where
  namespaces are not allowed, a chroot into an empty folder);
* ``seccomp`` -- the system-call allowlist (``grader.sandbox.syscalls``): no sockets,
  processes, signals to others, namespaces or kernel surfaces.

Most protections hold by two layers, so one that is missing on some machine
(a container without namespaces, a kernel without user namespaces) leaves a
gap only when its partner is missing too. ``GRADER_SEAL_OFF=net,seccomp``
switches layers off (to diagnose a machine, or in the tests that show each
layer works); what is off is reported exactly like what is unavailable.
"""

import os
from dataclasses import dataclass

LAYERS = ("user", "pid", "net", "ipc", "mount", "seccomp")
OFF_VARIABLE = "GRADER_SEAL_OFF"

# (the layers, any one of which holds it; what student code can do when none is in effect)
_PROTECTIONS = (
    (("net", "seccomp"), "reach the network"),
    (("mount", "seccomp"), "read and write the grading user's files"),
    (("pid", "seccomp", "user:uid"), "signal or trace the grading user's processes"),
    (("pid", "seccomp", "user:uid"), "leave a process running after grading"),
    (("ipc", "seccomp"), "leave shared memory behind or share it with another submission"),
)


@dataclass(frozen=True)
class Seal:
    """The layers a child was sealed with: ((layer, how), ...) in :data:`LAYERS` order."""

    layers: tuple = ()

    @classmethod
    def from_json(cls, data):
        data = data if isinstance(data, dict) else {}
        return cls(tuple((name, str(data[name])) for name in LAYERS if data.get(name)))

    def to_json(self):
        return dict(self.layers)

    def has(self, layer):
        name, _, how = layer.partition(":")
        return any(n == name and (not how or h == how) for n, h in self.layers)

    def missing(self):
        return tuple(name for name in LAYERS if not self.has(name))

    def gaps(self):
        """What student code could do here that a complete seal forbids (English, for instructors)."""
        return tuple(dict.fromkeys(can for layers, can in _PROTECTIONS if not any(self.has(l) for l in layers)))

    def report(self):
        """The seal as ``--json`` shows it: layers in effect, layers missing, what that opens."""
        return {"layers": self.to_json(), "missing": list(self.missing()), "gaps": list(self.gaps())}

    def warning(self):
        """One line for stderr, or "" when every layer is in effect."""
        missing = self.missing()
        if not missing:
            return ""
        gaps = self.gaps()
        return "warning: student code is sealed without {}{}; see the README's security section".format(
            ", ".join(missing), "; so it can " + "; ".join(gaps) if gaps else " (the other layers still "
            "hold every protection)")


def wanted_layers(off=None):
    """The layers to try: all but those switched off (``off``, else ``$GRADER_SEAL_OFF``)."""
    if off is None:
        off = os.environ.get(OFF_VARIABLE, "").replace(" ", "").split(",")
    unknown = set(off) - set(LAYERS) - {""}
    if unknown:
        raise ValueError("{}: unknown seal layer(s) {}; the layers are {}".format(
            OFF_VARIABLE, ", ".join(sorted(unknown)), ", ".join(LAYERS)))
    return tuple(name for name in LAYERS if name not in set(off))
