"""Length-prefixed JSON messages over a stream socket (parent <-> sealed worker).

A reader may give a size limit and a deadline for the whole message: a child
cannot make the grader read a gigabyte, or keep it reading by sending a byte
at a time.
"""

import json
import socket
import struct
import time

_HEADER = struct.Struct("!I")
_CREDENTIALS = struct.Struct("=iII")  # struct ucred: pid, uid, gid
MAX_MESSAGE = 64 * 1024 * 1024
_MAX_FDS = 4


class WireError(Exception):
    """The other side closed the connection or sent something that is not a message."""


class Closed(WireError):
    """The other side closed the connection (a process that died, say), between messages or within one."""


def send(sock, message):
    sock.sendall(pack(message))


def pack(message):
    """``message`` as the bytes :func:`send` writes: made once, a message sent often costs one write."""
    data = json.dumps(message, separators=(",", ":")).encode()
    return _HEADER.pack(len(data)) + data


def recv(sock, deadline=None, limit=MAX_MESSAGE):
    """The next message; ``deadline`` (a ``time.monotonic()``) for all of it, ``limit`` bytes at most.

    With a deadline, :class:`socket.timeout` means nothing of a message came;
    a message cut off by it is a :class:`WireError`.
    """
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size, deadline))
    if size > limit:
        raise WireError("message of {} bytes is too large".format(size))
    try:
        return _parse(_read_exactly(sock, size, deadline))
    except socket.timeout:
        raise WireError("the message was cut off by its deadline") from None


def _parse(data):
    try:
        message = json.loads(data)
    except (ValueError, RecursionError) as error:
        raise WireError("not a message: {}".format(type(error).__name__)) from None
    if not isinstance(message, dict):
        raise WireError("not a message: {}".format(type(message).__name__))
    return message


def _read_exactly(sock, size, deadline=None):
    chunks, remaining = [], size
    while remaining:
        try:
            if deadline is not None:
                sock.settimeout(max(deadline - time.monotonic(), 0.000001))
            chunk = sock.recv(min(remaining, 1 << 20))
        except socket.timeout:
            if chunks:
                raise WireError("the message was cut off by its deadline") from None
            raise
        if not chunk:
            raise Closed("connection closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def recv_with_ancillary(sock):
    """(message, sender's pid, received descriptors): a message read with what the kernel attached.

    The receiving socket needs SO_PASSCRED for the pid, which the kernel
    translates into this process's PID namespace; a sender cannot forge it.
    """
    data, ancillary, _, _ = sock.recvmsg(_HEADER.size, socket.CMSG_SPACE(_CREDENTIALS.size) +
                                         socket.CMSG_SPACE(4 * _MAX_FDS))
    if not data:
        raise Closed("connection closed")
    pid, fds = None, []
    for level, kind, payload in ancillary:
        if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS and len(payload) >= _CREDENTIALS.size:
            pid = _CREDENTIALS.unpack(payload[:_CREDENTIALS.size])[0]
        elif level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds.extend(struct.unpack("{}i".format(len(payload) // 4), payload[:len(payload) // 4 * 4]))
    (size,) = _HEADER.unpack(data + _read_exactly(sock, _HEADER.size - len(data)))
    if size > MAX_MESSAGE:
        raise WireError("message of {} bytes is too large".format(size))
    return _parse(_read_exactly(sock, size)), pid, fds


def send_with_fd(sock, message, fd):
    """Send a message together with a file descriptor (SCM_RIGHTS)."""
    data = json.dumps(message).encode()
    socket.send_fds(sock, [_HEADER.pack(len(data)) + data], [fd])
