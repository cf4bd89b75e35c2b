import {
  LATEST_LABEL,
  parsePromptRef,
  PROMPT_HEADER,
  PROMPT_MODEL_PREFIX,
  renderPrompt,
  type PromptSnapshot,
  type PromptVersionSnapshot,
  type WireFormat,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import { GatewayError } from "../errors";

/**
 * Prompt resolution: a client asks for a dashboard-managed prompt instead of sending the whole
 * conversation, either as the model (`"prompt:support-reply"`, `"…@staging"`, `"…@3"`) or
 * with the header `x-gatehouse-prompt: support-reply[@label|@N]`, plus `variables` in the
 * body. The version's messages are rendered and put first, the client's messages follow; the
 * version's model alias becomes the model and its params apply where the client set none.
 *
 * Model precedence: with `model: "prompt:…"` the version's alias is always used. With the
 * header form a client that also sends a (non-prompt) model keeps it, e.g. to try a prompt
 * on another model; without one the version's alias is used.
 *
 * Which versions the proxy knows: the workspace snapshot holds every labelled version and the
 * newest few (packages/db compile.ts); `@N` for an older, unlabelled version is a 404 that
 * says so.
 */

export interface ResolvedPrompt {
  readonly promptId: string;
  readonly slug: string;
  readonly versionId: string;
  readonly version: number;
}

interface PromptPlan {
  readonly prompt: PromptSnapshot;
  readonly byVersion: ReadonlyMap<number, PromptVersionSnapshot>;
  readonly latest: PromptVersionSnapshot | undefined;
}

export const ENDPOINTS_WITH_PROMPTS: ReadonlySet<string> = new Set([
  "chat.completions",
  "messages",
  "messages.count_tokens",
]);

/** Per snapshot object (one per published version), built on first use. */
const plans = new WeakMap<WorkspaceSnapshot, ReadonlyMap<string, PromptPlan>>();

function promptPlans(snapshot: WorkspaceSnapshot): ReadonlyMap<string, PromptPlan> {
  let map = plans.get(snapshot);
  if (map === undefined) {
    const built = new Map<string, PromptPlan>();
    for (const prompt of snapshot.prompts) {
      const byVersion = new Map<number, PromptVersionSnapshot>();
      let latest: PromptVersionSnapshot | undefined;
      for (const version of prompt.versions) {
        byVersion.set(version.version, version);
        if (latest === undefined || version.version > latest.version) latest = version;
      }
      built.set(prompt.slug, { prompt, byVersion, latest });
    }
    map = built;
    plans.set(snapshot, map);
  }
  return map;
}

export interface VersionLookup {
  prompt: PromptSnapshot;
  version: PromptVersionSnapshot;
  /** the label that was asked for, null for an explicit version */
  label: string | null;
}

/**
 * A reference → the version it names in this workspace (404 for an unknown prompt, label or
 * version, 400 for a malformed reference). Shared by the stage and the read API.
 */
export function lookupPrompt(snapshot: WorkspaceSnapshot, refText: string): VersionLookup {
  const ref = parsePromptRef(refText);
  if (ref === null) {
    throw new GatewayError(
      "invalid_request",
      `'${refText.slice(0, 100)}' is not a prompt reference: use <slug>, <slug>@<label> or <slug>@<version>.`,
      "model",
    );
  }
  const plan = promptPlans(snapshot).get(ref.slug);
  if (plan === undefined) {
    throw new GatewayError(
      "not_found",
      `The prompt '${ref.slug}' does not exist in this workspace.`,
      "model",
    );
  }
  if (ref.version !== null) {
    const version = plan.byVersion.get(ref.version);
    if (version === undefined) {
      const exists = plan.latest !== undefined && ref.version < plan.latest.version;
      throw new GatewayError(
        "not_found",
        exists
          ? `Version ${ref.version} of prompt '${ref.slug}' is not served by the gateway: only labelled versions and the most recent ones are. Give it a label to serve it.`
          : `The prompt '${ref.slug}' has no version ${ref.version}.`,
        "model",
      );
    }
    return { prompt: plan.prompt, version, label: null };
  }
  const label = ref.label!;
  const number = label === LATEST_LABEL ? plan.latest?.version : plan.prompt.labels[label];
  const version = number === undefined ? undefined : plan.byVersion.get(number);
  if (version === undefined) {
    throw new GatewayError(
      "not_found",
      `The prompt '${ref.slug}' has no label '${label}'.`,
      "model",
    );
  }
  return { prompt: plan.prompt, version, label };
}

/** Parameters that /v1/messages takes under the same name as the (OpenAI-named) prompt params. */
const ANTHROPIC_SAME_NAME = ["temperature", "top_p", "max_tokens"] as const;

export interface AppliedPrompt {
  /** the model alias the request now asks for */
  readonly model: string;
  readonly resolved: ResolvedPrompt;
}

/**
 * Renders a prompt version into a request body, in place: the version's messages first, the
 * client's after; its model alias unless the header form came with an explicit model; its
 * params where the client set none. Explicit inputs, no request context (pipeline/resolve-prompt
 * is the stage around it).
 */
export function applyPrompt(
  body: Record<string, unknown>,
  refText: string,
  snapshot: WorkspaceSnapshot,
  clientFormat: WireFormat,
  endpoint: string,
  defaultMaxTokens: number,
): AppliedPrompt {
  const { prompt, version } = lookupPrompt(snapshot, refText);
  const variables = body.variables;
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    throw new GatewayError(
      "invalid_request",
      "Invalid value for 'variables': expected an object of variable values.",
      "variables",
    );
  }
  const rendered = renderPrompt(version, (variables ?? {}) as Record<string, unknown>);
  if (rendered.missing.length > 0) {
    throw new GatewayError(
      "invalid_request",
      `Missing required prompt variables for '${prompt.slug}' (version ${version.version}): ${rendered.missing.join(", ")}.`,
      "variables",
    );
  }
  delete body.variables;

  const clientMessages = body.messages;
  if (clientMessages !== undefined && !Array.isArray(clientMessages)) {
    throw new GatewayError(
      "invalid_request",
      "Invalid value for 'messages': expected an array.",
      "messages",
    );
  }

  // the model: the version's alias, unless the header form came with an explicit model
  const clientModel = body.model;
  const explicit =
    typeof clientModel === "string" &&
    clientModel !== "" &&
    !clientModel.startsWith(PROMPT_MODEL_PREFIX);
  const model = explicit ? clientModel : version.model;
  if (model === null) {
    throw new GatewayError(
      "invalid_request",
      `Version ${version.version} of prompt '${prompt.slug}' has no model: send one in 'model' with the ${PROMPT_HEADER} header.`,
      "model",
    );
  }
  body.model = model;

  const params = version.params;
  if (clientFormat === "anthropic") {
    const system: string[] = [];
    const turns: { role: string; content: string }[] = [];
    for (const message of rendered.messages) {
      if (message.role === "system") system.push(message.content);
      else turns.push(message);
    }
    body.messages = clientMessages === undefined ? turns : [...turns, ...clientMessages];
    if (system.length > 0) {
      const text = system.join("\n\n");
      const clientSystem = body.system;
      if (clientSystem === undefined || clientSystem === null || clientSystem === "") {
        body.system = text;
      } else if (typeof clientSystem === "string") {
        body.system = `${text}\n\n${clientSystem}`;
      } else if (Array.isArray(clientSystem)) {
        body.system = [{ type: "text", text }, ...clientSystem];
      }
    }
    for (const name of ANTHROPIC_SAME_NAME) {
      if (body[name] === undefined && params[name] !== undefined) body[name] = params[name];
    }
    if (body.stop_sequences === undefined && Array.isArray(params.stop))
      body.stop_sequences = params.stop;
    if (body.tools === undefined && Array.isArray(params.tools)) {
      const tools = params.tools.map(anthropicTool).filter((t) => t !== null);
      if (tools.length > 0) body.tools = tools;
    }
    if (endpoint === "messages" && !Number.isInteger(body.max_tokens)) {
      body.max_tokens = defaultMaxTokens;
    }
  } else {
    body.messages =
      clientMessages === undefined ? rendered.messages : [...rendered.messages, ...clientMessages];
    for (const name in params) {
      if (body[name] === undefined) body[name] = params[name];
    }
  }

  return {
    model,
    resolved: {
      promptId: prompt.id,
      slug: prompt.slug,
      versionId: version.id,
      version: version.version,
    },
  };
}

/** An OpenAI function tool as an Anthropic tool; null for anything else. */
function anthropicTool(tool: unknown): Record<string, unknown> | null {
  if (typeof tool !== "object" || tool === null) return null;
  const fn = (tool as { function?: unknown }).function;
  if (typeof fn !== "object" || fn === null) return null;
  const { name, description, parameters } = fn as Record<string, unknown>;
  if (typeof name !== "string") return null;
  const out: Record<string, unknown> = { name };
  if (typeof description === "string") out.description = description;
  out.input_schema =
    typeof parameters === "object" && parameters !== null
      ? parameters
      : { type: "object", properties: {} };
  return out;
}
