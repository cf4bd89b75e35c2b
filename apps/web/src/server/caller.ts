import { cache } from "react";
import { createTRPCContext } from "./context";
import { createCaller } from "./root";

/**
 * A tRPC caller for server components and route handlers, one per request: procedures run
 * in-process with the signed-in user's session and the same authorization as over HTTP.
 */
export const getServerCaller = cache(async () => createCaller(await createTRPCContext()));
