"""Where student code runs, and the only place it runs: sealed off by the kernel.

Student side, inside the sealed child: :mod:`.child` (the zygote's loop, the
seal each child enters, the child's service) with the seal's tools
:mod:`.kernel` (namespaces, mounts, capabilities, loading a seccomp filter) and
:mod:`.syscalls` (the allowlist, compiled by libseccomp). These import only
``grader.plain``, numpy and libseccomp's bindings.

Parent side, trusted: :mod:`.zygote` starts the zygote behind the launcher of
:mod:`.nest` (its namespaces), :mod:`.session` drives one child per
submission with deadlines and, through :mod:`.supervisor`, answers the calls
the allowlist refused; :mod:`.engine` grades one submission with
``grader.checks``. May use ``grader.submission``, ``grader.checks`` and
``grader.plain``.
"""
