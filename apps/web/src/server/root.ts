import { healthRouter } from "./routers/health";
import { workspaceRouter } from "./routers/workspace";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  workspace: workspaceRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process: `createCaller(createInnerContext({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
