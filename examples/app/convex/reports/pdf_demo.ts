"use node";

import { readFileSync } from "fs";
import { internalAction, query } from "../_generated/server";
import { v } from "convex/values";

export function renderLocally(): string {
  return readFileSync("/tmp/template.html", "utf8");
}

export const render = internalAction({
  args: {},
  returns: v.string(),
  handler: async () => renderLocally(),
});

// CVX502: queries cannot run in the Node runtime
export const listTemplates = query({
  args: {},
  returns: v.array(v.string()),
  handler: async () => [],
});
