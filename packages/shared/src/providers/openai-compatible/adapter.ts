import { OPENAI_ENDPOINTS, defineOpenaiStyleAdapter } from "../openai/adapter";

/**
 * Any server speaking OpenAI's API under an OpenAI-style base URL: vLLM
 * (`http://host:8000/v1`), Ollama (`http://host:11434/v1`), Groq
 * (`https://api.groq.com/openai/v1`), Together (`https://api.together.xyz/v1`), LM Studio...
 * Every endpoint is offered; a server lacking one answers 404 itself, which reaches the client
 * as the provider's own error. An empty API key sends no Authorization header.
 */
export const openaiCompatibleAdapter = defineOpenaiStyleAdapter(
  "openai_compatible",
  OPENAI_ENDPOINTS,
);
