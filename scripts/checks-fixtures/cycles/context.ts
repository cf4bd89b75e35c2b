import type { Plan } from "./plan";

export interface Context {
  plan?: Plan;
}
