import {
  encryptSecret,
  generateVirtualKey,
  hashVirtualKey,
  parseEncryptionKeys,
  secretHint,
} from "@gatehouse/shared/server";
import { compare, hash } from "bcryptjs";
import type { PrismaClient, ProviderType } from "./generated/prisma/client";
import { publishWorkspace, type RedisClient } from "./config/publish";
import { syncModelPrices } from "./prices";
import { ensureDemoGuardrails } from "./seed-guardrails";

export const DEMO_EMAIL = "demo@gatehouse.local";
export const DEMO_PASSWORD = "gatehouse-demo";
export const DEMO_WORKSPACE_SLUG = "demo";
export const DEMO_KEY_NAME = "Demo key";
const BCRYPT_COST = 12;

export interface SeedDemoOptions {
  /** base URL of the fake provider (@gatehouse/testkit), e.g. http://127.0.0.1:8789 */
  fakeProviderUrl: string;
  /** the demo key secret from an earlier seed; kept if it is still the demo key's secret */
  demoKey?: string;
  /** the API key stored in the demo credentials (the fake provider accepts any by default) */
  providerApiKey?: string;
  /** GATEHOUSE_ENCRYPTION_KEYS value; defaults to the environment variable */
  encryptionKeys?: string;
  /** extra demo keys ("Demo key 2", "Demo key 3", …) to ensure, e.g. for the traffic
   * generator (default 0, at most 5) */
  extraKeys?: number;
  /** their secrets from an earlier seed, kept where they still match (else rotated) */
  extraKeySecrets?: readonly string[];
}

export interface SeedDemoResult {
  email: string;
  password: string;
  workspaceId: string;
  keyId: string;
  /** the demo virtual key secret (the one passed in, or a fresh one) */
  key: string;
  /** the extra demo keys asked for (their secrets: the ones passed in, or fresh ones) */
  extraKeys: { keyId: string; name: string; key: string }[];
}

const DEMO_CREDENTIALS: ReadonlyArray<{ name: string; provider: ProviderType; path: string }> = [
  { name: "Fake OpenAI", provider: "openai", path: "/v1" },
  { name: "Fake Anthropic", provider: "anthropic", path: "" },
];

interface DemoDeployment {
  credential: string;
  upstreamModel: string;
  /** lower first; higher = fallback */
  priority: number;
}

/**
 * Every route keeps the default policy (retries on transient failures). gpt-4o-mini also
 * falls back across providers, to Claude Haiku on the fake Anthropic API: an OpenAI client
 * whose call fails over gets an answer translated from the Anthropic format.
 */
export const DEMO_ROUTES: ReadonlyArray<{ alias: string; deployments: DemoDeployment[] }> = [
  {
    alias: "gpt-4o-mini",
    deployments: [
      { credential: "Fake OpenAI", upstreamModel: "gpt-4o-mini", priority: 0 },
      { credential: "Fake Anthropic", upstreamModel: "claude-haiku-4-5", priority: 1 },
    ],
  },
  ...[
    { alias: "gpt-4o", credential: "Fake OpenAI" },
    { alias: "text-embedding-3-small", credential: "Fake OpenAI" },
    { alias: "claude-sonnet-4-5", credential: "Fake Anthropic" },
    { alias: "claude-haiku-4-5", credential: "Fake Anthropic" },
  ].map(({ alias, credential }) => ({
    alias,
    deployments: [{ credential, upstreamModel: alias, priority: 0 }],
  })),
];

/**
 * Creates (or brings back to a known state) the demo account: user, workspace "Demo",
 * credentials pointing at the local fake provider, model routes and a virtual key. Safe to
 * run repeatedly: it never duplicates rows and keeps the user's other changes. Then syncs
 * the price table and publishes the workspace to Redis.
 */
export async function seedDemo(
  prisma: PrismaClient,
  redis: RedisClient,
  options: SeedDemoOptions,
): Promise<SeedDemoResult> {
  const keyring = parseEncryptionKeys(
    options.encryptionKeys ?? process.env.GATEHOUSE_ENCRYPTION_KEYS,
  );
  const baseUrl = options.fakeProviderUrl.replace(/\/+$/, "");
  const providerApiKey = options.providerApiKey ?? "sk-gatehouse-demo";

  const existingUser = await prisma.user.findUnique({ where: { email: DEMO_EMAIL } });
  const passwordOk =
    existingUser?.passwordHash != null && (await compare(DEMO_PASSWORD, existingUser.passwordHash));
  const passwordHash = passwordOk ? null : await hash(DEMO_PASSWORD, BCRYPT_COST);
  const fresh = generateVirtualKey();

  const seeded = await prisma.$transaction(async (tx) => {
    const user = await tx.user.upsert({
      where: { email: DEMO_EMAIL },
      create: { email: DEMO_EMAIL, name: "Demo User", passwordHash },
      update: passwordHash ? { passwordHash } : {},
    });
    const workspace = await tx.workspace.upsert({
      where: { slug: DEMO_WORKSPACE_SLUG },
      create: { name: "Demo", slug: DEMO_WORKSPACE_SLUG },
      update: {},
    });
    await tx.membership.upsert({
      where: { workspaceId_userId: { workspaceId: workspace.id, userId: user.id } },
      create: { workspaceId: workspace.id, userId: user.id, role: "owner" },
      update: { role: "owner" },
    });

    const credentialIds = new Map<string, string>();
    for (const credential of DEMO_CREDENTIALS) {
      const data = {
        provider: credential.provider,
        baseUrl: `${baseUrl}${credential.path}`,
        secretHint: secretHint(providerApiKey),
      };
      const row = await tx.providerCredential.upsert({
        where: { workspaceId_name: { workspaceId: workspace.id, name: credential.name } },
        create: {
          workspaceId: workspace.id,
          name: credential.name,
          createdById: user.id,
          encryptedSecret: "",
          ...data,
        },
        update: data,
      });
      // The AAD is the credential id (what the proxy decrypts with), known only now.
      // Re-encrypted on every run: the keyring may have changed since the last seed.
      await tx.providerCredential.update({
        where: { id: row.id },
        data: { encryptedSecret: encryptSecret(providerApiKey, keyring, row.id) },
      });
      credentialIds.set(credential.name, row.id);
    }

    for (const route of DEMO_ROUTES) {
      const row = await tx.modelRoute.upsert({
        where: { workspaceId_alias: { workspaceId: workspace.id, alias: route.alias } },
        create: {
          workspaceId: workspace.id,
          alias: route.alias,
          description:
            route.deployments.length > 1
              ? "Served by the local fake provider, falling back from OpenAI to Anthropic"
              : "Served by the local fake provider",
        },
        update: {},
      });
      for (const wanted of route.deployments) {
        const credentialId = credentialIds.get(wanted.credential);
        if (!credentialId) throw new Error(`demo credential ${wanted.credential} missing`);
        const deployment = await tx.modelDeployment.findFirst({
          where: { routeId: row.id, credentialId, upstreamModel: wanted.upstreamModel },
        });
        if (!deployment) {
          await tx.modelDeployment.create({
            data: {
              routeId: row.id,
              workspaceId: workspace.id,
              credentialId,
              upstreamModel: wanted.upstreamModel,
              priority: wanted.priority,
            },
          });
        } else if (!deployment.enabled || deployment.weight < 1) {
          // brought back into service; a priority the user changed is theirs to keep
          await tx.modelDeployment.update({
            where: { id: deployment.id },
            data: { enabled: true, weight: 1 },
          });
        }
      }
    }

    // The demo keys: keep the caller's secret if it still matches an active key of that
    // name, otherwise issue a fresh secret under the same key id (the old one stops working).
    const ensureKey = async (name: string, secret: string | undefined) => {
      const key = await tx.virtualKey.findFirst({
        where: { workspaceId: workspace.id, name },
        orderBy: { createdAt: "asc" },
      });
      if (
        key?.status === "active" &&
        secret !== undefined &&
        hashVirtualKey(secret) === key.keyHash
      ) {
        return { keyId: key.id, name, key: secret };
      }
      const issued = name === DEMO_KEY_NAME ? fresh : generateVirtualKey();
      const rotated = {
        keyHash: issued.hash,
        prefix: issued.prefix,
        status: "active" as const,
        revokedAt: null,
        expiresAt: null,
        previousKeyHash: null,
        previousKeyGraceUntil: null,
      };
      const row = key
        ? await tx.virtualKey.update({
            where: { id: key.id },
            data: { ...rotated, rotatedAt: new Date() },
          })
        : await tx.virtualKey.create({
            data: { workspaceId: workspace.id, name, createdById: user.id, ...rotated },
          });
      return { keyId: row.id, name, key: issued.secret };
    };
    const demo = await ensureKey(DEMO_KEY_NAME, options.demoKey);
    const extraKeys = [];
    const extraCount = Math.min(Math.max(Math.trunc(options.extraKeys ?? 0), 0), 5);
    for (let i = 0; i < extraCount; i++) {
      extraKeys.push(await ensureKey(`${DEMO_KEY_NAME} ${i + 2}`, options.extraKeySecrets?.[i]));
    }
    await ensureDemoPrompt(tx, workspace.id, user.id);
    await ensureDemoGuardrails(tx, workspace.id);
    return { user, workspace, keyId: demo.keyId, secret: demo.key, extraKeys };
  });

  await syncModelPrices(prisma);
  await publishWorkspace(prisma, redis, seeded.workspace.id);

  return {
    email: DEMO_EMAIL,
    password: DEMO_PASSWORD,
    workspaceId: seeded.workspace.id,
    keyId: seeded.keyId,
    key: seeded.secret,
    extraKeys: seeded.extraKeys,
  };
}

type SeedTx = Parameters<Parameters<PrismaClient["$transaction"]>[0]>[0];

/** A prompt to try `model: "prompt:support-reply"` with; created once, never overwritten. */
async function ensureDemoPrompt(tx: SeedTx, workspaceId: string, userId: string): Promise<void> {
  const existing = await tx.prompt.findFirst({ where: { workspaceId, slug: "support-reply" } });
  if (existing) return;
  const prompt = await tx.prompt.create({
    data: {
      workspaceId,
      slug: "support-reply",
      name: "Support reply",
      description: "Answers a customer's question in the product's voice",
    },
  });
  const version = await tx.promptVersion.create({
    data: {
      promptId: prompt.id,
      workspaceId,
      version: 1,
      messages: [
        {
          role: "system",
          content: "You are a friendly support agent for {{product}}. Answer in {{tone}} tone.",
        },
        { role: "user", content: "{{question}}" },
      ],
      variables: [
        { name: "product", default: "Gatehouse" },
        { name: "tone", default: "a warm" },
        { name: "question", default: null },
      ],
      model: "gpt-4o-mini",
      params: { temperature: 0.3, max_tokens: 300 },
      commitMessage: "First version",
      authorId: userId,
    },
  });
  await tx.promptLabel.create({
    data: {
      promptId: prompt.id,
      workspaceId,
      name: "production",
      versionId: version.id,
      updatedById: userId,
    },
  });
}
