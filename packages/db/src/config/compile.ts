import {
  KeySnapshotSchema,
  WorkspaceSnapshotSchema,
  type Budget,
  type KeySnapshot,
  type Limits,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import type { BudgetPeriod, Prisma, VirtualKey } from "../generated/prisma/client";
import { compileRoutePolicy } from "./route-policy";
import { compileGuardrailOverride, compileGuardrailPolicy } from "./guardrails";

/**
 * Compiles Postgres state into the config snapshots the proxy reads from Redis
 * (see config-snapshot.ts in @gatehouse/shared). Pure reads; publish.ts writes them.
 */

/** A PrismaClient or an interactive-transaction client. */
export type Db = Prisma.TransactionClient;

let lastVersion = 0;

/**
 * Snapshot versions: the compile time in ms, strictly increasing within the process so two
 * compiles in the same millisecond still order. Take it BEFORE reading Postgres: a snapshot
 * with a higher version then never holds older state than one with a lower version.
 */
export function nextVersion(): number {
  const now = Date.now();
  lastVersion = now > lastVersion ? now : lastVersion + 1;
  return lastVersion;
}

export interface CompiledKeySnapshot {
  keyHash: string;
  snapshot: KeySnapshot;
  /** when Redis should drop it (the end of a rotated-out secret's grace period); null = never */
  expiresAt: Date | null;
}

interface LimitColumns {
  rpmLimit: number | null;
  tpmLimit: number | null;
  parallelLimit: number | null;
}

interface BudgetColumns {
  budgetAmountNanoUsd: bigint | null;
  budgetPeriod: BudgetPeriod | null;
  budgetAlertThresholdPct: number | null;
}

function limitsOf(row: LimitColumns): Limits {
  return { rpm: row.rpmLimit, tpm: row.tpmLimit, parallel: row.parallelLimit };
}

/** BigInt nano-USD in Postgres, a plain number in snapshots (exact up to ~$9M). */
export function nanoUsdToNumber(value: bigint): number {
  if (value < 0n || value > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError(`nano-USD amount ${value} does not fit a snapshot number`);
  }
  return Number(value);
}

function budgetOf(row: BudgetColumns): Budget | null {
  if (row.budgetAmountNanoUsd === null || row.budgetPeriod === null) return null;
  return {
    amountNanoUsd: nanoUsdToNumber(row.budgetAmountNanoUsd),
    period: row.budgetPeriod,
    alertThresholdPct: row.budgetAlertThresholdPct,
  };
}

/** Provider options are declared string-valued; numbers and booleans are stringified. */
function stringOptions(json: Prisma.JsonValue): Record<string, string> {
  const out: Record<string, string> = {};
  if (json === null || typeof json !== "object" || Array.isArray(json)) return out;
  for (const [name, value] of Object.entries(json)) {
    if (typeof value === "string") out[name] = value;
    else if (typeof value === "number" || typeof value === "boolean") out[name] = String(value);
  }
  return out;
}

/**
 * The snapshots of one key row: its current hash, plus its previous hash while the rotation
 * grace period lasts. Revoked keys are included (status "revoked"), so the proxy can say so.
 */
export function keySnapshotsOf(
  key: VirtualKey,
  version: number,
  now: Date = new Date(),
): CompiledKeySnapshot[] {
  const base = {
    version,
    keyId: key.id,
    workspaceId: key.workspaceId,
    name: key.name,
    status: key.status,
    expiresAt: key.expiresAt?.toISOString() ?? null,
    allowedModels: key.allowedModels,
    limits: limitsOf(key),
    budget: budgetOf(key),
    guardrails: compileGuardrailOverride(key.guardrails, key.id),
  };
  const compiled: CompiledKeySnapshot[] = [
    {
      keyHash: key.keyHash,
      snapshot: KeySnapshotSchema.parse({ ...base, graceUntil: null }),
      expiresAt: null,
    },
  ];
  const graceUntil = key.previousKeyGraceUntil;
  if (key.previousKeyHash && graceUntil && graceUntil.getTime() > now.getTime()) {
    compiled.push({
      keyHash: key.previousKeyHash,
      snapshot: KeySnapshotSchema.parse({ ...base, graceUntil: graceUntil.toISOString() }),
      expiresAt: graceUntil,
    });
  }
  return compiled;
}

/** The snapshots for one virtual key ([] when it does not exist). */
export async function compileKeySnapshots(
  db: Db,
  keyId: string,
  version: number = nextVersion(),
): Promise<CompiledKeySnapshot[]> {
  const key = await db.virtualKey.findUnique({ where: { id: keyId } });
  return key ? keySnapshotsOf(key, version) : [];
}

/** The key hashes of a workspace that may have a snapshot right now. */
export async function validKeyHashes(
  db: Db,
  workspaceId: string,
  now: Date = new Date(),
): Promise<Set<string>> {
  const keys = await db.virtualKey.findMany({
    where: { workspaceId },
    select: { keyHash: true, previousKeyHash: true, previousKeyGraceUntil: true },
  });
  const valid = new Set<string>();
  for (const key of keys) {
    valid.add(key.keyHash);
    if (key.previousKeyHash && key.previousKeyGraceUntil && key.previousKeyGraceUntil > now) {
      valid.add(key.previousKeyHash);
    }
  }
  return valid;
}

/**
 * How many of a prompt's newest versions the snapshot carries, besides every labelled one.
 * Bounds the snapshot (every proxy holds it) for prompts edited hundreds of times; an older,
 * unlabelled version is answered with a 404 that says to label it.
 */
export const PUBLISHED_PROMPT_VERSIONS = 10;

/** The newest versions plus the labelled ones, oldest first, each once. */
function publishedVersions<V extends { id: string; version: number }>(prompt: {
  versions: V[];
  labels: { version: V }[];
}): V[] {
  const byId = new Map<string, V>();
  for (const version of prompt.versions) byId.set(version.id, version);
  for (const label of prompt.labels) byId.set(label.version.id, label.version);
  return [...byId.values()].sort((a, b) => a.version - b.version);
}

/**
 * The workspace snapshot (null when the workspace does not exist). Only enabled deployments
 * with a positive weight are served, and a route left without one is omitted: the proxy
 * then answers "model not found" rather than routing nowhere.
 */
export async function compileWorkspaceSnapshot(
  db: Db,
  workspaceId: string,
  version: number = nextVersion(),
): Promise<WorkspaceSnapshot | null> {
  const workspace = await db.workspace.findUnique({
    where: { id: workspaceId },
    include: {
      credentials: { orderBy: { createdAt: "asc" } },
      routes: {
        orderBy: { alias: "asc" },
        include: {
          deployments: {
            where: { enabled: true, weight: { gt: 0 } },
            orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
          },
        },
      },
      prompts: {
        orderBy: { slug: "asc" },
        include: {
          versions: { orderBy: { version: "desc" }, take: PUBLISHED_PROMPT_VERSIONS },
          labels: { orderBy: { name: "asc" }, include: { version: true } },
        },
      },
      modelPrices: { orderBy: { model: "asc" } },
    },
  });
  if (!workspace) return null;

  const served = workspace.routes.filter((route) => route.deployments.length > 0);
  const servedAliases = new Set(served.map((route) => route.alias));
  return WorkspaceSnapshotSchema.parse({
    version,
    workspaceId: workspace.id,
    slug: workspace.slug,
    timeZone: workspace.timeZone,
    failMode: workspace.failMode,
    limits: limitsOf(workspace),
    budget: budgetOf(workspace),
    payloadLogging: workspace.payloadLogging,
    credentials: workspace.credentials.map((credential) => ({
      id: credential.id,
      provider: credential.provider,
      baseUrl: credential.baseUrl,
      encryptedSecret: credential.encryptedSecret,
      options: stringOptions(credential.options),
    })),
    routes: served.map((route) => ({
      id: route.id,
      alias: route.alias,
      deployments: route.deployments.map((deployment) => ({
        id: deployment.id,
        credentialId: deployment.credentialId,
        upstreamModel: deployment.upstreamModel,
        weight: deployment.weight,
        priority: deployment.priority,
      })),
      policy: compileRoutePolicy(route.policy, route.alias, servedAliases),
    })),
    prompts: workspace.prompts.map((prompt) => ({
      id: prompt.id,
      slug: prompt.slug,
      labels: Object.fromEntries(prompt.labels.map((label) => [label.name, label.version.version])),
      versions: publishedVersions(prompt).map((promptVersion) => ({
        id: promptVersion.id,
        version: promptVersion.version,
        messages: promptVersion.messages,
        variables: promptVersion.variables,
        model: promptVersion.model,
        params: promptVersion.params,
      })),
    })),
    priceOverrides: workspace.modelPrices.map((price) => ({
      model: price.model,
      inputMicroUsdPerMTok: price.inputMicroUsdPerMTok,
      outputMicroUsdPerMTok: price.outputMicroUsdPerMTok,
      cachedInputMicroUsdPerMTok: price.cachedInputMicroUsdPerMTok,
    })),
    guardrails: compileGuardrailPolicy(workspace.guardrails, workspace.id),
  });
}
