export * from "./keys";
export * from "./crypto";
export * from "./env";
export * from "./logger";
