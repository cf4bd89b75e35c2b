// @gatehouse/db/usage: the dashboard's usage queries (overview charts from the rollups, the
// request log, spend and budget progress, finance exports), shared by the web app's routers
// and route handlers and by bench/overview-queries.mjs. Server-only, like the package root.
export * from "./overview";
export * from "./request-log";
export * from "./spend";
export * from "./budget-status";
export * from "./export";
export * from "./guardrail-findings";
export * from "./deployment-health";
export { addDays, datesBetween, localDate } from "./time";
export { rebuildRollupsFromLogs } from "./rebuild";
export { insertSyntheticRequestLogs, type SyntheticLogsParams } from "./synthetic";
