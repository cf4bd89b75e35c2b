import type { Exchange, Reply } from "../exchange";
import { openaiDialect } from "./dialect";

const MODELS: [id: string, created: number, ownedBy: string][] = [
  ["gpt-4o", 1715367049, "system"],
  ["gpt-4o-2024-08-06", 1722814719, "system"],
  ["gpt-4o-mini", 1721172741, "system"],
  ["gpt-4.1", 1744316542, "system"],
  ["gpt-4.1-mini", 1744318173, "system"],
  ["gpt-4.1-nano", 1744321707, "system"],
  ["o3-mini", 1737146383, "system"],
  ["o4-mini", 1744225351, "system"],
  ["gpt-3.5-turbo", 1677610602, "openai"],
  ["gpt-3.5-turbo-instruct", 1692901427, "system"],
  ["text-embedding-3-small", 1705948997, "system"],
  ["text-embedding-3-large", 1705953180, "system"],
  ["text-embedding-ada-002", 1671217299, "openai-internal"],
];

const BY_ID = new Map(
  MODELS.map(([id, created, owned_by]) => [
    id,
    JSON.stringify({ id, object: "model", created, owned_by }),
  ]),
);
const LIST = `{"object":"list","data":[${[...BY_ID.values()].join(",")}]}`;

/** GET /v1/models */
export function listModels(): Reply {
  return { kind: "json", status: 200, body: LIST };
}

/** GET /v1/models/{id} */
export function retrieveModel(x: Exchange, id: string): Reply {
  const body = BY_ID.get(id);
  if (body) return { kind: "json", status: 200, body };
  return openaiDialect.error(x, 404, `The model '${id}' does not exist`, {
    type: "invalid_request_error",
    param: "model",
    code: "model_not_found",
  });
}
