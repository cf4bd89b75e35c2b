export const PAYLOAD_MAX_CHARS = 1_000;
