import type { Context } from "./context";

export interface Plan {
  context: Context;
}
