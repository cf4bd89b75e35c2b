import { createTRPCRouter, publicProcedure } from "../trpc";

export const healthRouter = createTRPCRouter({
  ping: publicProcedure.query(() => ({ pong: true as const, time: new Date() })),
});
