import { getDb } from "~/server/db";
import { keySpendForBearer } from "~/server/usage-http";

export const dynamic = "force-dynamic";

/** GET /api/v1/spend with `Authorization: Bearer gh_…` — that key's spend and budget. */
export async function GET(request: Request): Promise<Response> {
  return keySpendForBearer(getDb(), request.headers.get("authorization"));
}
