import type { Allowance } from "../limits/allowance";

export interface RequestContext {
  workspaceId: string;
  allowance: Allowance;
}
