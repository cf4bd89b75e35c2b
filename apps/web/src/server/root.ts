import { auditRouter } from "./routers/audit";
import { configRouter } from "./routers/config";
import { credentialRouter } from "./routers/credential";
import { healthRouter } from "./routers/health";
import { keyRouter } from "./routers/key";
import { routeRouter } from "./routers/route";
import { workspaceRouter } from "./routers/workspace";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  workspace: workspaceRouter,
  credential: credentialRouter,
  route: routeRouter,
  key: keyRouter,
  audit: auditRouter,
  config: configRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process: `createCaller(createInnerContext({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
