// The soak's model route: two deployments on two fake upstreams (the flapping one at priority
// 0, the healthy one at priority 1) with a route policy, written to PostgreSQL and published
// to Redis as the control plane does. Needs tsx (it imports the TypeScript packages).
import { createPrismaClient, Prisma, publishWorkspace } from "@gatehouse/db";
import { RedisKeys, RoutePolicySchema } from "@gatehouse/shared";
import { encryptSecret, parseEncryptionKeys, secretHint } from "@gatehouse/shared/server";
import { Redis } from "ioredis";

const PROVIDER_API_KEY = "sk-gatehouse-soak";
const MODELS = { openai: "gpt-4o-mini", anthropic: "claude-haiku-4-5" };
const PATHS = { openai: "/v1", anthropic: "" };

/**
 * Creates (or resets) route `alias` in the seeded workspace: deployment "flapping" →
 * `flappingUrl` (OpenAI, priority 0) and "healthy" → `healthyUrl` (`fallbackProvider`,
 * priority 1), with `policy`. Returns the policy as the published snapshot holds it.
 */
export async function publishFlappingRoute({
  databaseUrl,
  redisUrl,
  encryptionKeys,
  workspaceId,
  alias,
  flappingUrl,
  healthyUrl,
  fallbackProvider,
  policy,
}) {
  const wanted = RoutePolicySchema.parse(policy);
  // The policy column arrived with issue 14; against a schema without it, the policy is
  // written into the published snapshot instead (what the proxy reads either way).
  const hasPolicyColumn = "policy" in Prisma.ModelRouteScalarFieldEnum;
  const keyring = parseEncryptionKeys(encryptionKeys);
  const prisma = createPrismaClient(databaseUrl);
  const redis = new Redis(redisUrl);
  try {
    const owner = await prisma.membership.findFirstOrThrow({ where: { workspaceId } });
    const credential = async (name, provider, baseUrl) => {
      const data = {
        provider,
        baseUrl: `${baseUrl}${PATHS[provider]}`,
        secretHint: secretHint(PROVIDER_API_KEY),
      };
      const row = await prisma.providerCredential.upsert({
        where: { workspaceId_name: { workspaceId, name } },
        create: { workspaceId, name, createdById: owner.userId, encryptedSecret: "", ...data },
        update: data,
      });
      // the id is the ciphertext's AAD, known only now
      await prisma.providerCredential.update({
        where: { id: row.id },
        data: { encryptedSecret: encryptSecret(PROVIDER_API_KEY, keyring, row.id) },
      });
      return row.id;
    };
    const flapping = await credential("Soak flapping upstream", "openai", flappingUrl);
    const healthy = await credential("Soak healthy upstream", fallbackProvider, healthyUrl);

    const route = await prisma.modelRoute.upsert({
      where: { workspaceId_alias: { workspaceId, alias } },
      create: { workspaceId, alias, description: "bench/flapping-soak.mjs" },
      update: {},
    });
    if (hasPolicyColumn) {
      await prisma.modelRoute.update({ where: { id: route.id }, data: { policy: wanted } });
    }
    await prisma.modelDeployment.deleteMany({ where: { routeId: route.id } });
    for (const [credentialId, provider, priority] of [
      [flapping, "openai", 0],
      [healthy, fallbackProvider, 1],
    ]) {
      await prisma.modelDeployment.create({
        data: {
          routeId: route.id,
          workspaceId,
          credentialId,
          upstreamModel: MODELS[provider],
          priority,
        },
      });
    }
    await publishWorkspace(prisma, redis, workspaceId);

    const snapshotKey = RedisKeys.workspaceSnapshot(workspaceId);
    const snapshot = JSON.parse(await redis.get(snapshotKey));
    const published = snapshot.routes.find((r) => r.alias === alias);
    if (!hasPolicyColumn) {
      published.policy = wanted;
      snapshot.version += 1;
      await redis.set(snapshotKey, JSON.stringify(snapshot));
    }
    const served = RoutePolicySchema.parse(published.policy ?? {});
    if (JSON.stringify(served) !== JSON.stringify(wanted)) {
      throw new Error(
        `the published policy of ${alias} is not the one asked for: ${JSON.stringify(served)}`,
      );
    }
    return {
      policy: served,
      deployments: published.deployments.length,
      viaColumn: hasPolicyColumn,
    };
  } finally {
    await prisma.$disconnect();
    redis.disconnect();
  }
}
