"""Read a submitted notebook safely, whatever the file contains or is.

Everything a student submits passes through :func:`read_notebook` before any
other part of the grader sees it, and what comes out is small and normalized:
each cell's type, its source as text and the scalar fields of its nbgrader
metadata. Outputs, attachments and other metadata are dropped, so nothing deep,
huge or oddly typed travels further. Every way a file can be wrong ends in
:class:`Unreadable` with a Russian reason, never in a traceback or a hang:

* not a regular file (a pipe, socket, device or folder) -- refused before it is
  opened for reading, so a pipe cannot block the grader;
* a link that leads out of the folder the file must live in;
* larger than :data:`MAX_BYTES` -- refused from its size, before it is read;
* not UTF-8 (UTF-16/32 with a byte-order mark and a UTF-8 BOM are accepted);
* not JSON, nested too deep for the parser, or JSON that is not a notebook.

Plain ``json`` rather than nbformat: a cold ``grader check`` must not pay for
jsonschema.
"""

import codecs
import errno
import hashlib
import json
import os
import stat
from dataclasses import dataclass

MAX_BYTES = 200 * 1024 * 1024       # outputs can be large; code never is
CELL_TYPES = ("code", "markdown", "raw")
# The nbgrader metadata fields the grader reads; anything else is dropped.
_NBGRADER_FIELDS = ("grade_id", "solution", "grade", "locked", "points", "task", "schema_version")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_KINDS = ((stat.S_ISDIR, "папка"), (stat.S_ISFIFO, "именованный канал"), (stat.S_ISSOCK, "сокет"),
          (stat.S_ISCHR, "устройство"), (stat.S_ISBLK, "устройство"))
_ERRNO = {errno.ENOENT: "файла нет", errno.EACCES: "нет прав на чтение", errno.EPERM: "нет прав на чтение",
          errno.ENXIO: "это сокет, а не файл", errno.ELOOP: "слишком длинная цепочка ссылок",
          errno.ENAMETOOLONG: "слишком длинное имя", errno.ENOTDIR: "путь ведёт не в папку"}


class Unreadable(Exception):
    """The file is not a notebook we can grade; the message says why (in Russian).

    ``sha256`` is of the file's bytes when they could be read at all ("" when not).
    """

    def __init__(self, reason, sha256=""):
        super().__init__(reason)
        self.sha256 = sha256


@dataclass(frozen=True)
class Cell:
    cell_type: str   # "code", "markdown" or "raw"
    source: str
    nbgrader: dict   # scalar nbgrader metadata fields ({} when the cell has none)


@dataclass(frozen=True)
class Notebook:
    cells: tuple     # of Cell, in notebook order
    sha256: str      # of the file's bytes: what exactly was graded


def read_notebook(path, inside=None):
    """The notebook at ``path`` as a :class:`Notebook`; :class:`Unreadable` if impossible.

    ``inside``: the real folder the file must be in (``path``'s links are
    followed to check, ``inside``'s are not); by default the folder that holds
    ``path``.
    """
    return parse_notebook(read_bytes(path, inside))


def parse_notebook(raw):
    """A :class:`Notebook` from a file's bytes (an upload, say); :class:`Unreadable` if impossible."""
    sha256 = hashlib.sha256(raw).hexdigest()
    try:
        if len(raw) > MAX_BYTES:
            raise Unreadable(too_large(MAX_BYTES))
        if not raw.strip():
            raise Unreadable("файл пуст")
        return Notebook(tuple(_cells_of(_parse_json(raw))), sha256)
    except Unreadable as reason:
        raise Unreadable(str(reason), sha256) from None


def read_bytes(path, inside=None, limit=MAX_BYTES):
    """The bytes of the regular file at ``path`` (at most ``limit``), refusing links out of ``inside``."""
    path = os.fspath(path)
    # ``inside`` is where the file must really be: taken as given (a link in it is not followed);
    # by default, wherever the folder holding ``path`` really is.
    root = os.path.abspath(inside) if inside is not None else os.path.realpath(os.path.dirname(os.path.abspath(path)))
    real = os.path.realpath(path)
    if os.path.commonpath([root, real]) != root:
        raise Unreadable("файл — ссылка за пределы папки с работой студента")
    try:
        # O_NONBLOCK: opening a named pipe must not wait for a writer.
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as error:
        if error.errno == errno.ENOENT:  # name the file looked for: a student may have saved it as another
            raise Unreadable("нет файла {}".format(os.path.basename(path))) from None
        raise _unreadable(error) from None
    try:
        info = os.fstat(fd)
        for is_kind, kind in _KINDS:
            if is_kind(info.st_mode):
                raise Unreadable("это не файл ноутбука, а {}".format(kind))
        if info.st_size > limit:
            raise Unreadable(too_large(limit))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 22, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise _unreadable(error) from None
    finally:
        os.close(fd)
    if size > limit:  # it grew while being read
        raise Unreadable(too_large(limit))
    return b"".join(chunks)


def _unreadable(error):
    return Unreadable("файл не читается: {}".format(_ERRNO.get(error.errno, error.strerror)))


def too_large(limit):
    """Why a file over ``limit`` bytes is refused, in Russian."""
    return "файл больше {} МБ".format(limit // 2 ** 20) if limit >= 2 ** 20 else \
        "файл больше {} байт".format(limit)


def _parse_json(raw):
    encoding = next((name for bom, name in _BOMS if raw.startswith(bom)), "utf-8")
    try:
        text = raw.decode(encoding)
    except UnicodeDecodeError as error:
        raise Unreadable("файл не в кодировке UTF-8 (байт {} в позиции {})".format(
            hex(error.object[error.start]), error.start)) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise Unreadable("файл повреждён: слишком глубокая вложенность JSON") from None
    except json.JSONDecodeError as error:  # where, in Russian: the parser's own words are English
        raise Unreadable("файл повреждён: это не JSON ноутбука (ошибка в строке {}, столбце {})".format(
            error.lineno, error.colno)) from None
    except ValueError:
        raise Unreadable("файл повреждён: это не JSON ноутбука") from None


def _cells_of(nb):
    if not isinstance(nb, dict):
        raise Unreadable("файл не является ноутбуком Jupyter")
    if nb.get("nbformat") == 3 or "worksheets" in nb:
        worksheets = nb.get("worksheets")
        cells = [c for ws in (worksheets if isinstance(worksheets, list) else []) if isinstance(ws, dict)
                 for c in (ws.get("cells") if isinstance(ws.get("cells"), list) else [])]
        source_key = "input"
    else:
        cells, source_key = nb.get("cells"), "source"
    if not isinstance(cells, list):
        raise Unreadable("в ноутбуке нет списка ячеек")
    for cell in cells:
        if not isinstance(cell, dict):
            continue
        cell_type = cell.get("cell_type")
        if cell_type == "heading":  # nbformat 3's headings are markdown in 4
            cell_type = "markdown"
        if not isinstance(cell_type, str) or cell_type not in CELL_TYPES:
            continue
        key = source_key if cell_type == "code" else "source"
        metadata = cell.get("metadata")
        nbgrader = metadata.get("nbgrader") if isinstance(metadata, dict) else None
        yield Cell(cell_type, _text(cell.get(key, "")), _scalars(nbgrader))


def _text(value):
    """A cell's source as one string: nbformat allows a string or a list of strings."""
    if isinstance(value, list):
        try:
            value = "".join(value)  # the usual case, in one step: every item a string
        except TypeError:
            value = "".join(v for v in value if isinstance(v, str))
    return clean_text(value) if isinstance(value, str) else ""


def clean_text(text):
    """``text`` that encodes as UTF-8: JSON may carry lone surrogates, which no file or terminal takes."""
    if text.isascii():
        return text  # no surrogate can hide in it; much cheaper than encoding
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _scalars(nbgrader):
    if not isinstance(nbgrader, dict):
        return {}
    out = {}
    for key in _NBGRADER_FIELDS:
        value = nbgrader.get(key)
        if value is None:
            continue  # most fields are absent from most cells
        if isinstance(value, str):
            out[key] = clean_text(value)
        elif type(value) in (bool, int, float):
            out[key] = value
    return out
