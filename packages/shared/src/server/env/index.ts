export * from "./define-env";
/** field schemas: envField.port(8787), envField.redisUrl(), envField.encryptionKeys(), ... */
export * as envField from "./fields";
export * from "./logging";
