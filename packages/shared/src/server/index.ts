export * from "./keys";
export * from "./crypto";
