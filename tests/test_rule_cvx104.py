import pytest

from tests._validators_fixtures import FUNCTIONS_TS
from tests.ruletester import invalid, lint_files, run_case, valid

HEAD = """
import { query, mutation, internalMutation, httpAction } from "./_generated/server";
import { v } from "convex/values";
"""


def fn(body: str, returns: str = "returns: v.null(),", handler: str = "handler: async (ctx, args) =>") -> str:
    return HEAD + f"""export const f = mutation({{
  args: {{}},
  {returns}
  {handler} {body},
}});
"""


CASES = [
    valid(fn("{ await ctx.db.insert('t', {}); return null; }"), name="returns at the end"),
    valid(fn("null"), name="expression-bodied arrow"),
    valid(fn("{ if (args.x) { return null; } else { return null; } }"), name="if/else both return"),
    valid(fn("{ if (args.x) return null; throw new Error('no'); }"), name="throw at the end"),
    valid(fn("""{
    switch (args.kind) {
      case "a": return null;
      case "b": { throw new Error("b"); }
      default: return null;
    }
  }"""), name="switch with default, every case leaves"),
    valid(fn("""{
    try { await ctx.db.insert("t", {}); return null; }
    catch (e) { console.error(e); return null; }
  }"""), name="try and catch both return"),
    valid(fn("""{
    try { await ctx.db.insert("t", {}); } finally { return null; }
  }"""), name="finally returns"),
    valid(fn("""{
    while (true) {
      const r = await ctx.db.query("t").first();
      if (r) return null;
    }
  }"""), name="endless loop left only by return"),
    valid(fn("{ await ctx.db.insert('t', {}); }", returns="returns: v.id('t'),"), name="returns other than null"),
    invalid(fn("{ if (args.x) return 'x'; await ctx.db.insert('t', {}); }",
               returns="returns: v.union(v.null(), v.string()),"), [6], name="a union with null falls off"),
    invalid(fn("{ if (args.x) return 'x'; }", returns="returns: v.nullable(v.string()),"), [6],
            name="v.nullable falls off", message="admits `null`"),
    valid(fn("{ if (args.x) return 'x'; }", returns="returns: v.optional(v.string()),"),
          name="a validator without null: CVX113's business"),
    valid(fn("{ await ctx.db.insert('t', {}); throwError('x'); }"), name="never-returning helper call"),
    valid(HEAD + """export const h = httpAction(async (ctx, req) => { await ctx.runMutation(x, {}); });
""", name="httpAction"),
    valid(HEAD + """export const b = query(async (ctx) => { await ctx.db.query("t").take(1); });
""", name="bare handler: CVX103"),
    valid(HEAD + """// handler: async () => {} in a comment
export const helper = async (ctx) => { await ctx.db.insert("t", {}); };
""", name="plain helper, comment"),
    invalid(fn("{ await ctx.db.insert('t', {}); }"), [6], name="falls off the end", message="return null"),
    invalid(fn("{}"), [6], name="empty body"),
    invalid(fn("{ if (args.x) { return null; } }"), [6], name="if without else"),
    invalid(fn("{ if (args.x) return null; else { await ctx.db.insert('t', {}); } }"), [6],
            name="else branch falls off"),
    invalid(fn("""{
    switch (args.kind) {
      case "a": return null;
      default: break;
    }
  }"""), [6], name="switch default breaks"),
    invalid(fn("""{
    switch (args.kind) {
      case "a": return null;
    }
  }"""), [6], name="switch without default"),
    invalid(fn("""{
    try { return null; } catch (e) { console.error(e); }
  }"""), [6], name="catch falls off"),
    invalid(fn("""{
    for (const x of args.xs) { return null; }
  }"""), [6], name="loop may run zero times"),
    invalid(fn("""{
    while (true) { if (args.x) break; }
  }"""), [6], name="endless loop with break"),
    valid(fn("{ await ctx.db.insert('t', {}); }", returns=""), name="returns missing: CVX101 only"),
    invalid(fn("{ if (args.a) return; }"), [6], name="bare return then fall off"),
    invalid(HEAD + """export const m = internalMutation({
  args: {},
  returns: v.null(),
  async handler(context) {
    await context.db.insert("t", {});
  },
});
""", [6], name="method handler"),
    invalid("""
        import { mutation } from "./functions";
        import { v } from "convex/values";
        export const save = mutation({
          args: {},
          returns: v.null(),
          handler: async ({ db }) => {
            await db.insert("t", {});
          },
        });
    """, [6], files={"convex/functions.ts": FUNCTIONS_TS}, name="custom builder, destructured db"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_implicit_undefined_return(tmp_path, case):
    run_case(tmp_path, "implicit-undefined-return", case)


def test_range_is_handler_key_through_params(tmp_path):
    code = fn("{ await ctx.db.insert('t', {}); }")
    [f] = lint_files(tmp_path, {"convex/x.ts": code}, select=["CVX104"])
    src = code.lstrip("\n").encode()
    assert src[f.start:f.end].decode() == "handler: async (ctx, args)"
    assert src[f.data["insert_at"]:f.data["insert_at"] + 1] == b"}"
