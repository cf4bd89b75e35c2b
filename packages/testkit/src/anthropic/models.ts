import type { Exchange, Reply } from "../exchange";
import { anthropicDialect } from "./dialect";

const MODELS: [id: string, displayName: string, createdAt: string][] = [
  ["claude-opus-4-1-20250805", "Claude Opus 4.1", "2025-08-05T00:00:00Z"],
  ["claude-sonnet-4-5-20250929", "Claude Sonnet 4.5", "2025-09-29T00:00:00Z"],
  ["claude-haiku-4-5-20251001", "Claude Haiku 4.5", "2025-10-01T00:00:00Z"],
  ["claude-sonnet-4-20250514", "Claude Sonnet 4", "2025-05-14T00:00:00Z"],
  ["claude-3-7-sonnet-20250219", "Claude Sonnet 3.7", "2025-02-19T00:00:00Z"],
  ["claude-3-5-haiku-20241022", "Claude Haiku 3.5", "2024-10-22T00:00:00Z"],
];

const BY_ID = new Map(
  MODELS.map(([id, display_name, created_at]) => [
    id,
    JSON.stringify({ type: "model", id, display_name, created_at }),
  ]),
);
const LIST = JSON.stringify({
  data: MODELS.map(([id]) => JSON.parse(BY_ID.get(id)!) as unknown),
  has_more: false,
  first_id: MODELS[0]![0],
  last_id: MODELS.at(-1)![0],
});

/** GET /v1/models with an `anthropic-version` header */
export function listModels(): Reply {
  return { kind: "json", status: 200, body: LIST };
}

/** GET /v1/models/{id} with an `anthropic-version` header */
export function retrieveModel(x: Exchange, id: string): Reply {
  const body = BY_ID.get(id);
  if (body) return { kind: "json", status: 200, body };
  return anthropicDialect.error(x, 404, `model: ${id}`, { type: "not_found_error" });
}
