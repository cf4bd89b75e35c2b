import { gone } from "./gone";

export const missing = gone;
