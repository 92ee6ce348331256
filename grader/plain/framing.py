"""Length-prefixed JSON messages over a stream socket (parent <-> sealed worker)."""

import json
import socket
import struct

_HEADER = struct.Struct("!I")
_CREDENTIALS = struct.Struct("=iII")  # struct ucred: pid, uid, gid
MAX_MESSAGE = 64 * 1024 * 1024
_MAX_FDS = 4


class WireError(Exception):
    """The other side closed the connection or sent something that is not a message."""


def send(sock, message):
    data = json.dumps(message, separators=(",", ":")).encode()
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock):
    (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
    if size > MAX_MESSAGE:
        raise WireError("message of {} bytes is too large".format(size))
    return _parse(_read_exactly(sock, size))


def _parse(data):
    try:
        message = json.loads(data)
    except ValueError as error:
        raise WireError("not a message: {}".format(error)) from None
    if not isinstance(message, dict):
        raise WireError("not a message: {}".format(type(message).__name__))
    return message


def _read_exactly(sock, size):
    chunks, remaining = [], size
    while remaining:
        chunk = sock.recv(min(remaining, 1 << 20))
        if not chunk:
            raise WireError("connection closed")
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
        raise WireError("connection closed")
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


def recv_with_fd(sock):
    data, fds, _, _ = socket.recv_fds(sock, 1 << 16, 1)
    if not data or not fds:
        raise WireError("connection closed")
    (size,) = _HEADER.unpack(data[:_HEADER.size])
    return json.loads(data[_HEADER.size:_HEADER.size + size]), fds[0]
