"""One-construct rewrites of the revision-2 rules: CVX312 (storage metadata), CVX408 (top-of-hour cron)."""

from __future__ import annotations

from ..analysis.registry import Finding, Fix, TextEdit
from ..analysis.rules.deprecated_storage_metadata import replacement_text
from ._util import node_at


def _model(finding: Finding, an):
    m = an.models.get(finding.path)
    return m if m is not None and getattr(m, "root", None) is not None else None


# ------------------------------------------------------------------ CVX312
def fix_storage_metadata(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    d = finding.data
    if model is None or not all(isinstance(d.get(k), int) for k in ("id_start", "id_end", "call_start", "call_end")):
        return []
    data = model.src.data
    if b"getMetadata" not in data[d["call_start"]:d["call_end"]]:
        return []
    id_text = data[d["id_start"]:d["id_end"]].decode("utf-8", "replace")
    new = replacement_text(d, id_text)
    return [Fix(f"Use `{new}`", "safe" if d.get("safe") else "unsafe",
                [TextEdit(model.path, d["call_start"], d["call_end"], new)])]


# ------------------------------------------------------------------ CVX408
def object_pair_removal(data: bytes, pair) -> tuple[int, int]:
    """The bytes to delete to drop `pair` from its object literal, with one comma and the space
    that separated it from its neighbour (`{ a: 1, b: 0 }` -> `{ a: 1 }`, `{ b: 0 }` -> `{}`)."""
    nxt = pair.next_sibling
    if nxt is not None and nxt.type == ",":
        end = nxt.end_byte
        while end < len(data) and data[end:end + 1] in (b" ", b"\t"):
            end += 1
        if data[end:end + 1] in (b"\n", b"\r"):  # one pair per line: take the whole line
            start = pair.start_byte
            while start > 0 and data[start - 1:start] in (b" ", b"\t"):
                start -= 1
            if start == 0 or data[start - 1:start] == b"\n":
                while data[end:end + 1] in (b"\r", b"\n"):
                    end += 1
                    if data[end - 1:end] == b"\n":
                        break
                return start, end
        return pair.start_byte, end
    prev = pair.prev_sibling
    if prev is not None and prev.type == ",":
        return prev.start_byte, pair.end_byte
    # the only pair: keep the braces, drop the inner spaces
    obj = pair.parent
    return obj.start_byte + 1, obj.end_byte - 1


def fix_top_of_hour_cron(finding: Finding, an) -> list[Fix]:
    model = _model(finding, an)
    d = finding.data
    if model is None or not d.get("droppable") or not isinstance(d.get("pair_start"), int):
        return []
    pair = node_at(model, d["pair_start"], d.get("pair_end", d["pair_start"]))
    while pair is not None and pair.type != "pair":
        pair = pair.parent
    if pair is None or pair.parent is None or pair.parent.type != "object":
        return []
    s, e = object_pair_removal(model.src.data, pair)
    return [Fix("Drop `minuteUTC: 0` (Convex picks the minute)", "unsafe", [TextEdit(model.path, s, e, "")])]
