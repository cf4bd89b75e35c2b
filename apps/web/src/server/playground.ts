import { publishKey, type RedisClient } from "@gatehouse/db";
import {
  costNanoUsd,
  findModelPrice,
  formatUsd,
  PROMPT_MODEL_PREFIX,
  RoleSchema,
  roleAtLeast,
} from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import type { PlaygroundEvent, PlaygroundInput } from "~/lib/prompt-schemas";
import { recordAudit } from "./audit";
import type { Db } from "./db";
import { log } from "./log";

/**
 * The prompt playground: runs one prompt version through the real gateway, streaming.
 *
 * The proxy only accepts virtual keys, and the dashboard never holds one (only hashes are
 * stored). So each run mints a throw-away key in the web server: named "Playground
 * (dashboard)", created by the member, allowed only the version's model alias, a small rate
 * limit, expiring in 5 minutes, and revoked as soon as the run ends. Its secret lives only in
 * this function's memory: it is never sent to the browser, stored, logged or audited. The
 * request goes through the normal pipeline as `prompt:<slug>@<version>`, so the run is
 * authorised, rendered, priced and recorded (with its prompt version) like any client call.
 */

export const PLAYGROUND_KEY_NAME = "Playground (dashboard)";
const KEY_TTL_MS = 5 * 60 * 1000;

export class PlaygroundError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface PlaygroundOptions {
  db: Db;
  redis: RedisClient;
  userId: string;
  workspaceId: string;
  promptId: string;
  input: PlaygroundInput;
  /** GATEHOUSE_PROXY_URL */
  proxyUrl: string;
}

const encoder = new TextEncoder();
const sse = (event: PlaygroundEvent) => encoder.encode(`data: ${JSON.stringify(event)}\n\n`);

/** Checks access, mints the key, and returns the event stream of the run. */
export async function runPlayground(options: PlaygroundOptions): Promise<ReadableStream> {
  const { db, redis, userId, workspaceId, promptId, input } = options;
  const membership = await db.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    select: { role: true },
  });
  if (!membership) throw new PlaygroundError(404, "Workspace not found.");
  if (!roleAtLeast(RoleSchema.parse(membership.role), "member")) {
    throw new PlaygroundError(403, "Running the playground needs the member role or higher.");
  }
  const version = await db.promptVersion.findFirst({
    where: { promptId, workspaceId, version: input.version },
    select: { id: true, version: true, model: true, prompt: { select: { slug: true } } },
  });
  if (!version) throw new PlaygroundError(404, "Prompt version not found.");
  const alias = version.model;
  if (alias === null) {
    throw new PlaygroundError(
      400,
      "This version has no model: choose a route alias for it in the editor first.",
    );
  }

  const generated = generateVirtualKey();
  const expiresAt = new Date(Date.now() + KEY_TTL_MS);
  const key = await db.$transaction(async (tx) => {
    const row = await tx.virtualKey.create({
      data: {
        workspaceId,
        name: PLAYGROUND_KEY_NAME,
        keyHash: generated.hash,
        prefix: generated.prefix,
        createdById: userId,
        allowedModels: [alias],
        expiresAt,
        rpmLimit: 10,
        parallelLimit: 1,
      },
      select: { id: true, prefix: true },
    });
    await recordAudit(tx, {
      workspaceId,
      actorUserId: userId,
      action: "prompt.playground.run",
      targetType: "prompt",
      targetId: promptId,
      after: {
        slug: version.prompt.slug,
        version: version.version,
        model: alias,
        keyId: row.id,
        keyPrefix: row.prefix,
        keyExpiresAt: expiresAt.toISOString(),
      },
    });
    return row;
  });
  await publishKey(db, redis, key.id);

  const retire = async () => {
    try {
      await db.virtualKey.update({
        where: { id: key.id, workspaceId },
        data: { status: "revoked", revokedAt: new Date() },
      });
      await publishKey(db, redis, key.id);
    } catch (error) {
      // the key still expires on its own within minutes
      log().error("playground key revocation failed", { error: (error as Error).message });
    }
  };

  const overrides = (
    await db.workspaceModelPrice.findMany({
      where: { workspaceId },
      select: {
        model: true,
        inputMicroUsdPerMTok: true,
        outputMicroUsdPerMTok: true,
        cachedInputMicroUsdPerMTok: true,
      },
    })
  ).map((p) => ({ ...p }));

  const abort = new AbortController();
  const body = {
    model: `${PROMPT_MODEL_PREFIX}${version.prompt.slug}@${version.version}`,
    variables: input.variables,
    messages: input.message ? [{ role: "user", content: input.message }] : [],
    stream: true,
    stream_options: { include_usage: true },
  };

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const started = performance.now();
      let ttfbMs: number | null = null;
      try {
        controller.enqueue(sse({ type: "start", model: alias, version: version.version }));
        const res = await fetch(`${options.proxyUrl.replace(/\/+$/, "")}/v1/chat/completions`, {
          method: "POST",
          headers: {
            authorization: `Bearer ${generated.secret}`,
            "content-type": "application/json",
          },
          body: JSON.stringify(body),
          signal: abort.signal,
        });
        const requestId = res.headers.get("x-request-id");
        if (!res.ok || res.body === null) {
          controller.enqueue(sse({ type: "error", message: await errorText(res) }));
          return;
        }
        let upstreamModel: string | null = null;
        let inputTokens = 0;
        let outputTokens = 0;
        let cachedInputTokens = 0;
        let completed = false;
        const decoder = new TextDecoder();
        let buffer = "";
        const reader = res.body.getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += decoder.decode(value, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf("\n")) !== -1) {
            const line = buffer.slice(0, newline).trim();
            buffer = buffer.slice(newline + 1);
            if (!line.startsWith("data:")) continue;
            const data = line.slice(5).trim();
            if (data === "[DONE]") {
              completed = true;
              continue;
            }
            const chunk = JSON.parse(data) as StreamChunk;
            if (chunk.error) {
              controller.enqueue(
                sse({ type: "error", message: chunk.error.message ?? "The stream failed." }),
              );
              return;
            }
            if (typeof chunk.model === "string") upstreamModel = chunk.model;
            const text = chunk.choices?.[0]?.delta?.content;
            if (typeof text === "string" && text !== "") {
              ttfbMs ??= performance.now() - started;
              controller.enqueue(sse({ type: "delta", text }));
            }
            if (chunk.usage) {
              inputTokens = chunk.usage.prompt_tokens ?? 0;
              outputTokens = chunk.usage.completion_tokens ?? 0;
              cachedInputTokens = chunk.usage.prompt_tokens_details?.cached_tokens ?? 0;
            }
          }
        }
        if (!completed) {
          controller.enqueue(sse({ type: "error", message: "The stream ended early." }));
          return;
        }
        const price =
          (upstreamModel ? findModelPrice(upstreamModel, overrides) : null) ??
          findModelPrice(alias, overrides);
        const cost = price
          ? costNanoUsd(price, {
              inputTokens,
              outputTokens,
              cachedInputTokens: Math.min(cachedInputTokens, inputTokens),
            })
          : null;
        controller.enqueue(
          sse({
            type: "done",
            requestId,
            upstreamModel,
            inputTokens,
            outputTokens,
            costUsd: cost === null ? null : formatUsd(cost),
            latencyMs: Math.round(performance.now() - started),
            ttfbMs: ttfbMs === null ? null : Math.round(ttfbMs),
          }),
        );
      } catch (error) {
        if (!abort.signal.aborted) {
          log().error("playground run failed", { error: (error as Error).message });
          controller.enqueue(
            sse({
              type: "error",
              message: "The gateway could not be reached; is the proxy running?",
            }),
          );
        }
      } finally {
        await retire();
        try {
          controller.close();
        } catch {
          // the browser went away
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });
}

interface StreamChunk {
  model?: string;
  error?: { message?: string };
  choices?: { delta?: { content?: string | null } }[];
  usage?: {
    prompt_tokens?: number;
    completion_tokens?: number;
    prompt_tokens_details?: { cached_tokens?: number };
  } | null;
}

/** The message of the proxy's error body (OpenAI format), never the key. */
async function errorText(res: Response): Promise<string> {
  try {
    const json = (await res.json()) as { error?: { message?: string } };
    if (json.error?.message) return `${res.status}: ${json.error.message}`;
  } catch {
    // not JSON
  }
  return `The gateway answered ${res.status}.`;
}
