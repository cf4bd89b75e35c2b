import type { Endpoint as WireEndpoint } from "@gatehouse/shared";
import { Endpoint } from "./generated/prisma/enums";

// Prisma enum identifiers cannot contain dots; the database stores the wire names
// ("chat.completions") through @map, the client uses these identifiers.
const TO_DB: Record<WireEndpoint, Endpoint> = {
  "chat.completions": Endpoint.chat_completions,
  completions: Endpoint.completions,
  embeddings: Endpoint.embeddings,
  responses: Endpoint.responses,
  messages: Endpoint.messages,
  "messages.count_tokens": Endpoint.messages_count_tokens,
};

const FROM_DB = Object.fromEntries(Object.entries(TO_DB).map(([wire, db]) => [db, wire])) as Record<
  Endpoint,
  WireEndpoint
>;

/** A usage event's endpoint as the Prisma client's Endpoint value. */
export function endpointToDb(endpoint: WireEndpoint): Endpoint {
  return TO_DB[endpoint];
}

/** The Prisma client's Endpoint value as the wire name used in events and the API. */
export function endpointFromDb(endpoint: Endpoint): WireEndpoint {
  return FROM_DB[endpoint];
}
