export * from "./enums";
export * from "./config-snapshot";
export * from "./usage-event";
export * from "./queues";
export * from "./redis-keys";
export * from "./prices";
export * from "./cost";
export * from "./wire-errors";
