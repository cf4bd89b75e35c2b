import { getServerAuthSession } from "./auth";
import { getDb } from "./db";
import { createInnerContext, type Context } from "./trpc";

/** The context for a real request (route handler or server component): session from cookies. */
export async function createTRPCContext(): Promise<Context> {
  return createInnerContext({ db: getDb(), session: await getServerAuthSession() });
}
