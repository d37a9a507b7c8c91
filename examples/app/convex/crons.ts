import { cronJobs } from "convex/server";
import { api, internal } from "./_generated/api";

const crons = cronJobs();

// CVX405: an interval must be a positive whole number
crons.interval("purge deleted jobs", { hours: 0 }, internal.scheduling_demo.purgeDeleted, {});
// CVX405: crons.daily is a deprecated helper
crons.daily("daily digest", { hourUTC: 8, minuteUTC: 30 }, internal.scheduling_demo.sendDigest, {});
// CVX401: a public mutation run by a cron; CVX405 (warning): minute 0
crons.cron("hourly stats", "0 * * * *", api.scheduling_demo.refreshStats, {});

export default crons;
