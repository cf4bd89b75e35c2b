import { a } from "./a";

export const b = (): string => "b";
export const again = (): string => a();
