// One streamed chat turn through the official SAP SDK, in a process of its own: the SDK
// caches the service binding, its token and deployment lookups per process, and every
// replayed fixture runs against a simulator of its own.
//
//   AICORE_SERVICE_KEY=... node lib/sdk-stream.mjs orchestration|azure [PROMPT]
//
// Prints one JSON line: { text, toolCalls, usage, finishReason, error }.
import { OrchestrationClient } from '@sap-ai-sdk/orchestration';
import { AzureOpenAiChatClient } from '@sap-ai-sdk/foundation-models';
import { outcome, normalizeUsage, addToolCallDelta, errorText } from './common.mjs';

/** Reads what the SDK assembled; after a failed stream its getters throw "still open". */
function settled(read) {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/**
 * The orchestration stream response starts from zero counters and adds what chunks report,
 * so "no usage in the stream" reads as all zeros; count that as no usage.
 */
function usageOrNull(usage) {
  const u = normalizeUsage(usage);
  if (u && !u.prompt_tokens && !u.completion_tokens && !u.total_tokens) return null;
  return u;
}

const [mode, prompt = 'Hello'] = process.argv.slice(2);
const result = outcome();

try {
  if (mode === 'orchestration') {
    const client = new OrchestrationClient({ promptTemplating: { model: { name: 'gpt-4o' } } });
    const response = await client.stream({ messages: [{ role: 'user', content: prompt }] });
    try {
      for await (const chunk of response.stream) {
        result.text += chunk.getDeltaContent() ?? '';
      }
    } finally {
      // What the SDK assembled from the chunks it saw (also after an error).
      result.toolCalls = (settled(() => response.getToolCalls()) ?? []).map((call, index) => ({
        index,
        id: call.id ?? null,
        name: call.function?.name ?? null,
        arguments: call.function?.arguments ?? ''
      }));
      result.usage = usageOrNull(settled(() => response.getTokenUsage()));
      result.finishReason = settled(() => response.getFinishReason()) ?? null;
    }
  } else if (mode === 'azure') {
    const client = new AzureOpenAiChatClient('gpt-4o');
    const response = await client.stream({ messages: [{ role: 'user', content: prompt }] });
    const calls = [];
    try {
      for await (const chunk of response.stream) {
        result.text += chunk.getDeltaContent() ?? '';
        for (const delta of chunk.getDeltaToolCalls() ?? []) addToolCallDelta(calls, delta);
      }
    } finally {
      const assembled = settled(() => response.getToolCalls()) ?? [];
      // Cross-check the SDK's own assembly against the deltas it handed out.
      result.toolCalls = calls;
      result.sdkToolCalls = assembled.map((call, index) => ({
        index,
        id: call.id ?? null,
        name: call.function?.name ?? null,
        arguments: call.function?.arguments ?? ''
      }));
      result.usage = normalizeUsage(settled(() => response.getTokenUsage()));
      result.finishReason = settled(() => response.getFinishReason()) ?? null;
    }
  } else {
    throw new Error(`usage: sdk-stream.mjs orchestration|azure [PROMPT] (got ${mode})`);
  }
} catch (err) {
  result.error = errorText(err);
}
process.stdout.write(JSON.stringify(result) + '\n');
