import { createHash } from "node:crypto";
import { DEFAULT_PROMPT_LABEL, PromptLabelNameSchema, LATEST_LABEL } from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { JSON_TYPE, markFirstByte, sendBody } from "../http/send";
import type { RequestContext } from "./context";
import { lookupPrompt } from "../prompts/apply-prompt";

const PREFIX = "/v1/prompts/";

/**
 * Conditional requests only make sense against the version actually served, so clients must
 * revalidate every time (max-age=0) and the answer is for this key's workspace only.
 */
const CACHE_CONTROL = "private, max-age=0, must-revalidate";

/**
 * GET /v1/prompts/{slug}?label=production | ?version=N (default: the production label) with a
 * virtual key: the resolved version for SDKs that render locally. Strong ETag: a hash of the
 * version id and the selector (the body names the label asked for); versions are immutable,
 * so an unchanged ETag means an identical body, and If-None-Match gets a 304.
 */
export function getPrompt(ctx: RequestContext): void {
  const url = ctx.req.url ?? "";
  const q = url.indexOf("?");
  const path = q === -1 ? url : url.slice(0, q);
  const query = new URLSearchParams(q === -1 ? "" : url.slice(q + 1));
  const slug = safeDecode(path.slice(PREFIX.length));
  const label = query.get("label");
  const versionText = query.get("version");
  if (label !== null && versionText !== null) {
    throw new GatewayError("invalid_request", "Pass either 'label' or 'version', not both.");
  }
  let selector: string;
  if (versionText !== null) {
    if (!/^[1-9]\d{0,8}$/.test(versionText)) {
      throw new GatewayError(
        "invalid_request",
        "Invalid value for 'version': expected a version number.",
        "version",
      );
    }
    selector = versionText;
  } else {
    const name = label ?? DEFAULT_PROMPT_LABEL;
    if (name !== LATEST_LABEL && !PromptLabelNameSchema.safeParse(name).success) {
      throw new GatewayError("invalid_request", "Invalid value for 'label'.", "label");
    }
    selector = name;
  }
  const found = lookupPrompt(ctx.workspace!.snapshot, `${slug}@${selector}`);
  const { prompt, version } = found;

  const etag = `"${createHash("sha256").update(`${version.id}\n${selector}`).digest("base64url").slice(0, 27)}"`;
  const headers = { etag, "cache-control": CACHE_CONTROL, vary: "authorization, x-api-key" };
  if (matchesEtag(ctx.req.headers["if-none-match"], etag)) {
    ctx.status = 304;
    markFirstByte(ctx);
    ctx.res.writeHead(304, { ...headers, "x-request-id": ctx.requestId });
    ctx.res.end();
    ctx.done = true;
    return;
  }
  const body = {
    object: "prompt.version",
    id: version.id,
    prompt_id: prompt.id,
    slug: prompt.slug,
    version: version.version,
    label: found.label,
    model: version.model,
    messages: version.messages,
    variables: version.variables.map((v) => ({
      name: v.name,
      required: v.default === null,
      default: v.default,
    })),
    params: version.params,
  };
  sendBody(ctx, 200, JSON_TYPE, JSON.stringify(body), headers);
  ctx.done = true;
}

/** If-None-Match: `*` or a list of (strong or weak) entity tags; weak comparison (RFC 9110). */
function matchesEtag(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  if (header.trim() === "*") return true;
  for (const part of header.split(",")) {
    const tag = part.trim();
    if (tag === etag || tag === `W/${etag}`) return true;
  }
  return false;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
