"""CVX113 returns-validator-mismatch: valid and invalid cases side by side, across files."""

import pytest

from tests.ruletester import FUNCTIONS_TS, invalid, run_case, valid

SCHEMA = """
import { defineSchema, defineTable } from "convex/server";
import { v } from "convex/values";

export const productStatus = v.union(v.literal("active"), v.literal("archived"));
export const productFields = {
  name: v.string(),
  sku: v.string(),
  note: v.optional(v.string()),
  status: productStatus,
};

export default defineSchema({
  products: defineTable(productFields).index("by_sku", ["sku"]),
  users: defineTable({ name: v.string(), email: v.optional(v.string()) }),
  orders: defineTable({ productId: v.id("products"), userId: v.id("users"), qty: v.number() }),
});
"""

DOC = 'v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string(), note: v.optional(v.string()), status: v.union(v.literal("active"), v.literal("archived")) })'
HEAD = 'import { query, mutation, internalQuery, action } from "./_generated/server";\nimport { v } from "convex/values";\n'
FILES = {"convex/schema.ts": SCHEMA}


def files(**more):
    out = dict(FILES)
    out.update({k.replace("__", "/").replace("_ts", ".ts"): v for k, v in more.items()})
    return out


MODEL = """
import { QueryCtx } from "../_generated/server";
import { Doc, Id } from "../_generated/dataModel";

export async function getProductOrThrow(ctx: QueryCtx, id: Id<"products">) {
  const product = await ctx.db.get(id);
  if (!product) throw new Error("not found");
  return product;
}

export async function findBySku(ctx: QueryCtx, sku: string): Promise<Doc<"products"> | null> {
  return await ctx.db.query("products").withIndex("by_sku", (q) => q.eq("sku", sku)).unique();
}

export function summary(p: Doc<"products">) {
  return { name: p.name, sku: p.sku };
}
"""

SHARED = """
import { v } from "convex/values";
import { productFields } from "./schema";
export const productDoc = v.object({ ...productFields, _id: v.id("products"), _creationTime: v.number() });
export const nameOnly = { name: v.string() };
"""

CASES = [
    # ---------------------------------------------------------------- documents
    valid(HEAD + f"""
export const get = query({{
  args: {{ id: v.id("products") }},
  returns: v.union({DOC}, v.null()),
  handler: async (ctx, {{ id }}) => {{
    return await ctx.db.get(id);
  }},
}});
""", files(), name="db.get with the full document validator or null"),
    invalid(HEAD + """
export const get = query({
  args: { id: v.id("products") },
  returns: v.union(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), status: v.string() }), v.null()),
  handler: async (ctx, { id }) => {
    return await ctx.db.get(id);
  },
});
""", [8], files(), name="schema field missing from the validator",
        message="`sku` is in every `products` document but not in the validator"),
    invalid(HEAD + f"""
export const get = query({{
  args: {{ id: v.id("products") }},
  returns: {DOC},
  handler: async (ctx, args) => {{
    const p = await ctx.db.get(args.id);
    return p;
  }},
}});
""", [9], files(), name="db.get can return null", message="`ctx.db.get` can return `null`"),
    valid(HEAD + f"""
export const get = query({{
  args: {{ id: v.id("products") }},
  returns: {DOC},
  handler: async (ctx, args) => {{
    const p = await ctx.db.get(args.id);
    if (!p) throw new Error("missing");
    return p;
  }},
}});
""", files(), name="null ruled out by an early throw"),
    valid(HEAD + f"""
export const get = query({{
  args: {{ id: v.id("products") }},
  returns: {DOC},
  handler: async (ctx, args) => {{
    const p = await ctx.db.get(args.id);
    if (p?.status === "active") {{ return p; }}
    throw new Error("inactive");
  }},
}});
""", files(), name="a test of the variable makes its null uncertain: silent"),
    valid(HEAD + """
import { productDoc } from "./shared";
export const bySku = query({
  args: { sku: v.string() },
  returns: v.union(productDoc, v.null()),
  handler: async (ctx, { sku }) => {
    return await ctx.db.query("products").withIndex("by_sku", (q) => q.eq("sku", sku)).unique();
  },
});
""", files(convex__shared_ts=SHARED), name="shared validator constant built from a spread of schema fields"),
    invalid(HEAD + """
import { productDoc } from "./shared";
export const bySku = query({
  args: { sku: v.string() },
  returns: productDoc,
  handler: async (ctx, { sku }) => {
    return await ctx.db.query("products").withIndex("by_sku", (q) => q.eq("sku", sku)).unique();
  },
});
""", [9], files(convex__shared_ts=SHARED), name="unique() without v.null()", message="`.unique()` can return `null`"),
    valid(HEAD + """
import schema from "./schema";
export const list = query({
  args: {},
  returns: v.array(schema.tables.products.validator.extend({ _id: v.id("products"), _creationTime: v.number() })),
  handler: async (ctx) => ctx.db.query("products").collect(),
});
""", files(), name="schema.tables.t.validator extended with system fields"),
    invalid(HEAD + """
import schema from "./schema";
export const list = query({
  args: {},
  returns: v.array(schema.tables.products.validator),
  handler: async (ctx) => ctx.db.query("products").collect(),
});
""", [8], files(), name="schema.tables.t.validator lacks _id", message="`_id` of each element"),
    valid(HEAD + """
import { doc } from "convex-helpers/validators";
import schema from "./schema";
export const list = query({
  args: {},
  returns: v.array(doc(schema, "products")),
  handler: async (ctx) => await ctx.db.query("products").take(10),
});
""", files(), name="doc(schema, t) helper"),
    invalid(HEAD + """
export const one = query({
  args: {},
  returns: v.array(v.object({ name: v.string() })),
  handler: async (ctx) => {
    return await ctx.db.query("users").first();
  },
});
""", [8], files(), name="object where an array is declared", message="expects an array"),
    invalid(HEAD + """
export const all = query({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async (ctx) => {
    return await ctx.db.query("users").collect();
  },
});
""", [8], files(), name="array where an object is declared", message="an array (`.collect()`) is returned but the validator expects an object"),
    invalid(HEAD + """
export const user = query({
  args: { id: v.id("users") },
  returns: v.union(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.string() }), v.null()),
  handler: async (ctx, args) => await ctx.db.get(args.id),
});
""", [7], files(), name="optional schema field declared required", message="the validator requires `email` but it is optional in `users` documents"),
    valid(HEAD + """
export const get = query({
  args: { id: v.id("users") },
  returns: v.nullable(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.string().optional() })),
  handler: async (ctx, { id }) => ctx.db.get(id),
});
""", files(), name="v.nullable and .optional()"),
    invalid(HEAD + """
export const get = query({
  args: { id: v.id("users") },
  returns: v.nullable(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string() })),
  handler: async (ctx, { id }) => ctx.db.get(id),
});
""", [7], files(), name="v.nullable with a stale object", message="`email` may be in a `users` document (optional in the schema)"),
    valid(HEAD + """
import { vv } from "./vv";
export const get = query({
  args: { id: v.id("users") },
  returns: v.array(vv.doc("users")),
  handler: async (ctx) => await ctx.db.query("users").collect(),
});
""", files(convex__vv_ts='import { typedV } from "convex-helpers/validators";\nimport schema from "./schema";\nexport const vv = typedV(schema);\n'),
        name="typedV(schema).doc(t)"),
    valid(HEAD + """
import { productDoc } from "./shared";
export const names = query({
  args: {},
  returns: v.array(productDoc.pick("name", "sku")),
  handler: async (ctx) => (await ctx.db.query("products").collect()).map((p) => ({ name: p.name, sku: p.sku })),
});
""", files(convex__shared_ts=SHARED), name=".pick on a shared validator"),
    invalid(HEAD + """
import { productDoc } from "./shared";
export const names = query({
  args: {},
  returns: v.array(productDoc.omit("sku")),
  handler: async (ctx) => await ctx.db.query("products").collect(),
});
""", [8], files(convex__shared_ts=SHARED), name=".omit on a shared validator", message="`sku` of each element is in every `products` document"),
    valid(HEAD + """
export const byName = query({
  args: {},
  returns: v.record(v.string(), v.number()),
  handler: async (ctx) => {
    const orders = await ctx.db.query("orders").collect();
    return { total: orders.length, first: 1 };
  },
});
""", files(), name="v.record accepts an object of numbers"),
    invalid(HEAD + """
export const byName = query({
  args: {},
  returns: v.record(v.string(), v.number()),
  handler: async (ctx) => {
    const orders = await ctx.db.query("orders").collect();
    return { total: orders.length, label: "orders" };
  },
});
""", [9], files(), name="v.record rejects a string value",
        message='`label`: `"orders"` is returned but the validator expects a number'),
    valid(HEAD + """
export const active = query({
  args: {},
  returns: v.array(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string(),
    note: v.optional(v.string()), status: v.literal("active") })),
  handler: async (ctx) => {
    return await ctx.db.query("products").withIndex("by_status", (q) => q.eq("status", "active")).collect();
  },
});
""", files(convex__schema_ts=SCHEMA.replace('.index("by_sku", ["sku"])', '.index("by_sku", ["sku"]).index("by_status", ["status"])')),
        name="an index equality pins the literal"),
    valid(HEAD + """
export const active = query({
  args: {},
  returns: v.array(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string(),
    note: v.optional(v.string()), status: v.literal("active") })),
  handler: async (ctx) => {
    return await ctx.db.query("products").filter((q) => q.eq(q.field("status"), "active")).collect();
  },
});
""", files(), name="a filter on a literal-union field makes it unknown"),
    invalid(HEAD + """
export const active = query({
  args: {},
  returns: v.array(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string(),
    status: v.literal("active") })),
  handler: async (ctx) => {
    return await ctx.db.query("products").filter((q) => isActive(q)).collect();
  },
});
""", [9], files(), name="an opaque filter: other complaints stay",
        message="`note` of each element may be in a `products` document (optional in the schema)"),
    invalid(HEAD + """
export const archived = query({
  args: {},
  returns: v.array(v.object({ _id: v.id("products"), _creationTime: v.number(), name: v.string(), sku: v.string(),
    note: v.optional(v.string()), status: v.literal("active") })),
  handler: async (ctx) => {
    return await ctx.db.query("products").withIndex("by_status", (q) => q.eq("status", "archived")).collect();
  },
});
""", [9], files(convex__schema_ts=SCHEMA.replace('.index("by_sku", ["sku"])', '.index("by_sku", ["sku"]).index("by_status", ["status"])')),
        name="an index equality on another literal", message='`"archived"` can be returned but the validator allows only `"active"`'),
    # ---------------------------------------------------------------- ids, literals, nulls
    valid(HEAD + """
export const create = mutation({
  args: { name: v.string() },
  returns: v.id("users"),
  handler: async (ctx, { name }) => {
    return await ctx.db.insert("users", { name });
  },
});
""", files(), name="insert returns an id"),
    invalid(HEAD + """
export const create = mutation({
  args: { name: v.string() },
  returns: v.null(),
  handler: async (ctx, { name }) => {
    const id = await ctx.db.insert("users", { name });
    return id;
  },
});
""", [9], files(), name="id where v.null() is declared", message="is returned but the validator is `v.null()`"),
    invalid(HEAD + """
export const create = mutation({
  args: { name: v.string() },
  returns: v.id("products"),
  handler: async (ctx, { name }) => ctx.db.insert("users", { name }),
});
""", [7], files(), name="id of another table"),
    valid(HEAD + """
export const st = query({
  args: { id: v.id("products") },
  returns: v.union(v.literal("active"), v.literal("archived")),
  handler: async (ctx, { id }) => {
    const p = await ctx.db.get(id);
    if (p === null) throw new Error("no");
    return p.status;
  },
});
""", files(), name="document field read keeps the literal union"),
    invalid(HEAD + """
export const st = query({
  args: { id: v.id("products") },
  returns: v.literal("active"),
  handler: async (ctx, { id }) => {
    const p = await ctx.db.get(id);
    if (p === null) throw new Error("no");
    return p.status;
  },
});
""", [10], files(), name="literal outside the validator's union", message='`"archived"` can be returned'),
    invalid(HEAD + """
export const flag = query({
  args: {},
  returns: v.union(v.literal("a"), v.literal("b")),
  handler: async (ctx) => {
    if (Math.random() > 0.5) return "a";
    return "c";
  },
});
""", [9], files(), name="string literal not in the union", message='`"c"` can be returned but the validator allows only'),
    valid(HEAD + """
export const count = query({
  args: {},
  returns: v.number(),
  handler: async (ctx) => {
    const rows = await ctx.db.query("orders").collect();
    return rows.length;
  },
});
""", files(), name="array length is a number"),
    invalid(HEAD + """
export const count = query({
  args: {},
  returns: v.string(),
  handler: async (ctx) => {
    const rows = await ctx.db.query("orders").collect();
    return rows.length;
  },
});
""", [9], files(), name="number where a string is declared", message="a number is returned but the validator expects a string"),
    # ---------------------------------------------------------------- objects, spreads, map
    valid(HEAD + """
export const withExtra = query({
  args: { id: v.id("users") },
  returns: v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.optional(v.string()), isMe: v.boolean() }),
  handler: async (ctx, args) => {
    const user = await ctx.db.get(args.id);
    if (!user) throw new Error("x");
    return { ...user, isMe: true };
  },
});
""", files(), name="spread of a document plus a computed field"),
    invalid(HEAD + """
export const withExtra = query({
  args: { id: v.id("users") },
  returns: v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.optional(v.string()) }),
  handler: async (ctx, args) => {
    const user = await ctx.db.get(args.id);
    if (!user) throw new Error("x");
    return { ...user, isMe: true };
  },
});
""", [10], files(), name="computed field spread into the result", message="`isMe` is returned but not in the validator"),
    valid(HEAD + """
export const names = query({
  args: {},
  returns: v.array(v.object({ id: v.id("orders"), qty: v.number() })),
  handler: async (ctx) => {
    const orders = await ctx.db.query("orders").take(20);
    return orders.map((o) => ({ id: o._id, qty: o.qty }));
  },
});
""", files(), name="map to object literals"),
    invalid(HEAD + """
export const names = query({
  args: {},
  returns: v.array(v.object({ id: v.id("orders") })),
  handler: async (ctx) => {
    const orders = await ctx.db.query("orders").take(20);
    return orders.map((o) => ({ id: o._id, qty: o.qty }));
  },
});
""", [9], files(), name="map adds a field the validator lacks", message="`qty` of each element is returned but not in the validator"),
    invalid(HEAD + """
export const join = query({
  args: {},
  returns: v.array(v.object({ qty: v.number(), product: v.object({ name: v.string() }) })),
  handler: async (ctx) => {
    const orders = await ctx.db.query("orders").take(20);
    return await Promise.all(orders.map(async (o) => {
      const product = await ctx.db.get(o.productId);
      if (!product) throw new Error("dangling");
      return { qty: o.qty, product };
    }));
  },
});
""", [9], files(), name="Promise.all over map, id read from a document field", message="`product.sku`"),
    valid(HEAD + """
export const page = query({
  args: { paginationOpts: v.any() },
  returns: v.object({ page: v.array(v.any()), isDone: v.boolean(), continueCursor: v.string() }),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("orders").paginate(paginationOpts),
});
""", files(), name="paginate: splitCursor/pageStatus are not reported"),
    invalid(HEAD + """
export const page = query({
  args: { paginationOpts: v.any() },
  returns: v.array(v.any()),
  handler: async (ctx, { paginationOpts }) => {
    return await ctx.db.query("orders").paginate(paginationOpts);
  },
});
""", [8], files(), name="paginate result where an array is declared"),
    valid(HEAD + """
import { paginationResultValidator } from "convex/server";
export const page = query({
  args: { paginationOpts: v.any() },
  returns: paginationResultValidator(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.optional(v.string()) })),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("users").paginate(paginationOpts),
});
""", files(), name="paginationResultValidator"),
    invalid(HEAD + """
import { paginationResultValidator } from "convex/server";
export const page = query({
  args: { paginationOpts: v.any() },
  returns: paginationResultValidator(v.object({ _id: v.id("users"), name: v.string() })),
  handler: async (ctx, { paginationOpts }) => ctx.db.query("users").paginate(paginationOpts),
});
""", [8], files(), name="paginationResultValidator with a stale item validator", message="`page[]._creationTime` is in every `users` document"),
    valid(HEAD + """
export const many = query({
  args: { ids: v.array(v.id("users")) },
  returns: v.array(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.optional(v.string()) })),
  handler: async (ctx, args) => {
    const users = await Promise.all(args.ids.map((id) => ctx.db.get(id)));
    return users.filter((u) => u !== null);
  },
});
""", files(), name="map over an argument array, nulls filtered out"),
    invalid(HEAD + """
export const many = query({
  args: { ids: v.array(v.id("users")) },
  returns: v.array(v.object({ _id: v.id("users"), _creationTime: v.number(), name: v.string(), email: v.optional(v.string()) })),
  handler: async (ctx, args) => {
    return await Promise.all(args.ids.map((id) => ctx.db.get(id)));
  },
});
""", [8], files(), name="map over an argument array keeps db.get's null",
        message="an element can be `null` (`ctx.db.get`) but the validator does not allow `null`"),
    valid(HEAD + """
export const shaped = query({
  args: {},
  returns: v.array(v.object({ id: v.id("users"), email: v.optional(v.string()) })),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").collect();
    return users.map((u) => ({ id: u._id, ...(u.email ? { email: u.email } : {}) }));
  },
});
""", files(), name="conditional spread: the field may be absent"),
    invalid(HEAD + """
export const shaped = query({
  args: {},
  returns: v.array(v.object({ id: v.id("users") })),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").collect();
    return users.map((u) => ({ id: u._id, ...(u.name.length > 3 && { long: true }) }));
  },
});
""", [9], files(), name="conditional spread of a field the validator lacks", message="`long` of each element is returned"),
    valid(HEAD + """
import { summary } from "./model/products";
export const summaries = query({
  args: {},
  returns: v.array(v.object({ name: v.string(), sku: v.string() })),
  handler: async (ctx) => (await ctx.db.query("products").take(5)).map(summary),
});
""", files(convex__model__products_ts=MODEL), name="map with an imported helper reference: silent when unknown"),
    # ---------------------------------------------------------------- conditionals
    valid(HEAD + """
export const maybe = query({
  args: { id: v.id("users") },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { id }) => {
    const u = await ctx.db.get(id);
    return u ? u.name : null;
  },
});
""", files(), name="ternary with null"),
    invalid(HEAD + """
export const maybe = query({
  args: { id: v.id("users") },
  returns: v.string(),
  handler: async (ctx, { id }) => {
    const u = await ctx.db.get(id);
    return u ? u.name : null;
  },
});
""", [9], files(), name="ternary can yield null", message="can return `null`"),
    valid(HEAD + """
export const emails = query({
  args: {},
  returns: v.array(v.object({ email: v.string() })),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").collect();
    return users.map((u) => ({ email: u.email! }));
  },
});
""", files(), name="non-null assertion on an optional field"),
    invalid(HEAD + """
export const emails = query({
  args: {},
  returns: v.array(v.object({ email: v.string() })),
  handler: async (ctx) => {
    const users = await ctx.db.query("users").collect();
    return users.map((u) => ({ email: u.email }));
  },
});
""", [9], files(), name="optional field copied into a required one",
        message="the validator requires `email` of each element but the returned object may lack it"),
    valid(HEAD + """
export const email = query({
  args: { id: v.id("users") },
  returns: v.string(),
  handler: async (ctx, { id }) => {
    const u = await ctx.db.get(id);
    if (!u) return "";
    return u.email ?? "none";
  },
});
""", files(), name="?? removes undefined"),
    # ---------------------------------------------------------------- helpers across files, ctx.run*
    invalid(HEAD + """
import { getProductOrThrow } from "./model/products";
export const get = query({
  args: { id: v.id("products") },
  returns: v.object({ _id: v.id("products"), name: v.string() }),
  handler: async (ctx, args) => {
    return await getProductOrThrow(ctx, args.id);
  },
});
""", [9], files(convex__model__products_ts=MODEL), name="helper in another file returns a whole document",
        message="`sku` is in every `products` document but not in the validator"),
    valid(HEAD + f"""
import {{ getProductOrThrow }} from "./model/products";
export const get = query({{
  args: {{ id: v.id("products") }},
  returns: {DOC},
  handler: async (ctx, args) => getProductOrThrow(ctx, args.id),
}});
""", files(convex__model__products_ts=MODEL), name="helper across files, narrowed inside the helper"),
    invalid(HEAD + f"""
import * as Products from "./model/products";
export const bySku = query({{
  args: {{ sku: v.string() }},
  returns: {DOC},
  handler: async (ctx, {{ sku }}) => Products.findBySku(ctx, sku),
}});
""", [8], files(convex__model__products_ts=MODEL), name="namespace import of a helper that can return null"),
    valid(HEAD + """
import { summary, getProductOrThrow } from "./model/products";
export const s = query({
  args: { id: v.id("products") },
  returns: v.object({ name: v.string(), sku: v.string() }),
  handler: async (ctx, args) => summary(await getProductOrThrow(ctx, args.id)),
});
""", files(convex__model__products_ts=MODEL), name="helper typed Doc<> parameter"),
    invalid(HEAD + """
import { internal } from "./_generated/api";
export const run = action({
  args: {},
  returns: v.array(v.string()),
  handler: async (ctx) => {
    return await ctx.runQuery(internal.users.names, {});
  },
});
""", [9], files(convex__users_ts=HEAD + """
export const names = internalQuery({
  args: {},
  returns: v.array(v.object({ name: v.string() })),
  handler: async (ctx) => (await ctx.db.query("users").collect()).map((u) => ({ name: u.name })),
});
"""), name="ctx.runQuery result is the callee's returns validator"),
    valid(HEAD + """
import { internal } from "./_generated/api";
export const run = action({
  args: {},
  returns: v.array(v.object({ name: v.string() })),
  handler: async (ctx) => ctx.runQuery(internal.users.names, {}),
});
""", files(convex__users_ts=HEAD + """
export const names = internalQuery({
  args: {},
  returns: v.array(v.object({ name: v.string() })),
  handler: async (ctx) => [],
});
"""), name="ctx.runQuery matching"),
    invalid(HEAD + """
import { internal } from "./_generated/api";
export const run = action({
  args: {},
  returns: v.array(v.object({ name: v.string() })),
  handler: async (ctx) => {
    const users = await ctx.runQuery(internal.users.all, {});
    return users;
  },
});
""", [10], files(convex__users_ts=HEAD + """
export const all = internalQuery({
  args: {},
  handler: async (ctx) => await ctx.db.query("users").collect(),
});
"""), name="ctx.runQuery of a callee without returns: its inferred result",
        message="`_id` of each element is in every `users` document but not in the validator"),
    valid(HEAD + """
export const counts = query({
  args: {},
  returns: v.object({ total: v.number() }),
  handler: async (ctx) => {
    const out = {};
    out["total"] = (await ctx.db.query("orders").collect()).length;
    return out;
  },
});
""", files(), name="object filled in through a subscript: silent"),
    valid(HEAD + """
export const filled = query({
  args: {},
  returns: v.object({ items: v.array(v.string()) }),
  handler: async (ctx) => {
    const result = { items: [] };
    await fill(ctx, result);
    return result;
  },
});
""", files(), name="object handed to a helper that may fill it: silent"),
    valid(HEAD + """
export const big = query({
  args: {},
  returns: v.int64(),
  handler: async () => 0n,
});
""", files(), name="bigint literal"),
    invalid(HEAD + """
export const big = query({
  args: {},
  returns: v.int64(),
  handler: async () => 0,
});
""", [7], files(), name="number where a bigint is declared", message="`0` is returned but the validator expects a bigint"),
    valid(HEAD + """
export const email = query({
  args: { id: v.id("users") },
  returns: v.union(v.string(), v.null()),
  handler: async (ctx, { id }) => {
    const u = await ctx.db.get(id);
    return u?.email ?? null;
  },
});
""", files(), name="optional chaining then ??"),
    invalid(HEAD + """
export const email = query({
  args: { id: v.id("users") },
  returns: v.string(),
  handler: async (ctx, { id }) => {
    const u = await ctx.db.get(id);
    return u?.name ?? null;
  },
});
""", [9], files(), name="optional chaining then ?? null, validator without null", message="can return `null`"),
    # ---------------------------------------------------------------- builders, unknowns
    invalid("""
import { authedQuery } from "./functions";
import { v } from "convex/values";
export const me = authedQuery({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async ({ db }) => {
    return await db.query("users").first();
  },
});
""", [7], files(convex__functions_ts=FUNCTIONS_TS), name="custom builder across files, destructured db"),
    valid("""
import { zCustomQuery } from "convex-helpers/server/zod";
import { query } from "./_generated/server";
import { z } from "zod";
const zQuery = zCustomQuery(query, { args: {}, input: async (ctx, args) => ({ ctx, args }) });
export const me = zQuery({
  args: {},
  returns: z.object({ name: z.string() }),
  handler: async (ctx) => await ctx.db.query("users").first(),
});
""", files(), name="zod builder: a zod returns is not judged"),
    valid(HEAD + """
import { compute } from "some-package";
export const x = query({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async (ctx) => {
    const rows = await ctx.db.query("users").collect();
    return compute(rows);
  },
});
""", files(), name="unknown value: silent"),
    valid(HEAD + """
export const x = query({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async (ctx) => {
    let u = await ctx.db.query("users").first();
    u = { name: "anonymous" } as any;
    return u;
  },
});
""", files(), name="reassigned variable: silent"),
    valid(HEAD + """
export const x = query({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async (ctx) => {
    const out = { name: "a" };
    (out as any).extra = 1;
    return out;
  },
});
""", files(), name="mutated object: silent"),
    valid(HEAD + """
import { returnsOf } from "./elsewhere";
export const x = query({
  args: {},
  returns: returnsOf("users"),
  handler: async (ctx) => ctx.db.query("users").collect(),
});
""", files(), name="validator the analysis cannot read: silent"),
    valid(HEAD + """
export const x = query({
  args: {},
  returns: v.object({ name: v.string() }),
  handler: async (ctx) => {
    // returns v.object({ name }) -- a comment mentioning `return null`
    return { name: "x" };
  },
});
""", files(), name="comments and strings do not count"),
    valid("""
const { query } = require("./_generated/server");
""", files(), filename="convex/legacy.js", name="JS file without registrations"),
]


@pytest.mark.parametrize("case", CASES, ids=repr)
def test_returns_validator_mismatch(tmp_path, case):
    run_case(tmp_path, "returns-validator-mismatch", case)
