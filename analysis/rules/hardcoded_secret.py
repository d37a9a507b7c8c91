"""CVX701 hardcoded-secret."""

from __future__ import annotations

import math
import re
from itertools import chain
from typing import Optional

from tree_sitter import Node

from .. import lazy_re
from ..registry import Rule
from ..syntax import text

class _JsonWebToken:
    r"""`\beyJ[..]{10,}\.eyJ[..]{10,}\.[..]{16,}` in linear time.

    As one pattern it backtracks quadratically: every `eyJ` after a `-` inside a long run starts
    a scan to the end of the run. A head is found once per run instead (`finditer` resumes after
    the run it consumed: every later start in that run would end where it ends), and the whole
    token is matched from there; the segments cannot contain `.`, so the possessive quantifiers
    give up nothing the greedy ones would find."""

    marks = ("eyJ",)
    HEAD = re.compile(r"\beyJ[0-9A-Za-z_-]{10,}+")
    FULL = re.compile(r"eyJ[0-9A-Za-z_-]{10,}+\.eyJ[0-9A-Za-z_-]{10,}+\.[0-9A-Za-z_-]{16,}+")

    def search(self, s: str) -> Optional[re.Match]:
        for head in self.HEAD.finditer(s):
            m = self.FULL.match(s, head.start())
            if m is not None:
                return m
        return None


class _AtMarks:
    """`pattern.search(s)` trying only where a match can start: `back` characters before an
    occurrence of one of `marks` (literals every match holds there), leftmost first, so the same
    first match. The patterns start with `\b` or a look-behind, which leaves sre no literal prefix
    to skip by: its search runs the pattern at every position, ~50 M instructions over a 300 kB
    base64 literal holding `AKIA` once. (`match(s, p)` sees the characters before `p`: the
    boundaries and look-behinds test what they test in a search.)"""

    def __init__(self, pattern: str, marks: tuple[str, ...], back: int = 0):
        self.pattern = lazy_re.compile(pattern)
        self.marks = marks
        self.back = back

    def search(self, s: str) -> Optional[re.Match]:
        marks, back, match = self.marks, self.back, self.pattern.match
        at = [s.find(mark, back) for mark in marks]  # each mark's next occurrence (-1: none left)
        while True:
            p = min((q for q in at if q >= 0), default=-1)
            if p < 0:
                return None
            m = match(s, p - back)
            if m is not None:
                return m
            at = [s.find(mark, p + 1) if q == p else q for mark, q in zip(marks, at)]


# (label, pattern, severity or None for the rule's default). A pattern is searched for only in
# literals holding one of its `marks`, and a literal holding none of them is not searched at all.
# Every pattern runs in time linear in the literal's length (tests/test_reliability_bounds.py
# feeds each an adversarial literal).
PATTERNS: list[tuple[str, "_AtMarks | _JsonWebToken", Optional[str]]] = [
    ("Stripe live secret key", _AtMarks(r"\b[sr]k_live_[0-9A-Za-z]{16,}", ("k_live_",), 1), None),
    ("Stripe test secret key", _AtMarks(r"\b[sr]k_test_[0-9A-Za-z]{16,}", ("k_test_",), 1), "info"),
    ("OpenAI project key", _AtMarks(r"\bsk-proj-[0-9A-Za-z_-]{20,}", ("sk-proj-",)), None),
    ("Anthropic API key", _AtMarks(r"\bsk-ant-[0-9A-Za-z_-]{20,}", ("sk-ant-",)), None),
    ("OpenAI API key", _AtMarks(r"\bsk-[0-9A-Za-z_-]{40,}", ("sk-",)), None),
    ("Resend API key", _AtMarks(r"(?<![A-Za-z0-9_])re_[0-9A-Za-z_]{20,}\b", ("re_",)), None),
    ("AWS access key id", _AtMarks(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", ("AKIA", "ASIA")), None),
    ("GitHub token", _AtMarks(r"\b(?:ghp|gho|ghu|ghs|ghr)_[0-9A-Za-z]{36,}\b", ("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
     None),
    ("GitHub token", _AtMarks(r"\bgithub_pat_[0-9A-Za-z_]{40,}\b", ("github_pat_",)), None),
    ("Slack token", _AtMarks(r"\bxox[abpr]-[0-9A-Za-z-]{10,}", ("xox",)), None),
    ("Google API key", _AtMarks(r"\bAIza[0-9A-Za-z_-]{35}\b", ("AIza",)), None),
    # a header, then 40 characters of base64, whitespace or `\n` escapes
    ("private key", _AtMarks(r"-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----[A-Za-z0-9+/=\s\\]{40}", ("-----BEGIN ",)), None),
    ("JSON Web Token", _JsonWebToken(), None),
]

SECRET_NAME_RE = lazy_re.compile(
    r"(?:api_?key|secret|secret_?key|client_?secret|access_?token|auth_?token|bearer_?token|refresh_?token|"
    r"private_?key|access_?key|password|passwd|signing_?key|webhook_?secret|token)$",
    re.IGNORECASE,
)
NOT_SECRET_NAME_RE = lazy_re.compile(r"(?:page|cursor|next|continuation|csrf|cancel|continue|sync|type)_?token$",
                                re.IGNORECASE)

PLACEHOLDER_RE = lazy_re.compile(
    r"\.\.\.|…|x{4,}|X{4,}|\*{3,}|<[^<>]*>|\{\{|\$\{|your|example|sample|placeholder|dummy|fake|changeme|"
    r"change_me|replace|insert|redacted|todo|fixme|test_?key|mock|foo|bar|0{8,}|1234567|abcdef",
    re.IGNORECASE,
)

# What a match of each pattern contains (aligned with PATTERNS)
PATTERN_MARKS: tuple[tuple[str, ...], ...] = tuple(pat.marks for _, pat, _ in PATTERNS)
_ANY_MARK = ("k_live_", "k_test_", "sk-", "re_", "AKIA", "ASIA", "gh", "xox", "AIza", "-----BEGIN ", "eyJ")
_MARK_BYTES = tuple(sorted({mark.encode() for marks in PATTERN_MARKS for mark in marks}))


def _has_mark(s, marks) -> bool:
    for mark in marks:
        if mark in s:
            return True
    return False


def _is_placeholder(s: str) -> bool:
    if PLACEHOLDER_RE.search(s):
        return True
    body = re.sub(r"^[A-Za-z]+[_-]+(?:live|test|proj|ant)?[_-]*", "", s)
    return len(set(body)) < 6  # "sk_live_aaaaaaaaaaaaaaaa", repeated characters


def _entropy(s: str) -> float:
    counts: dict[str, int] = {}
    for ch in s:
        counts[ch] = counts.get(ch, 0) + 1
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in counts.values())


_SPACE = lazy_re.compile(r"\s")  # (`\s` of a str pattern is `str.isspace`)
_LOWER, _UPPER, _DIGIT = lazy_re.compile(r"[a-z]"), lazy_re.compile(r"[A-Z]"), lazy_re.compile(r"[0-9]")
_ENV_NAME = lazy_re.compile(r"[A-Z0-9_]+")
_UUID = lazy_re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def _looks_random(s: str) -> bool:
    if len(s) < 20 or len(s) > 512 or _SPACE.search(s):
        return False
    if "://" in s or s.startswith(("/", ".", "#", "@")) or "." in s and s.count(".") != 2:
        return False
    if not _DIGIT.search(s) or not (_LOWER.search(s) or _UPPER.search(s)):  # two classes, one of them digits
        return False
    if _ENV_NAME.fullmatch(s):  # an env var name such as OPENAI_API_KEY_2
        return False
    if _UUID.fullmatch(s):
        return False  # a UUID is an identifier, not a credential
    return _entropy(s) >= 3.5


def _assigned_name(node: Node, parent: Optional[Node] = None) -> Optional[str]:
    """The variable, property or parameter a literal is directly assigned to (`parent`: the
    literal's, when the caller has it: `parent` is not free)."""
    cur = node
    p = cur.parent if parent is None else parent
    while p is not None:
        if p.type in ("parenthesized_expression", "as_expression", "satisfies_expression"):
            cur, p = p, p.parent
        elif p.type == "binary_expression" and text(p.child_by_field_name("operator")) in ("??", "||"):
            cur, p = p, p.parent  # process.env.KEY ?? "sk_live_..."
        else:
            break
    if p is None:
        return None
    if p.type == "variable_declarator" and p.child_by_field_name("value") is not None \
            and p.child_by_field_name("value").id == cur.id:
        n = p.child_by_field_name("name")
        return text(n) if n is not None and n.type == "identifier" else None
    if p.type == "pair" and p.child_by_field_name("value") is not None and p.child_by_field_name("value").id == cur.id:
        k = p.child_by_field_name("key")
        if k is None:
            return None
        return text(k).strip("'\"`")
    if p.type in ("assignment_expression", "augmented_assignment_expression"):
        left = p.child_by_field_name("left")
        if left is None:
            return None
        if left.type == "member_expression":
            return text(left.child_by_field_name("property"))
        return text(left) if left.type == "identifier" else None
    if p.type in ("assignment_pattern", "required_parameter", "optional_parameter", "public_field_definition"):
        left = p.child_by_field_name("left") or p.child_by_field_name("pattern") or p.child_by_field_name("name")
        return text(left) if left is not None and left.type in ("identifier", "property_identifier") else None
    return None


def _in_type_position(node: Node, parent: Optional[Node] = None) -> bool:
    p = node.parent if parent is None else parent
    return p is not None and p.type in ("literal_type", "import_statement", "export_statement", "import_require_clause")


def _article(label: str) -> str:
    return ("an " if label[0].lower() in "aeiou" else "a ") + label


def check(ctx):
    model = ctx.model
    if model.functions_dir is None or model.facts.is_generated:
        return
    data = model.src.data
    # (each literal on its own: in no particular order) 12 characters between the quotes at least
    literals = []
    for is_string, found in ((True, model.nodes_any_order("string")), (False, model.nodes_any_order("template_string"))):
        for node in found:
            a, b = node.start_byte, node.end_byte
            if b - a >= 14:
                literals.append((node, a, b, is_string))
    if not literals:
        return
    # A mark is ASCII: it is in a literal's text iff its bytes are between the quotes. Looked for
    # once in all of them: in most files no literal holds one, and only `_looks_random` can fire.
    marked = _has_mark(b"\0".join([data[a + 1:b - 1] for _, a, b, _ in literals]), _MARK_BYTES)
    for node, a, b, is_string in literals:
        if not marked and (not is_string or b - a < 22 or data.find(b" ", a + 1, b - 1) >= 0):
            continue  # no mark, and not `_looks_random`: not a "string", fewer than 20 bytes, a space
        s = data[a:b].decode("utf-8", "replace")[1:-1]  # what is between the quotes
        if len(s) < 12:
            continue
        may_key = marked and _has_mark(s, _ANY_MARK)  # else no pattern can match
        may_name = is_string and 20 <= len(s) <= 512  # else not `_looks_random`
        if not (may_key or may_name):
            continue
        parent = None  # asked only when needed (`parent` is not free; every test here is pure)
        hit = None
        for (label, pat, sev), marks in zip(PATTERNS, PATTERN_MARKS) if may_key else ():
            if not _has_mark(s, marks):
                continue
            m = pat.search(s)
            if m is None:
                continue
            if label == "private key":
                hit = (label, sev)
                break
            token = m.group(0)
            if _is_placeholder(token):
                continue
            if label == "Resend API key" and not (re.search(r"[0-9]", token) and re.search(r"[A-Za-z]", token[3:])
                                                  and token.count("_") <= 3):
                continue
            hit = (label, sev)
            break
        if hit is None and may_name and _looks_random(s) and not _is_placeholder(s):
            parent = node.parent
            name = _assigned_name(node, parent)
            if name and SECRET_NAME_RE.search(name) and not NOT_SECRET_NAME_RE.search(name):
                hit = (f"a random-looking value assigned to `{name}`", None)
        if hit is None or _in_type_position(node, parent):
            continue
        label, sev = hit
        if sev == "info":
            msg = (f"This string looks like {_article(label)}. Test keys are less dangerous, but keep credentials in "
                   "environment variables (`process.env`) rather than in the source")
        else:
            what = label if label.startswith("a random") else _article(label)
            msg = (f"Hard-coded credential: this string looks like {what}. Anyone with the source can use it; "
                   "move it into a Convex environment variable and read it with `process.env`")
        ctx.report(node, msg, data={"kind": label}, severity=sev)


RULE = Rule(
    code="CVX701",
    name="hardcoded-secret",
    severity="error",
    spec="§3 HTTP Actions (Webhooks)",
    summary="Flags string literals in the functions folder shaped like real credentials: Stripe live keys, "
            "OpenAI/Anthropic/Resend/AWS/GitHub/Slack/Google keys, PEM private keys, signed JWTs, and long "
            "random-looking values assigned to names such as `apiKey`, `secret`, `token` or `password`. Stripe "
            "test keys are reported as information; obvious placeholders are ignored.",
    why="Code is copied, committed, bundled and shared far more widely than secrets should be. A key in the "
        "source cannot be rotated without a deploy and is readable by everyone with repository access. Convex "
        "keeps secrets in per-deployment environment variables, read through `process.env`.",
    bad="""const stripe = new Stripe("sk_live_51Hx2mQJtq8KvVZ3p0aBcD9eFgH");""",
    good="""const stripe = new Stripe(process.env.STRIPE_SECRET_KEY!);""",
    fix_doc="No automatic fix: revoke the key, set it with `npx convex env set NAME value`, and read it with "
            "`process.env.NAME`.",
    fix=None,
    tags=("security",),
    check=check,
)
