import { estimate } from "../tokens/estimate";

export interface Allowance {
  tokens: number;
}

export const allowanceFor = (text: string): Allowance => ({ tokens: estimate(text) });
