import { y } from "./y";
import type { Y } from "./y";

export const x = (value: Y): string => `${y}${value.name}`;
