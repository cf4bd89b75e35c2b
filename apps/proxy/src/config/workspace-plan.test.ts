import { WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { expect, it } from "vitest";
import { compileWorkspace } from "./workspace-plan";

const snapshot = WorkspaceSnapshotSchema.parse({
  version: 1,
  workspaceId: "ws1",
  slug: "ws1",
  timeZone: "UTC",
  failMode: "closed",
  limits: { rpm: null, tpm: null, parallel: null },
  budget: null,
  payloadLogging: false,
  credentials: [
    {
      id: "c1",
      provider: "openai",
      baseUrl: "https://api.openai.com/v1/",
      encryptedSecret: "ok",
      options: {},
    },
    {
      id: "c2",
      provider: "anthropic",
      baseUrl: "https://api.anthropic.com",
      encryptedSecret: "bad",
      options: {},
    },
  ],
  routes: [
    {
      id: "r1",
      alias: "m",
      deployments: [
        { id: "backup", credentialId: "c1", upstreamModel: "x", weight: 100, priority: 1 },
        { id: "a", credentialId: "c1", upstreamModel: "x", weight: 1, priority: 0 },
        { id: "b", credentialId: "c1", upstreamModel: "x", weight: 3, priority: 0 },
      ],
    },
    {
      id: "r2",
      alias: "broken",
      deployments: [{ id: "d", credentialId: "c2", upstreamModel: "y", weight: 1, priority: 0 }],
    },
  ],
  prompts: [],
  priceOverrides: [],
});

const decrypt = (envelope: string) => {
  if (envelope !== "ok") throw new Error("nope");
  return "secret";
};

it("groups deployments by priority, lowest first, and compiles the route policy once", () => {
  const ws = compileWorkspace(snapshot, decrypt, () => undefined);
  const plan = ws.routes.get("m")!;
  expect(plan.ordered.map((d) => d.deployment.id)).toEqual(["a", "b", "backup"]);
  expect(plan.groups.map((g) => g.map((d) => d.deployment.id))).toEqual([["a", "b"], ["backup"]]);
  expect(plan.primary).toBe(plan.groups[0]);
  expect(plan.strategy).toBe("weighted");
  expect([...plan.retryStatuses]).toEqual([408, 429, 500, 502, 503, 504, 529]);
  expect(plan.ordered[0]!.healthKey).toBe("ws1/a");
  expect(plan.ordered[0]!.price).toBeNull();
});

it("resolves the dedicated fallback aliases to routes, leaving out unknown ones and itself", () => {
  const withFallbacks = WorkspaceSnapshotSchema.parse({
    ...snapshot,
    routes: [
      {
        ...snapshot.routes[0]!,
        policy: {
          retry: { retryOn: [400, 429, 503] },
          contextWindowFallbacks: ["nope", "broken", "m"],
          contentPolicyFallbacks: ["broken"],
        },
      },
      snapshot.routes[1]!,
    ],
  });
  const ws = compileWorkspace(withFallbacks, decrypt, () => undefined);
  const plan = ws.routes.get("m")!;
  expect(plan.contextWindowFallbacks).toEqual([ws.routes.get("broken")]);
  expect(plan.contentPolicyFallbacks).toEqual([ws.routes.get("broken")]);
  // 400 is never retried, whatever the policy says
  expect([...plan.retryStatuses]).toEqual([429, 503]);
});

it("decrypts credentials once, strips trailing slashes and reports undecryptable ones", () => {
  const failed: string[] = [];
  const ws = compileWorkspace(snapshot, decrypt, (id) => failed.push(id));
  const good = ws.routes.get("m")!.primary[0]!;
  expect(good.credential).toMatchObject({ apiKey: "secret", baseUrl: "https://api.openai.com/v1" });
  const bad = ws.routes.get("broken")!.primary[0]!;
  expect(bad.credential).toBeNull();
  expect(bad.credentialProblem).toMatch(/could not be decrypted/);
  expect(failed).toEqual(["c2"]);
});
