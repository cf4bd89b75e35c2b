import { getDb } from "~/server/db";
import { checkHealth } from "~/server/health";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const { httpStatus, body } = await checkHealth(getDb());
  return Response.json(body, { status: httpStatus, headers: { "cache-control": "no-store" } });
}
