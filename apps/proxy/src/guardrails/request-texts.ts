import type { Endpoint } from "@gatehouse/shared";
import type { TextKind } from "@gatehouse/shared/guardrails";

/**
 * Every text of a request body a provider would read, per endpoint, handed to `visit`, which
 * returns the text to put back (the same string when nothing changes). Covered: chat messages
 * (string and content-part arrays), system/developer prompts, tool-call arguments and tool
 * results (OpenAI chat and Responses, Anthropic tool_use/tool_result), Anthropic `system` and
 * text/document blocks, Responses `instructions` and `input`, legacy completions `prompt`,
 * embeddings `input`; and what the request defines for the model to follow: tool definitions
 * (descriptions and parameter schemas: a `const`, an `enum`, an example is text the model
 * reads) and structured-output schemas (`response_format`, Responses `text.format`). Names,
 * types and object keys stay as they are (a tool's name must match the calls). Prompt-template
 * variables are covered as the rendered messages (this runs after resolvePrompt). Images,
 * audio and signed thinking blocks are left alone.
 */
export type Visit = (text: string, kind: TextKind, where: string) => string;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const MAX_DEPTH = 32;

export function visitRequestTexts(endpoint: Endpoint, body: Json, visit: Visit): void {
  switch (endpoint) {
    case "chat.completions":
      return visitChat(body, visit);
    case "messages":
    case "messages.count_tokens":
      return visitAnthropic(body, visit);
    case "responses":
      return visitResponses(body, visit);
    case "completions":
      return visitStrings(body, "prompt", "text", "prompt", visit);
    case "embeddings":
      return visitStrings(body, "input", "text", "input", visit);
  }
}

/** A string field, or an array of strings (token arrays are left alone). */
function visitStrings(
  owner: Json,
  field: string,
  kind: TextKind,
  where: string,
  visit: Visit,
): void {
  const value = owner[field];
  if (typeof value === "string") owner[field] = visit(value, kind, where);
  else if (Array.isArray(value))
    value.forEach((item, i) => {
      if (typeof item === "string") value[i] = visit(item, kind, `${where}[${i}]`);
    });
}

/**
 * Tool definitions: OpenAI chat (`{type, function: {name, description, parameters}}`),
 * Anthropic (`{name, description, input_schema}`) and Responses (`{type, name, description,
 * parameters}`) shapes alike.
 */
function visitTools(body: Json, visit: Visit): void {
  const tools = body.tools;
  if (!Array.isArray(tools)) return;
  tools.forEach((tool, i) => {
    if (!isObject(tool)) return;
    const definition = isObject(tool.function) ? tool.function : tool;
    const where = `tools[${i}]`;
    if (typeof definition.description === "string")
      definition.description = visit(definition.description, "text", `${where}.description`);
    for (const field of ["parameters", "input_schema"]) {
      if (isObject(definition[field]))
        definition[field] = visitSchema(definition[field], `${where}.${field}`, visit);
    }
  });
}

/** A structured-output definition (`{name, description, schema}`): its description and schema. */
function visitOutputFormat(format: unknown, where: string, visit: Visit): void {
  if (!isObject(format)) return;
  if (typeof format.description === "string")
    format.description = visit(format.description, "text", `${where}.description`);
  if (isObject(format.schema)) format.schema = visitSchema(format.schema, `${where}.schema`, visit);
}

/**
 * The texts of a JSON schema: every string value but the schema's own vocabulary (`type`,
 * `format`, `$ref`, `pattern`… name types, formats, references and regexes, never data), and
 * never a key (property names are the answer's field names).
 */
function visitSchema(schema: Json, where: string, visit: Visit, depth = 0): Json {
  for (const key of Object.keys(schema)) {
    const value = schema[key];
    if (typeof value === "string") {
      if (!SCHEMA_KEYWORDS.has(key)) schema[key] = visit(value, "text", where);
    } else if (depth >= MAX_DEPTH || value === null || typeof value !== "object") {
      continue;
    } else if (SCHEMA_DATA.has(key)) {
      // values the answer may hold (`const`, `enum`, `default`, `examples`): data, keys and all
      schema[key] = visitValue(value, "text", where, visit, depth + 1);
    } else if (key === "required") {
      continue; // property names
    } else if (Array.isArray(value)) {
      // anyOf, oneOf, allOf, prefixItems…: schemas
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (isObject(item)) value[i] = visitSchema(item, where, visit, depth + 1);
      }
    } else if (key === "properties" || key === "$defs" || key === "definitions") {
      // its keys are names: each value is a schema
      const named = value as Json;
      for (const name of Object.keys(named)) {
        const property = named[name];
        if (isObject(property)) named[name] = visitSchema(property, where, visit, depth + 1);
      }
    } else {
      schema[key] = visitSchema(value as Json, where, visit, depth + 1);
    }
  }
  return schema;
}

/** JSON-schema keywords whose values are data the answer may hold. */
const SCHEMA_DATA: ReadonlySet<string> = new Set(["const", "enum", "default", "examples"]);

/** JSON-schema keywords whose string values are part of the schema language, not text. */
const SCHEMA_KEYWORDS: ReadonlySet<string> = new Set([
  "type",
  "format",
  "$ref",
  "$id",
  "$schema",
  "$anchor",
  "$dynamicRef",
  "pattern",
  "contentEncoding",
  "contentMediaType",
]);

function visitChat(body: Json, visit: Visit): void {
  visitTools(body, visit);
  const responseFormat = body.response_format;
  if (isObject(responseFormat))
    visitOutputFormat(responseFormat.json_schema, "response_format.json_schema", visit);
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    if (!isObject(message)) return;
    const where = `messages[${i}]`;
    const kind: TextKind =
      message.role === "tool" || message.role === "function" ? "tool_result" : "text";
    visitContent(message, "content", kind, `${where}.content`, visit);
    if (typeof message.refusal === "string")
      message.refusal = visit(message.refusal, "text", `${where}.refusal`);
    if (Array.isArray(message.tool_calls)) {
      message.tool_calls.forEach((call, j) => {
        if (isObject(call) && isObject(call.function))
          visitArguments(
            call.function,
            "arguments",
            `${where}.tool_calls[${j}].function.arguments`,
            visit,
          );
      });
    }
    if (isObject(message.function_call))
      visitArguments(message.function_call, "arguments", `${where}.function_call.arguments`, visit);
  });
}

/** OpenAI content: a string, or parts of which `text` / `input_text` / `output_text` carry text. */
function visitContent(
  owner: Json,
  field: string,
  kind: TextKind,
  where: string,
  visit: Visit,
): void {
  const content = owner[field];
  if (typeof content === "string") {
    owner[field] = visit(content, kind, where);
    return;
  }
  if (!Array.isArray(content)) return;
  content.forEach((part, i) => {
    if (isObject(part) && typeof part.text === "string" && part.type !== "thinking")
      part.text = visit(part.text, kind, `${where}[${i}].text`);
  });
}

function visitAnthropic(body: Json, visit: Visit): void {
  visitContent(body, "system", "text", "system", visit);
  visitTools(body, visit);
  const messages = body.messages;
  if (!Array.isArray(messages)) return;
  messages.forEach((message, i) => {
    if (!isObject(message)) return;
    const where = `messages[${i}].content`;
    const content = message.content;
    if (typeof content === "string") {
      message.content = visit(content, "text", where);
      return;
    }
    if (!Array.isArray(content)) return;
    content.forEach((block, j) => visitAnthropicBlock(block, "text", `${where}[${j}]`, visit));
  });
}

function visitAnthropicBlock(block: unknown, kind: TextKind, where: string, visit: Visit): void {
  if (!isObject(block)) return;
  switch (block.type) {
    case "text":
      if (typeof block.text === "string") block.text = visit(block.text, kind, `${where}.text`);
      return;
    case "tool_use":
    case "server_tool_use":
      if (block.input !== undefined)
        block.input = visitValue(block.input, "text", `${where}.input`, visit, 0);
      return;
    case "tool_result": {
      const content = block.content;
      if (typeof content === "string")
        block.content = visit(content, "tool_result", `${where}.content`);
      else if (Array.isArray(content))
        content.forEach((inner, k) =>
          visitAnthropicBlock(inner, "tool_result", `${where}.content[${k}]`, visit),
        );
      return;
    }
    case "document": {
      const source = block.source;
      if (isObject(source) && source.type === "text" && typeof source.data === "string")
        source.data = visit(source.data, kind, `${where}.source.data`);
      return;
    }
  }
}

function visitResponses(body: Json, visit: Visit): void {
  if (typeof body.instructions === "string")
    body.instructions = visit(body.instructions, "text", "instructions");
  visitTools(body, visit);
  if (isObject(body.text)) visitOutputFormat(body.text.format, "text.format", visit);
  const input = body.input;
  if (typeof input === "string") {
    body.input = visit(input, "text", "input");
    return;
  }
  if (!Array.isArray(input)) return;
  input.forEach((item, i) => {
    if (!isObject(item)) return;
    const where = `input[${i}]`;
    if (item.type === "function_call" || item.type === "custom_tool_call") {
      visitArguments(
        item,
        item.type === "function_call" ? "arguments" : "input",
        `${where}.arguments`,
        visit,
      );
    } else if (item.type === "function_call_output" || item.type === "custom_tool_call_output") {
      visitContent(item, "output", "tool_result", `${where}.output`, visit);
    } else {
      visitContent(item, "content", "text", `${where}.content`, visit);
    }
  });
}

/**
 * Tool-call arguments are JSON text: their string values are scanned one by one (an escape
 * like \u0040 cannot hide an address), the JSON re-serialised only when something changed;
 * arguments that are not JSON are scanned as text.
 */
function visitArguments(owner: Json, field: string, where: string, visit: Visit): void {
  const raw = owner[field];
  if (typeof raw !== "string" || raw === "") return;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    owner[field] = visit(raw, "text", where);
    return;
  }
  if (typeof parsed !== "object" || parsed === null) {
    owner[field] = visit(raw, "text", where);
    return;
  }
  let changed = false;
  const visited = visitValue(
    parsed,
    "text",
    where,
    (text, kind, at) => {
      const out = visit(text, kind, at);
      if (out !== text) changed = true;
      return out;
    },
    0,
  );
  if (changed) owner[field] = JSON.stringify(visited);
}

/** The string values anywhere in a JSON value (object keys stay as they are). */
function visitValue(
  value: unknown,
  kind: TextKind,
  where: string,
  visit: Visit,
  depth: number,
): unknown {
  if (typeof value === "string") return visit(value, kind, where);
  if (depth >= MAX_DEPTH) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++)
      value[i] = visitValue(value[i], kind, where, visit, depth + 1);
  } else if (isObject(value)) {
    // `where` stays the field's path: a key of the user's JSON is never echoed in an error
    for (const key of Object.keys(value))
      value[key] = visitValue(value[key], kind, where, visit, depth + 1);
  }
  return value;
}
