"""Read a submitted notebook's code cells, whatever state the file is in.

Plain ``json`` rather than nbformat: a cold ``grader check`` must not pay for
jsonschema, and a broken file must give a reason, not a traceback.
"""

import json

MAX_BYTES = 200 * 1024 * 1024  # outputs can be large; code never is


class Unreadable(Exception):
    """The file is not a notebook we can grade; the message says why (in Russian)."""


def load_cells(path):
    """The notebook's code cells as (source, metadata) pairs; :class:`Unreadable` if impossible."""
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise Unreadable("файл не читается: {}".format(error.strerror)) from None
    if len(raw) > MAX_BYTES:
        raise Unreadable("файл больше {} МБ".format(MAX_BYTES // 2 ** 20))
    if not raw.strip():
        raise Unreadable("файл пуст")
    try:
        nb = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise Unreadable("файл повреждён: это не JSON ноутбука ({})".format(str(error)[:80])) from None
    if not isinstance(nb, dict):
        raise Unreadable("файл не является ноутбуком Jupyter")
    if nb.get("nbformat") == 3 or "worksheets" in nb:
        cells = [c for ws in nb.get("worksheets") or [] if isinstance(ws, dict)
                 for c in ws.get("cells") or []]
        cells = [dict(c, source=c.get("input", "")) for c in cells if isinstance(c, dict)]
    else:
        cells = nb.get("cells")
    if not isinstance(cells, list):
        raise Unreadable("в ноутбуке нет списка ячеек")
    out = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(s for s in source if isinstance(s, str))
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        out.append((source if isinstance(source, str) else "", metadata))
    return out
