import { v } from "convex/values";
import { jobStatus } from "../schema";

export const reportFields = {
  title: v.string(),
  // CVX509: schema.ts imports this module, so `jobStatus` is not initialized yet here
  status: jobStatus,
};
