import { PlaygroundInputSchema } from "~/lib/prompt-schemas";
import { getEnv } from "~/env";
import { getServerAuthSession } from "~/server/auth";
import { getDb } from "~/server/db";
import { PlaygroundError, runPlayground } from "~/server/playground";
import { getRedis } from "~/server/redis";

/**
 * POST: runs a prompt version through the gateway and streams the answer as server-sent
 * events (see server/playground.ts). JSON bodies only, so a cross-site form cannot post here.
 */
export async function POST(
  request: Request,
  { params }: { params: Promise<{ workspaceId: string; promptId: string }> },
): Promise<Response> {
  const { workspaceId, promptId } = await params;
  const session = await getServerAuthSession();
  const userId = session?.user.id;
  if (!userId) return Response.json({ error: "Sign in to continue." }, { status: 401 });
  if (!request.headers.get("content-type")?.startsWith("application/json")) {
    return Response.json({ error: "Send JSON." }, { status: 415 });
  }
  const parsed = PlaygroundInputSchema.safeParse(await request.json().catch(() => null));
  if (!parsed.success) {
    return Response.json({ error: "Invalid playground input." }, { status: 400 });
  }
  try {
    const stream = await runPlayground({
      db: getDb(),
      redis: getRedis(),
      userId,
      workspaceId,
      promptId,
      input: parsed.data,
      proxyUrl: getEnv().GATEHOUSE_PROXY_URL,
    });
    return new Response(stream, {
      headers: {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        "x-accel-buffering": "no",
      },
    });
  } catch (error) {
    if (error instanceof PlaygroundError) {
      return Response.json({ error: error.message }, { status: error.status });
    }
    throw error;
  }
}
