// An open-loop load at a fixed rate: requests start on schedule whether or not earlier ones
// have answered (a closed loop would slow down exactly when the proxy is failing over, and hide
// the latency it adds). Mixed JSON and streamed OpenAI chat completions; every answer is
// checked the way a client would notice a failure, and timed.
import { performance } from "node:perf_hooks";
import { Pool } from "undici";

/**
 * Drives `rate` requests/s for `durationMs` at `origin` + /v1/chat/completions. A share
 * `streamShare` of them (spread evenly) are streams. Resolves with one result per request:
 * { at: epoch ms sent, stream, ms: until the answer's end, ttfbMs: first body byte (streams),
 *   error: null or what the client saw }.
 */
export async function steadyLoad({ origin, key, model, rate, durationMs, streamShare = 0.5 }) {
  const pool = new Pool(origin, {
    connections: 512,
    headersTimeout: 60_000,
    bodyTimeout: 60_000,
    keepAliveTimeout: 30_000,
  });
  const chat = {
    model,
    messages: [{ role: "user", content: "Say hello to the soak." }],
    max_tokens: 16,
  };
  const bodies = { json: JSON.stringify(chat), stream: JSON.stringify({ ...chat, stream: true }) };
  const headers = { authorization: `Bearer ${key}`, "content-type": "application/json" };

  const results = [];
  const inFlight = new Set();
  const t0 = performance.now();
  let sent = 0;
  for (;;) {
    const elapsed = performance.now() - t0;
    if (elapsed >= durationMs) break;
    const due = Math.min(
      Math.floor((elapsed * rate) / 1000) + 1,
      Math.ceil((durationMs * rate) / 1000),
    );
    for (; sent < due; sent++) {
      const stream = Math.floor((sent + 1) * streamShare) > Math.floor(sent * streamShare);
      const p = once(pool, headers, stream ? bodies.stream : bodies.json, stream).then((r) => {
        results.push(r);
        inFlight.delete(p);
      });
      inFlight.add(p);
    }
    await new Promise((r) => setTimeout(r, Math.max(1, (sent * 1000) / rate - elapsed)));
  }
  await Promise.all(inFlight);
  await pool.close();
  return results.sort((a, b) => a.at - b.at);
}

async function once(pool, headers, body, stream) {
  const at = Date.now();
  const started = performance.now();
  let ttfbMs;
  try {
    const res = await pool.request({ path: "/v1/chat/completions", method: "POST", headers, body });
    let text = "";
    for await (const chunk of res.body) {
      ttfbMs ??= performance.now() - started;
      text += chunk;
    }
    const ms = performance.now() - started;
    return {
      at,
      stream,
      ms,
      ttfbMs: stream ? ttfbMs : undefined,
      error: check(res.statusCode, text, stream),
    };
  } catch (error) {
    const ms = performance.now() - started;
    return { at, stream, ms, ttfbMs, error: `connection: ${error.code ?? error.message}` };
  }
}

/** What a client would call a failure, or null for a complete answer. */
function check(status, text, stream) {
  if (status !== 200) {
    let type = "";
    try {
      type = JSON.parse(text).error?.type ?? "";
    } catch {
      // not JSON
    }
    return `http ${status}${type ? ` ${type}` : ""}`;
  }
  if (!stream) {
    try {
      const content = JSON.parse(text).choices?.[0]?.message?.content;
      return typeof content === "string" && content.length > 0 ? null : "empty answer";
    } catch {
      return "malformed JSON answer";
    }
  }
  let done = false;
  let content = "";
  for (const event of text.split("\n\n")) {
    const data = event
      .split("\n")
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(5).trim())
      .join("\n");
    if (!data) continue;
    if (data === "[DONE]") {
      done = true;
      continue;
    }
    try {
      const chunk = JSON.parse(data);
      if (chunk.error) return `stream error event ${chunk.error.type ?? ""}`.trim();
      content += chunk.choices?.[0]?.delta?.content ?? "";
    } catch {
      return "malformed stream chunk";
    }
  }
  if (!done) return "stream ended without [DONE]";
  return content.length > 0 ? null : "empty stream";
}
