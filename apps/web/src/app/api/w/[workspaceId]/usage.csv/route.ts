import { getServerAuthSession } from "~/server/auth";
import { getDb } from "~/server/db";
import { usageCsv } from "~/server/usage-http";

export const dynamic = "force-dynamic";

/** GET /api/w/:workspaceId/usage.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&groupBy=day,key,model,prompt */
export async function GET(
  request: Request,
  { params }: { params: Promise<{ workspaceId: string }> },
): Promise<Response> {
  const { workspaceId } = await params;
  const session = await getServerAuthSession();
  return usageCsv(
    getDb(),
    session?.user.id ?? null,
    workspaceId,
    new URL(request.url).searchParams,
  );
}
