import { accountRouter } from "./routers/account";
import { auditRouter } from "./routers/audit";
import { budgetRouter } from "./routers/budget";
import { configRouter } from "./routers/config";
import { credentialRouter } from "./routers/credential";
import { guardrailsRouter } from "./routers/guardrails";
import { healthRouter } from "./routers/health";
import { keyRouter } from "./routers/key";
import { pricesRouter } from "./routers/prices";
import { promptRouter } from "./routers/prompt";
import { requestsRouter } from "./routers/requests";
import { routeRouter } from "./routers/route";
import { usageRouter } from "./routers/usage";
import { workspaceRouter } from "./routers/workspace";
import { createCallerFactory, createTRPCRouter } from "./trpc";

export const appRouter = createTRPCRouter({
  health: healthRouter,
  account: accountRouter,
  workspace: workspaceRouter,
  credential: credentialRouter,
  route: routeRouter,
  guardrails: guardrailsRouter,
  key: keyRouter,
  prompt: promptRouter,
  audit: auditRouter,
  config: configRouter,
  usage: usageRouter,
  budget: budgetRouter,
  requests: requestsRouter,
  prices: pricesRouter,
});

export type AppRouter = typeof appRouter;

/** Calls procedures in-process: `createCaller(createInnerContext({ db, session }))`. */
export const createCaller = createCallerFactory(appRouter);
