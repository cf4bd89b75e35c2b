// @gatehouse/db: server-only (Node). Never import it from client components or the proxy.
// Migrations live behind the "./migrate" subpath: they read files beside the package, which
// bundlers (Turbopack) must not try to follow.
export * from "./generated/prisma/client";
export { createPrismaClient, type CreatePrismaClientOptions } from "./client";
export {
  compileKeySnapshots,
  compileWorkspaceSnapshot,
  keySnapshotsOf,
  nanoUsdToNumber,
  nextVersion,
  validKeyHashes,
  type CompiledKeySnapshot,
  type Db,
} from "./config/compile";
export {
  publishInvalidation,
  publishKey,
  publishWorkspace,
  resyncAll,
  unpublishWorkspace,
  type PublishResult,
  type RedisClient,
  type ResyncResult,
} from "./config/publish";
export {
  ensureConfigPublished,
  republishAll,
  type EnsureOutcome,
  type RepublishResult,
} from "./config/republish";
export { readGeneration } from "./config/generation";
export { restoreBudgetSpend, type BudgetRestoreResult } from "./config/budget-spend";
export {
  seedDemo,
  DEMO_EMAIL,
  DEMO_PASSWORD,
  type SeedDemoOptions,
  type SeedDemoResult,
} from "./seed";
export { syncModelPrices, type SyncModelPricesResult } from "./prices";
export { endpointFromDb, endpointToDb } from "./endpoints";
