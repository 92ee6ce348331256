"""Rate limits: every request of a kind a client tries, refused or not, counted in a sliding minute.

Uploads are limited per student, reads (GET) per token -- or per client
address for a request without one -- so a client polling in a tight loop or
crawling with made-up tokens costs the server a bounded number of database
look-ups a minute, and nobody else waits for it.
"""

import collections
import hashlib
import json
import math
import threading
import time


class Attempts:
    """Every request of a kind a client tries, refused or not, within a sliding minute: a rate limit.

    Uploads are counted per student before the body is read or parsed, so a
    student who sends nothing but bad files still costs the server
    ``per_minute`` parses a minute at most; reads per token or address. Keys
    idle for a minute are forgotten, so made-up tokens cannot grow it.
    """

    def __init__(self, per_minute, window=60.0):
        self.per_minute, self.window = per_minute, window
        self._times = collections.defaultdict(collections.deque)
        self._lock = threading.Lock()
        self._swept = time.monotonic()

    def count(self, key):
        """Count an attempt; 0 when it may go on, else the seconds until it may."""
        now = time.monotonic()
        with self._lock:
            if now - self._swept >= self.window:
                self._swept = now
                for idle in [k for k, times in self._times.items() if not times or now - times[-1] >= self.window]:
                    del self._times[idle]
            times = self._times[key]
            while times and now - times[0] >= self.window:
                times.popleft()
            if len(times) >= self.per_minute:
                return max(1, math.ceil(self.window - (now - times[0])))
            times.append(now)
            return 0


class ReadLimit:
    """ASGI middleware: GET and HEAD past ``attempts``' limit get ``429`` with ``Retry-After``, before any work.

    Keyed by the Authorization header's sha256 (the token is never kept), or
    by the client's address when there is none; ``exempt`` paths (a load
    balancer's health check) are not counted.
    """

    def __init__(self, app, attempts, exempt=()):
        self.app, self.attempts, self.exempt = app, attempts, frozenset(exempt)

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD") or scope["path"] in self.exempt:
            await self.app(scope, receive, send)
            return
        wait = self.attempts.count(_key(scope))
        if not wait:
            await self.app(scope, receive, send)
            return
        body = json.dumps({"detail": "не больше {} запросов в минуту: попробуйте через {} с".format(
            self.attempts.per_minute, wait)}, ensure_ascii=False).encode("utf-8")
        await send({"type": "http.response.start", "status": 429,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"retry-after", str(wait).encode())]})
        await send({"type": "http.response.body", "body": body})


def _key(scope):
    header = next((value for name, value in scope["headers"] if name == b"authorization"), b"")
    if header:
        return "token " + hashlib.sha256(header).hexdigest()
    return "address " + str((scope.get("client") or ("-",))[0])
