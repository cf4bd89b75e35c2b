import { WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { expect, it } from "vitest";
import { compileWorkspace, pickDeployment } from "./workspace-plan";

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

it("picks among the lowest priority by weight, never a higher priority", () => {
  const plan = compileWorkspace(snapshot, decrypt, () => undefined).routes.get("m")!;
  expect(plan.ordered.map((d) => d.deployment.id)).toEqual(["a", "b", "backup"]);
  expect(pickDeployment(plan, 0).deployment.id).toBe("a");
  expect(pickDeployment(plan, 0.24).deployment.id).toBe("a");
  expect(pickDeployment(plan, 0.26).deployment.id).toBe("b");
  expect(pickDeployment(plan, 0.999).deployment.id).toBe("b");
  const counts = { a: 0, b: 0, backup: 0 } as Record<string, number>;
  for (let i = 0; i < 4000; i++) counts[pickDeployment(plan).deployment.id]!++;
  expect(counts.backup).toBe(0);
  expect(counts.b! / counts.a!).toBeGreaterThan(2);
  expect(counts.b! / counts.a!).toBeLessThan(4.5);
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
