import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { createTRPCContext } from "~/server/context";
import { appRouter } from "~/server/root";
import { log } from "~/server/log";

function handler(req: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: "/api/trpc",
    req,
    router: appRouter,
    createContext: createTRPCContext,
    onError({ path, error }) {
      // Expected refusals (UNAUTHORIZED, NOT_FOUND, ...) are not server errors. Only the first
      // line of the cause is logged: Prisma puts the query's arguments on the lines after it.
      if (error.code === "INTERNAL_SERVER_ERROR") {
        const cause = error.cause ?? error;
        const firstLine = cause.message.split("\n", 1)[0] ?? "";
        log().error("trpc procedure failed", {
          path: path ?? null,
          error: `${cause.name}: ${firstLine}`,
        });
      }
    },
  });
}

export { handler as GET, handler as POST };
