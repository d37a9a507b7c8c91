"""CVX108 unsupported-validator."""

from __future__ import annotations

from ..convex_versions import FEATURES, version_of, version_text
from ..registry import Rule
from ..syntax import text
from ..validators_util import V_MEMBER_SINCE, V_MEMBERS, V_METHOD_SINCE, v_member_names, validator_members
from ._neighbours import may_be_object_of_member

_HINTS = {
    "map": "use `v.record(keys, values)` or an array of pairs",
    "set": "use `v.array(...)`",
    "date": "store a timestamp with `v.number()`",
    "undefined": "use `v.optional(...)` for a field that may be absent, or `v.null()`",
    "int": "use `v.int64()` (a bigint) or `v.number()`",
    "integer": "use `v.int64()` (a bigint) or `v.number()`",
    "float": "use `v.number()`",
    "bool": "use `v.boolean()`",
    "enum": "use `v.union(v.literal(...), ...)`",
    "tuple": "use `v.array(...)` or `v.object(...)`",
}


_METHOD_FEATURES = frozenset(V_METHOD_SINCE.values())


def _call_of(member):
    parent = member.parent
    if parent is not None and parent.type == "call_expression" \
            and parent.child_by_field_name("function").id == member.id:
        return parent
    return None


def _too_new(version, feature: str) -> str:
    return (f"needs convex {version_text(FEATURES[feature].version)} or later "
            f"(this project's `convex` is {_shown(version)})")


def _shown(version) -> str:
    lo, hi = version_text(version.low), version_text(version.high)
    return lo if lo == hi else f"{lo}–{hi}"


def check(ctx):
    names = v_member_names(ctx.model)
    if names is not None and not names:
        return  # no `v.<member>` in the file (no convex/values `v`, or it is never used as one)
    version = version_of(ctx.functions_dir)
    # `_check_methods` reports only a method the project's convex may lack: none, most of the time
    old_methods = any(not version.may_have(f) for f in _METHOD_FEATURES)
    if old_methods:  # and only when the bytes hold a call of such a method on a call's result
        old_methods = _method_call_on_call(ctx.model, {m for m, f in V_METHOD_SINCE.items() if not version.may_have(f)})
    if not old_methods:
        # only an unknown member or one the project's convex lacks is reported (the loop below):
        # none when every member the bytes may hold is a member the version has (v_member_names)
        if names is not None and all(n in V_MEMBERS and (n not in V_MEMBER_SINCE or version.may_have(V_MEMBER_SINCE[n]))
                                     for n in names):
            return
    for member, name in validator_members(ctx.model):
        if name in V_MEMBERS:
            feature = V_MEMBER_SINCE.get(name)
            too_new = feature is not None and not version.may_have(feature)
            if not too_new and not old_methods:
                continue
            call = _call_of(member)
            node = call if call is not None else member
            if too_new:
                ctx.report(node, f"`v.{name}` {_too_new(version, feature)}",
                           data={"member": name, "since": version_text(FEATURES[feature].version)})
            if call is not None:
                _check_methods(ctx, version, call)
            continue
        call = _call_of(member)
        node = call if call is not None else member
        prop = member.child_by_field_name("property")
        import difflib  # (here: only an unknown member asks for suggestions)

        close = difflib.get_close_matches(name, sorted(V_MEMBERS), n=3, cutoff=0.6)
        hint = _HINTS.get(name) or (f"did you mean `v.{close[0]}`?" if close else "")
        ctx.report(
            node,
            f"`v.{name}` is not a validator of `convex/values`" + (f"; {hint}" if hint else ""),
            data={"member": name, "prop_start": prop.start_byte, "prop_end": prop.end_byte,
                  "candidates": close},
        )


def _method_call_on_call(model, methods) -> bool:
    """Might the file call one of `methods` on the result of a call (`v.string().optional()`)?
    Some `.<method>` must follow a call's closing `)` (or a tagged template's backquote); a comment
    or a line break in between, or a file with syntax errors, answers yes."""
    if model.errors:
        return True
    data = model.src.data
    for name in methods:
        raw = name.encode()
        i = data.find(raw)
        while i != -1:
            j = i
            while j > 0 and data[j - 1] in b" \t":
                j -= 1
            if j > 0 and data[j - 1] == 0x2E:  # `.`
                j -= 1
                if j > 0 and data[j - 1] == 0x3F:  # `?.`
                    j -= 1
                k = j
                while k > 0 and data[k - 1] in b" \t\r\n\f\v":
                    k -= 1
                if k > 0 and (data[k - 1] in b")`/" or b"\n" in data[k:j] or b"\r" in data[k:j]):
                    return True
            elif j > 0 and data[j - 1] in b"\r\n/":
                return True  # `.` on an earlier line, or a comment before the name
            i = data.find(raw, i + 1)
    return False


def _check_methods(ctx, version, call) -> None:
    """`.optional()` / `.pick()` … called directly on a validator the project's convex lacks."""
    cur = call
    while may_be_object_of_member(ctx.model, cur):  # (else no `.method` follows: no walk up)
        member = cur.parent
        if member is None or member.type != "member_expression" \
                or member.child_by_field_name("object").id != cur.id:
            return
        method = text(member.child_by_field_name("property"))
        nxt = _call_of(member)
        if nxt is None:
            return
        feature = V_METHOD_SINCE.get(method)
        if feature is not None and not version.may_have(feature):
            ctx.report(nxt, f"`.{method}()` on a validator {_too_new(version, feature)}",
                       data={"member": method, "since": version_text(FEATURES[feature].version)})
        cur = nxt


RULE = Rule(
    code="CVX108",
    name="unsupported-validator",
    severity="error",
    spec="§10 Validator Requirements",
    summary="Flags `v.<name>` where `v` is the validator object imported from `convex/values` and `<name>` "
            "is not one of its members (`v.map()`, `v.set()`, `v.date()`, typos). Only the `v` imported from "
            "`convex/values` is checked; a local variable called `v` is not. Members and validator methods "
            "added by later releases are judged by the project's `convex` version (package.json, the lockfile, "
            "or the installed package; the newest release when none is named): `v.nullable` (1.29.2), "
            "`v.commitTs` (1.43), `v.function` (1.49), `.optional()` on any validator (1.46), and "
            "`.pick/.omit/.partial/.extend` on `v.object` (1.29) are reported only when no release the "
            "project's range admits has them.",
    why="Convex values have no Map, Set or Date types, and a missing member is a TypeScript error at best and "
        "a crash when the module loads at worst (the deploy fails). The supported validators are listed "
        "in §10.",
    bad="""args: { tags: v.set(v.string()), seenAt: v.date() },""",
    good="""args: { tags: v.array(v.string()), seenAt: v.number() },""",
    fix_doc="No automatic fix: the right replacement depends on how the data is meant to be stored.",
    fix=None,
    check=check,
)
