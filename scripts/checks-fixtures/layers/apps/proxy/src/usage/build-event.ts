import { PAYLOAD_MAX_CHARS } from "../pipeline/respond";

export const clip = (text: string): string => text.slice(0, PAYLOAD_MAX_CHARS);
