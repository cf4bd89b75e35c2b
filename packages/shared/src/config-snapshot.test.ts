import { DEFAULT_GUARDRAIL_POLICY } from "./guardrail-policy";
import { DEFAULT_ROUTE_POLICY } from "./route-policy";
import { describe, expect, it } from "vitest";
import {
  ConfigInvalidationSchema,
  KeySnapshotSchema,
  NO_LIMITS,
  WorkspaceSnapshotSchema,
  type KeySnapshot,
  type WorkspaceSnapshot,
} from "./config-snapshot";

const roundTrip = <T>(value: T): unknown => JSON.parse(JSON.stringify(value));

const keySnapshot: KeySnapshot = {
  version: 1_767_225_600_000,
  keyId: "key_1",
  workspaceId: "ws_1",
  name: "backend",
  status: "active",
  expiresAt: "2026-12-31T23:59:59.000Z",
  graceUntil: null,
  allowedModels: ["gpt-4o", "claude-fast"],
  limits: { rpm: 600, tpm: null, parallel: 10 },
  budget: { amountNanoUsd: 50_000_000_000, period: "monthly", alertThresholdPct: 80 },
  guardrails: null,
};

const workspaceSnapshot: WorkspaceSnapshot = {
  version: 1_767_225_600_000,
  workspaceId: "ws_1",
  slug: "acme",
  timeZone: "America/New_York",
  failMode: "closed",
  limits: NO_LIMITS,
  budget: null,
  payloadLogging: false,
  credentials: [
    {
      id: "cred_1",
      provider: "openai",
      baseUrl: "https://api.openai.com/v1",
      encryptedSecret: "gh1.k1.aaaaaaaaaaaaaaaa.bbbb.cccccccccccccccccccccc",
      options: {},
    },
  ],
  routes: [
    {
      id: "route_1",
      alias: "gpt-4o",
      deployments: [
        { id: "dep_1", credentialId: "cred_1", upstreamModel: "gpt-4o", weight: 1, priority: 0 },
      ],
      policy: DEFAULT_ROUTE_POLICY,
    },
  ],
  prompts: [
    {
      id: "prompt_1",
      slug: "support-reply",
      labels: { production: 2 },
      versions: [
        {
          id: "pv_2",
          version: 2,
          messages: [{ role: "system", content: "Answer {{question}} politely." }],
          variables: [{ name: "question", default: null }],
          model: "gpt-4o",
          params: { temperature: 0.2 },
        },
      ],
    },
  ],
  guardrails: DEFAULT_GUARDRAIL_POLICY,
  priceOverrides: [
    {
      model: "gpt-4o",
      inputMicroUsdPerMTok: 2_000_000,
      outputMicroUsdPerMTok: 8_000_000,
      cachedInputMicroUsdPerMTok: null,
    },
  ],
};

describe("KeySnapshotSchema", () => {
  it("round-trips a snapshot through JSON, as published to Redis", () => {
    expect(KeySnapshotSchema.parse(roundTrip(keySnapshot))).toEqual(keySnapshot);
  });

  it("accepts timestamps with an offset", () => {
    const withOffset = { ...keySnapshot, graceUntil: "2026-01-01T09:00:00+09:00" };
    expect(KeySnapshotSchema.safeParse(withOffset).success).toBe(true);
  });

  it.each([
    ["unknown status", { status: "deleted" }],
    ["date without time", { expiresAt: "2026-12-31" }],
    ["fractional budget", { budget: { ...keySnapshot.budget, amountNanoUsd: 1.5 } }],
    ["negative budget", { budget: { ...keySnapshot.budget, amountNanoUsd: -1 } }],
    ["unknown period", { budget: { ...keySnapshot.budget, period: "hourly" } }],
    ["zero rpm", { limits: { ...keySnapshot.limits, rpm: 0 } }],
    ["missing limits", { limits: undefined }],
    ["allowedModels not a list", { allowedModels: "gpt-4o" }],
  ])("rejects %s", (_, change) => {
    expect(KeySnapshotSchema.safeParse({ ...keySnapshot, ...change }).success).toBe(false);
  });
});

describe("WorkspaceSnapshotSchema", () => {
  it("round-trips a snapshot through JSON", () => {
    expect(WorkspaceSnapshotSchema.parse(roundTrip(workspaceSnapshot))).toEqual(workspaceSnapshot);
  });

  const route = workspaceSnapshot.routes[0]!;
  const credential = workspaceSnapshot.credentials[0]!;
  it.each([
    ["a route without deployments", { routes: [{ ...route, deployments: [] }] }],
    [
      "a zero deployment weight",
      { routes: [{ ...route, deployments: [{ ...route.deployments[0], weight: 0 }] }] },
    ],
    [
      "a credential base URL that is no URL",
      { credentials: [{ ...credential, baseUrl: "api.openai.com" }] },
    ],
    ["an unknown provider", { credentials: [{ ...credential, provider: "cohere" }] }],
    ["an unknown fail mode", { failMode: "maybe" }],
    [
      "a fractional price override",
      { priceOverrides: [{ ...workspaceSnapshot.priceOverrides[0], inputMicroUsdPerMTok: 2.5 }] },
    ],
    [
      "a prompt label pointing at version 0",
      { prompts: [{ ...workspaceSnapshot.prompts[0], labels: { production: 0 } }] },
    ],
  ])("rejects %s", (_, change) => {
    expect(WorkspaceSnapshotSchema.safeParse({ ...workspaceSnapshot, ...change }).success).toBe(
      false,
    );
  });
});

describe("ConfigInvalidationSchema", () => {
  it("parses each kind and rejects unknown ones", () => {
    for (const message of [
      { kind: "key", keyHash: "ab".repeat(32), version: 2 },
      { kind: "workspace", workspaceId: "ws_1", version: 2 },
      { kind: "all", version: 3 },
    ]) {
      expect(ConfigInvalidationSchema.parse(roundTrip(message))).toEqual(message);
    }
    expect(ConfigInvalidationSchema.safeParse({ kind: "route", version: 1 }).success).toBe(false);
    expect(ConfigInvalidationSchema.safeParse({ kind: "key", version: 1 }).success).toBe(false);
  });
});
