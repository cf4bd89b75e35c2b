import { getServerAuthSession } from "~/server/auth";
import { getDb } from "~/server/db";
import { workspaceKeySpend } from "~/server/usage-http";

export const dynamic = "force-dynamic";

/** GET /api/w/:workspaceId/keys/spend — every key's spend, for signed-in members. */
export async function GET(
  _request: Request,
  { params }: { params: Promise<{ workspaceId: string }> },
): Promise<Response> {
  const { workspaceId } = await params;
  const session = await getServerAuthSession();
  return workspaceKeySpend(getDb(), session?.user.id ?? null, workspaceId);
}
