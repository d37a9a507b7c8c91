import type { ApiFromModules, FilterApi, FunctionReference } from "convex/server";
import type * as scheduling_demo from "../scheduling_demo.js";

// CVX508: the generated header is gone; this file was edited by hand
declare const fullApi: ApiFromModules<{
  scheduling_demo: typeof scheduling_demo;
}>;
export declare const api: FilterApi<typeof fullApi, FunctionReference<any, "public">>;
export declare const internal: FilterApi<typeof fullApi, FunctionReference<any, "internal">>;
