import type { RequestContext } from "../pipeline/context";

export const admit = (ctx: RequestContext): boolean => ctx.allowance.tokens > 0;
