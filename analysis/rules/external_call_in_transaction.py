"""CVX301 external-call-in-transaction."""

from __future__ import annotations

import functools
from typing import Optional

from tree_sitter import Node

from .. import convex as cx
from ..registry import Rule
from ..runtime_util import TRANSACTIONAL, transactional_helpers
from ..syntax import member_chain, text, unwrap
from ._calls import with_wrapped_callees

# Packages whose clients talk to the network. Matched exactly or as `pkg/subpath`.
# (`@convex-dev/resend` is a Convex component meant to be used from mutations: not here.)
NETWORK_SDKS = (
    "stripe", "openai", "@anthropic-ai/sdk", "resend", "twilio", "@sendgrid/mail", "postmark",
    "nodemailer", "mailgun.js", "@mailchimp/mailchimp_transactional", "@slack/web-api", "@octokit/rest",
    "octokit", "@google/generative-ai", "@google/genai", "cohere-ai", "@mistralai/mistralai", "groq-sdk",
    "replicate", "@pinecone-database/pinecone", "algoliasearch", "@aws-sdk", "@upstash/redis",
    "@upstash/qstash", "@clerk/backend", "@linear/sdk", "@notionhq/client", "discord.js", "telegraf",
    "@vercel/blob", "@supabase/supabase-js", "firebase-admin", "together-ai", "@huggingface/inference",
)
# HTTP clients whose imported value is itself the thing you call.
HTTP_CLIENTS = ("axios", "ky", "got", "node-fetch", "cross-fetch", "undici", "isomorphic-fetch", "ofetch",
                "superagent")
# Vercel AI SDK functions that call a model provider.
AI_SDK_CALLS = {"generateText", "streamText", "generateObject", "streamObject", "embed", "embedMany",
                "generateImage", "experimental_generateImage", "transcribe", "experimental_transcribe"}
# Members of SDK clients that work locally (signature checks) and are fine anywhere.
LOCAL_MEMBERS = {"webhooks", "constructEvent", "validateRequest", "verifyHeader", "verify"}

GLOBAL_CALLS = {"fetch": "fetch(…)", "setTimeout": "setTimeout(…)", "setInterval": "setInterval(…)"}
GLOBAL_NEWS = {"XMLHttpRequest", "WebSocket", "EventSource"}


_NETWORK_SDKS = frozenset(NETWORK_SDKS)
_HTTP_CLIENTS = frozenset(HTTP_CLIENTS)


@functools.lru_cache(maxsize=4096)
def _matches(source: str, pkgs: frozenset) -> bool:
    """`source` is one of `pkgs` or a subpath of one (`pkg/sub`)."""
    if source in pkgs:
        return True
    i = source.find("/")
    while i != -1:
        if source[:i] in pkgs:
            return True
        i = source.find("/", i + 1)
    return False


class _Sdk:
    def __init__(self, model):
        self.sdk: set[str] = set()  # SDK constructors / factories / namespaces
        self.http: set[str] = set()  # axios & co: call them directly
        self.ai: set[str] = set()
        for imp in model.facts.imports:
            if imp.type_only:
                continue
            if _matches(imp.source, _HTTP_CLIENTS):
                self.http.add(imp.local)
            elif imp.source == "ai" and imp.imported in AI_SDK_CALLS:
                self.ai.add(imp.local)
            elif _matches(imp.source, _NETWORK_SDKS):
                self.sdk.add(imp.local)
        self.clients: set[str] = set()
        if self.sdk or self.http:
            for d in model.nodes_of_type("variable_declarator"):
                name = d.child_by_field_name("name")
                value = unwrap(d.child_by_field_name("value"))
                if name is None or name.type != "identifier" or value is None:
                    continue
                if value.type in ("new_expression", "call_expression"):
                    fn = value.child_by_field_name("constructor" if value.type == "new_expression" else "function")
                    chain = member_chain(unwrap(fn)) if fn is not None else None
                    if chain and (chain[0] in self.sdk or chain[0] in self.http):
                        self.clients.add(text(name))

    def any(self) -> bool:
        return bool(self.sdk or self.http or self.ai or self.clients)


def _free(ident: Node, model) -> bool:
    """A global name: not a parameter, not imported, not a top-level helper of this file."""
    name = text(ident)
    if cx._binding_of(name, ident) is not None:
        return False
    if model.import_of(name) is not None or name in model.helper_nodes:
        return False
    return True


_NEW_FIRSTS = frozenset(n.encode()[0] for n in GLOBAL_NEWS) | {ord("/")}  # (`/`: a comment first)


def _global_new(node: Node, data: bytes) -> bool:
    """`new <one of GLOBAL_NEWS>(…)` as written (whether the name is the global one: `classify`)."""
    i = node.start_byte + 3  # (after `new`: the constructor starts at the first byte that is no space)
    n = len(data)
    while i < n and data[i] in b" \t\r\n\v\f":
        i += 1
    if i < n and data[i] < 0x80 and data[i] not in _NEW_FIRSTS:
        return False  # (not a name of GLOBAL_NEWS, nor a comment, nor other Unicode space before one)
    ctor = node.child_by_field_name("constructor")
    return ctor is not None and ctor.type == "identifier" and text(ctor) in GLOBAL_NEWS


def classify(node: Node, model, sdk: _Sdk) -> Optional[str]:
    """A short description of the external effect, or None."""
    if node.type == "new_expression":
        ctor = node.child_by_field_name("constructor")
        if ctor is not None and ctor.type == "identifier" and text(ctor) in GLOBAL_NEWS and _free(ctor, model):
            return f"new {text(ctor)}(…)"
        return None
    fn = unwrap(node.child_by_field_name("function"))
    if fn is None:
        return None
    if fn.type == "identifier":
        name = text(fn)
        if name in GLOBAL_CALLS and _free(fn, model):
            return GLOBAL_CALLS[name]
        if (name in sdk.http or name in sdk.ai or name in sdk.clients) and cx._binding_of(name, fn) is None:
            return f"{name}(…)"
        return None
    if fn.type != "member_expression":
        return None
    chain = member_chain(fn)
    if not chain or len(chain) < 2:
        return None
    root = chain[0]
    if root not in sdk.clients and root not in sdk.http:
        return None
    if any(part in LOCAL_MEMBERS for part in chain[1:]):
        return None
    # the root identifier node: make sure no parameter shadows it
    cur = fn
    while cur is not None and cur.type == "member_expression":
        cur = unwrap(cur.child_by_field_name("object"))
    if cur is None or cx._binding_of(root, cur) is not None:
        return None
    return ".".join(chain) + "(…)"


def check(ctx):
    model = ctx.model
    if not model.helper_nodes and not any(b.kind in TRANSACTIONAL for _, b in ctx.registrations()):
        return  # nothing here runs in a transaction (a plain helper might, through its callers)
    sdk = _Sdk(model)
    if sdk.clients or sdk.http:
        candidates = list(model.calls)  # `client.any.method(…)`: any name
    else:
        candidates = with_wrapped_callees(model, model.calls_named(*GLOBAL_CALLS, *sdk.ai))
    # `new WebSocket(…)` & co: the file's few `new` expressions, as the model's query found them (a
    # look at each constructor is cheaper than searching the bytes for the three names)
    data = model.src.data
    candidates = candidates + [n for n in model.nodes_any_order("new_expression") if _global_new(n, data)]
    helpers = None
    for node in candidates:
        what = classify(node, model, sdk)
        if what is None:
            continue
        fa = ctx.function_at(node)
        where = None
        if fa is not None:
            reg, b = fa
            if b.kind not in TRANSACTIONAL:
                continue
            where = f"the {b.describe()} `{reg.fact.name or 'handler'}`"
            kind = b.kind
        else:
            hit = None
            for hname, hnode in model.helper_nodes.items():
                if hnode.start_byte <= node.start_byte and node.end_byte <= hnode.end_byte:
                    if helpers is None:  # (the workspace's call graph, built only when a helper asks)
                        helpers = transactional_helpers(ctx.index)
                    k = helpers.get((ctx.path, hname))
                    if k is not None:
                        hit = (hname, k)
                        break
            if hit is None:
                continue
            where = f"`{hit[0]}`, a helper that a {hit[1]} calls"
            kind = hit[1]
        ctx.report(
            node,
            f"`{what}` inside {where}: queries and mutations must stay deterministic and cannot reach the "
            "network; do this in an action (schedule one with `ctx.scheduler.runAfter(0, …)`)",
            data={"call": what, "kind": kind, "start": node.start_byte, "end": node.end_byte},
        )


RULE = Rule(
    code="CVX301",
    name="external-call-in-transaction",
    severity="error",
    spec="§12 Rules for Agents",
    summary="Flags network I/O and timers — `fetch(…)`, `new XMLHttpRequest/WebSocket`, `setTimeout`/"
            "`setInterval`, or a call on a client of a network SDK imported in the file (Stripe, OpenAI, "
            "Anthropic, Resend, Twilio, axios, the AI SDK's `generateText`, …) — inside a query or mutation "
            "handler (custom builders included), or inside a plain helper that a query or mutation calls, "
            "even from another file. Actions, HTTP actions and type-only imports are fine.",
    why="Queries and mutations are deterministic transactions that Convex may retry or re-run; the runtime "
        "refuses outbound requests there, and a retried mutation would repeat a charge or an e-mail anyway. "
        "Network work belongs in an action, started from the mutation through the scheduler so it only "
        "happens if the transaction commits (§0, §6, §12 MUST 4 and MUST NOT 2).",
    bad="""export const checkout = mutation({
  args: { orderId: v.id("orders") },
  handler: async (ctx, { orderId }) => {
    const order = await ctx.db.get(orderId);
    await stripe.paymentIntents.create({ amount: order!.total, currency: "usd" });
  },
});""",
    good="""export const checkout = mutation({
  args: { orderId: v.id("orders") },
  handler: async (ctx, { orderId }) => {
    await ctx.db.patch(orderId, { status: "paying" });
    await ctx.scheduler.runAfter(0, internal.payments.charge, { orderId });
  },
});""",
    fix_doc="No automatic fix: move the call into an internal action and schedule it from the mutation.",
    fix=None,
    tags=(),
    check=check,
)
