import { JSON_TYPE, sendBody } from "../http/send";
import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

/** The aliases this key may use, in OpenAI's list format or (with anthropic-version) Anthropic's. */
function allowedAliases(ctx: RequestContext): string[] {
  const allowed = ctx.key!.allowedModels;
  const aliases: string[] = [];
  for (const alias of ctx.workspace!.routes.keys()) {
    if (allowed === null || allowed.has(alias)) aliases.push(alias);
  }
  return aliases.sort();
}

function openaiModel(id: string, created: number, owner: string) {
  return { id, object: "model", created, owned_by: owner };
}

function anthropicModel(id: string, createdAt: string) {
  return { type: "model", id, display_name: id, created_at: createdAt };
}

/** GET /v1/models and GET /v1/models/{id}. */
export function listModels(ctx: RequestContext): void {
  const snapshot = ctx.workspace!.snapshot;
  const createdMs = snapshot.version;
  const anthropic = ctx.req.headers["anthropic-version"] !== undefined;
  const owner = snapshot.slug;
  const path = (ctx.req.url ?? "").split("?")[0]!;
  const aliases = allowedAliases(ctx);

  if (path.startsWith("/v1/models/")) {
    const id = safeDecode(path.slice("/v1/models/".length));
    if (!aliases.includes(id)) {
      throw new GatewayError(
        "not_found",
        `The model '${id}' does not exist or this key may not use it.`,
        "model",
      );
    }
    const body = anthropic
      ? anthropicModel(id, new Date(createdMs).toISOString())
      : openaiModel(id, Math.floor(createdMs / 1000), owner);
    sendBody(ctx, 200, JSON_TYPE, JSON.stringify(body));
    ctx.done = true;
    return;
  }

  const body = anthropic
    ? {
        data: aliases.map((id) => anthropicModel(id, new Date(createdMs).toISOString())),
        has_more: false,
        first_id: aliases[0] ?? null,
        last_id: aliases[aliases.length - 1] ?? null,
      }
    : {
        object: "list",
        data: aliases.map((id) => openaiModel(id, Math.floor(createdMs / 1000), owner)),
      };
  sendBody(ctx, 200, JSON_TYPE, JSON.stringify(body));
  ctx.done = true;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
