import { defineOpenaiStyleAdapter } from "../openai/adapter";

/**
 * Google Gemini through its OpenAI-compatible endpoint
 * (base `https://generativelanguage.googleapis.com/v1beta/openai`, Bearer auth with the Gemini
 * API key). It serves chat completions and embeddings, not the legacy completions or the
 * Responses API. It accepts `stream_options.include_usage`, but also reports usage on
 * ordinary chunks; the stream translators take the last usage seen, never a sum.
 */
export const geminiAdapter = defineOpenaiStyleAdapter("gemini", ["chat.completions", "embeddings"]);

export const GEMINI_DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com/v1beta/openai";
