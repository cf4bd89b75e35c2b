/**
 * Runs the fake provider for local development and benchmarks: `tsx src/cli.ts`
 * (or `npm start -w @gatehouse/testkit`).
 *
 *   FAKE_PROVIDER_PORT             default 8789 (0 = any free port)
 *   FAKE_PROVIDER_HOST             default 127.0.0.1
 *   FAKE_PROVIDER_LATENCY_MS       delay before the response / first chunk, default 0
 *   FAKE_PROVIDER_CHUNK_DELAY_MS   delay between stream chunks, default 0
 *   FAKE_PROVIDER_API_KEY          when set, requests must carry this key
 *   FAKE_PROVIDER_COMPLETION_TOKENS  output tokens per answer, default 12
 *   FAKE_PROVIDER_FLAP_MS          when set, fail during every other window of this many ms
 *                                  (the first one, from the start), answer in between
 *   FAKE_PROVIDER_FLAP_MODE        "status" (default: an error answer) or "reset"
 *   FAKE_PROVIDER_FLAP_STATUS      the failing answer's status, default 503
 */
import { parseFlap } from "./flap";
import { startFakeProvider, type FakeProviderOptions } from "./server";

function readEnv(): FakeProviderOptions {
  const number = (name: string, min: number): number | undefined => {
    const raw = process.env[name];
    if (raw === undefined || raw === "") return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min) {
      throw new Error(`${name} must be an integer >= ${min}, got '${raw}'`);
    }
    return value;
  };
  const port = number("FAKE_PROVIDER_PORT", 0) ?? 8789;
  const flapMs = number("FAKE_PROVIDER_FLAP_MS", 1);
  if (port > 65535) throw new Error(`FAKE_PROVIDER_PORT must be a port number, got ${port}`);
  return {
    port,
    host: process.env.FAKE_PROVIDER_HOST || "127.0.0.1",
    latencyMs: number("FAKE_PROVIDER_LATENCY_MS", 0),
    chunkDelayMs: number("FAKE_PROVIDER_CHUNK_DELAY_MS", 0),
    apiKey: process.env.FAKE_PROVIDER_API_KEY || undefined,
    completionTokens: number("FAKE_PROVIDER_COMPLETION_TOKENS", 1),
    flap:
      flapMs === undefined
        ? undefined
        : parseFlap({
            periodMs: flapMs,
            mode: process.env.FAKE_PROVIDER_FLAP_MODE || undefined,
            status: number("FAKE_PROVIDER_FLAP_STATUS", 400),
          }),
  };
}

async function main(): Promise<void> {
  const options = readEnv();
  const provider = await startFakeProvider(options);
  console.log(
    `fake provider listening on ${provider.url} (OpenAI baseURL ${provider.openaiBaseUrl}, Anthropic baseURL ${provider.anthropicBaseUrl})`,
  );
  const stop = (): void => {
    provider.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  const code = (error as NodeJS.ErrnoException).code;
  const message =
    code === "EADDRINUSE"
      ? `port ${process.env.FAKE_PROVIDER_PORT ?? 8789} is already in use; set FAKE_PROVIDER_PORT`
      : error instanceof Error
        ? error.message
        : String(error);
  console.error(`fake provider: ${message}`);
  process.exit(1);
});
