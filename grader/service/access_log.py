"""The service's access log: one line per request, never a token.

A line: the client's address, the student the token named ("-" when none),
the method and path (no query string), the status and the time taken. The
Authorization header is never read here; the student comes from the request's
state, set once the token was checked. The path, the method and the student
are the client's to choose (a path's ``%0A`` is a newline once decoded), so
each is written by :func:`field`: one line, whatever it holds.
"""

import logging
import sys
import time

from ..client import printable

LOGGER = "grader.access"
MAX_PATH = 200


class AccessLog:
    """ASGI middleware writing :data:`LOGGER` lines, one per HTTP request."""

    def __init__(self, app):
        self.app, self.log = app, logging.getLogger(LOGGER)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.monotonic(), [500]
        state = scope.setdefault("state", {})

        async def sending(message):
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            client = (scope.get("client") or ("-",))[0]
            self.log.info('%s %s "%s %s" %d %.0f ms', field(client), field(state.get("student") or "-"),
                          field(scope["method"]), field(scope["path"][:MAX_PATH]), status[0],
                          1000 * (time.monotonic() - started))


def field(text):
    """``text`` as one log field: control characters (a newline too), quotes and backslashes escaped.

    So no value can end its line and forge the next, nor close the quotes
    around the request and pass for another field; a backslash is doubled so
    an escape reads back as exactly one thing.
    """
    return printable(str(text).replace("\\", "\\\\")).replace("\n", "\\x0a").replace('"', "\\x22")


def log_to(stream=None):
    """Send the access log, with times, to ``stream`` (default: stderr)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger = logging.getLogger(LOGGER)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
