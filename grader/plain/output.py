"""Where a student's prints go: counted, kept up to a cap, the rest discarded -- never an error.

A print must not fail: an answer cell that prints 20 MB before its ``def``
would otherwise lose its function («не найдена») to an ``OSError`` from the
file-size limit on the sealed child's output. So the child's ``sys.stdout``
and ``sys.stderr`` are one :class:`CappedOutput`: it passes text on to the
real stream until ``cap`` bytes, then only counts. What was printed in all
(``printed``) is the one fact the grader learns of it -- an integer it bounds.
"""

import io


class CappedOutput(io.TextIOBase):
    """A text stream that writes through to ``stream`` up to ``cap`` bytes and counts all it was given.

    ``stream``: a text stream, or None to keep and count nothing (a graded call's prints).
    A write past the cap, or one the stream refuses (its own size limit, an
    unencodable character), is dropped, not raised: the student's code runs on.
    """

    def __init__(self, stream=None, cap=0):
        super().__init__()
        self._stream, self._through, self.cap, self.printed = stream, stream is not None, cap, 0

    def write(self, text):
        if not isinstance(text, str):
            raise TypeError("write() argument must be str, not {}".format(type(text).__name__))
        if self._stream is None:  # nothing kept: nothing measured (UTF-8's bytes cost an encoding)
            return len(text)
        size = len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
        room = self.cap - self.printed
        self.printed += size
        if self._through and room > 0:
            try:
                self._stream.write(text if size <= room else text[:room])
            except (OSError, ValueError):  # the file-size limit, a character its encoding lacks
                self._through = False
        return len(text)

    def flush(self):
        if self._through:
            try:
                self._stream.flush()
            except (OSError, ValueError):
                self._through = False

    def fileno(self):
        """The real stream's descriptor (``faulthandler`` asks for it); what is written there is not counted."""
        if self._stream is None:
            raise io.UnsupportedOperation("fileno")
        return self._stream.fileno()

    def writable(self):
        return True

    def isatty(self):
        return False

    @property
    def encoding(self):
        return "utf-8"

    @property
    def errors(self):
        return "strict"
