export * from "./create-logger";
export * from "./redact";
export * from "./safe-error";
