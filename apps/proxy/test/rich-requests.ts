import type Anthropic from "@anthropic-ai/sdk";
import type OpenAI from "openai";

/**
 * Rich requests typed with the official SDKs' own parameter types, so each is something a real
 * client can send: every content part, tool calls and results, images, documents, audio,
 * thinking blocks, cache_control, nested tool schemas. Shape validation must let all of them
 * through (src/validate/shape.test.ts, test/message-shape.int.test.ts).
 */

/** A JSON schema nested `levels` objects deep, as tool parameters often are. */
export function nestedSchema(levels: number): Record<string, unknown> {
  let schema: Record<string, unknown> = { type: "string" };
  for (let i = 0; i < levels; i++) {
    schema = { type: "object", properties: { [`level${i}`]: schema }, required: [`level${i}`] };
  }
  return schema;
}

export const richOpenaiChat = (
  model: string,
): OpenAI.Chat.ChatCompletionCreateParamsNonStreaming => ({
  model,
  messages: [
    { role: "system", content: "You are terse." },
    { role: "developer", content: [{ type: "text", text: "Answer in English." }] },
    {
      role: "user",
      name: "ada",
      content: [
        { type: "text", text: "What is in these?", prompt_cache_breakpoint: { mode: "explicit" } },
        { type: "image_url", image_url: { url: "https://example.com/a.png", detail: "high" } },
        { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
        { type: "input_audio", input_audio: { data: "UklGRg==", format: "wav" } },
        {
          type: "file",
          file: { file_data: "data:application/pdf;base64,JVBERi0=", filename: "a.pdf" },
        },
        { type: "file", file: { file_id: "file-abc" } },
      ],
    },
    {
      role: "assistant",
      content: null,
      tool_calls: [
        { id: "call_1", type: "function", function: { name: "lookup", arguments: '{"q":"x"}' } },
        { id: "call_2", type: "custom", custom: { name: "sql", input: "select 1" } },
      ],
    },
    { role: "tool", tool_call_id: "call_1", content: [{ type: "text", text: '{"ok":true}' }] },
    { role: "tool", tool_call_id: "call_2", content: "1" },
    { role: "assistant", content: [{ type: "refusal", refusal: "I cannot." }] },
    { role: "assistant", content: "Sure.", audio: { id: "audio_1" } },
    { role: "function", name: "legacy", content: null },
    { role: "assistant", content: "", function_call: { name: "legacy", arguments: "{}" } },
  ],
  tools: [
    {
      type: "function",
      function: { name: "lookup", description: "d", parameters: nestedSchema(12), strict: true },
    },
    { type: "custom", custom: { name: "sql", format: { type: "text" } } },
  ],
  tool_choice: { type: "function", function: { name: "lookup" } },
  response_format: {
    type: "json_schema",
    json_schema: { name: "out", schema: nestedSchema(10), strict: true },
  },
  metadata: { team: "a" },
});

export const richAnthropicMessages = (
  model: string,
): Anthropic.MessageCreateParamsNonStreaming => ({
  model,
  max_tokens: 1024,
  system: [
    { type: "text", text: "You are terse.", cache_control: { type: "ephemeral", ttl: "1h" } },
  ],
  thinking: { type: "enabled", budget_tokens: 2048 },
  messages: [
    {
      role: "user",
      content: [
        { type: "text", text: "Look", cache_control: { type: "ephemeral" } },
        {
          type: "image",
          source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
        },
        { type: "image", source: { type: "url", url: "https://example.com/a.png" } },
        {
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
          title: "Spec",
          citations: { enabled: true },
        },
        { type: "document", source: { type: "text", media_type: "text/plain", data: "plain" } },
        {
          type: "document",
          source: { type: "content", content: [{ type: "text", text: "chunk" }] },
        },
        { type: "document", source: { type: "url", url: "https://example.com/a.pdf" } },
        {
          type: "search_result",
          source: "https://example.com",
          title: "Result",
          content: [{ type: "text", text: "found" }],
        },
      ],
    },
    {
      role: "assistant",
      content: [
        { type: "thinking", thinking: "Let me see.", signature: "sig" },
        { type: "redacted_thinking", data: "opaque" },
        {
          type: "tool_use",
          id: "toolu_1",
          name: "lookup",
          input: { q: "x", deep: { a: [1, { b: 2 }] } },
        },
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "x" } },
        {
          type: "web_search_tool_result",
          tool_use_id: "srvtoolu_1",
          content: [
            {
              type: "web_search_result",
              url: "https://example.com",
              title: "t",
              encrypted_content: "e",
            },
          ],
        },
      ],
    },
    {
      role: "user",
      content: [
        {
          type: "tool_result",
          tool_use_id: "toolu_1",
          content: [
            { type: "text", text: "result" },
            { type: "image", source: { type: "base64", media_type: "image/jpeg", data: "/9j/" } },
          ],
        },
        { type: "tool_result", tool_use_id: "toolu_2", content: "plain", is_error: true },
        { type: "tool_result", tool_use_id: "toolu_3" },
      ],
    },
    { role: "assistant", content: "Done." },
  ],
  tools: [
    {
      name: "lookup",
      description: "d",
      input_schema: { type: "object", ...nestedSchema(12) } as Anthropic.Tool.InputSchema,
    },
    { type: "web_search_20250305", name: "web_search", max_uses: 3 },
  ],
  tool_choice: { type: "auto" },
  metadata: { user_id: "u1" },
});

export const richOpenaiResponses = (
  model: string,
): OpenAI.Responses.ResponseCreateParamsNonStreaming => ({
  model,
  instructions: "Be terse.",
  input: [
    { role: "user", content: "Hi" },
    {
      type: "message",
      role: "user",
      content: [
        { type: "input_text", text: "What is this?" },
        { type: "input_image", image_url: "https://example.com/a.png", detail: "auto" },
        {
          type: "input_file",
          file_data: "data:application/pdf;base64,JVBERi0=",
          filename: "a.pdf",
        },
      ],
    },
    {
      type: "message",
      id: "msg_1",
      role: "assistant",
      status: "completed",
      content: [{ type: "output_text", text: "It is", annotations: [] }],
    },
    { type: "function_call", call_id: "call_1", name: "lookup", arguments: "{}" },
    { type: "function_call_output", call_id: "call_1", output: '{"ok":true}' },
    {
      type: "function_call_output",
      call_id: "call_2",
      output: [{ type: "input_text", text: "ok" }],
    },
    { type: "reasoning", id: "rs_1", summary: [{ type: "summary_text", text: "thought" }] },
    { type: "item_reference", id: "msg_0" },
  ],
  tools: [
    { type: "function", name: "lookup", parameters: nestedSchema(12), strict: true },
    { type: "web_search" },
  ],
  text: { format: { type: "json_schema", name: "out", schema: nestedSchema(10) } },
});
