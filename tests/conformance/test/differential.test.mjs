// The SDK as judge of sapcode's own requests: for the same call, what SAP's JavaScript SDK
// sends and what `sapcode` sends are captured by the simulator (`GET /_sim/requests`) and
// compared structurally: method, path, query, the headers that matter and the JSON body,
// key by key and value by value. Every difference must be one listed below with its reason,
// and every listed difference must still occur, so the list cannot go stale.
import { test, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DeploymentApi } from '@sap-ai-sdk/ai-api';
import { OrchestrationClient } from '@sap-ai-sdk/orchestration';
import { AzureOpenAiChatClient } from '@sap-ai-sdk/foundation-models';
import {
  serviceKey,
  setFaults,
  recordedRequests,
  runProcess,
  sapcodeBin,
  sapcodeEnv,
  projectDir
} from '../lib/common.mjs';

const keyJson = JSON.stringify(serviceKey());
const MAX_TOKENS = 200;
// The simulator answers "read the file …" with a `read_file` call, so sapcode's second
// request carries history, tools and a tool result. The file is this project's own.
const PROMPT = 'read the file package.json';

beforeEach(() => setFaults(''));
after(() => setFaults(''));

// ------------------------------------------------------------------ intended differences

/** Differences every SAP AI Core request shows; `where` is `header:NAME`, `query:NAME` or a
 * body path like `/config/stream/chunk_size`. */
const EVERY_REQUEST = [
  {
    where: 'header:ai-client-type',
    why: 'each client names itself: the SDK sends "AI SDK JavaScript", sapcode "sapcode" (SAP reads it for statistics only)'
  },
  {
    where: 'header:accept',
    why: 'axios always sends "application/json, text/plain, */*"; sapcode states no preference except on Bedrock, where it asks for text/event-stream explicitly (API reference §12)'
  }
];

const AZURE_STREAM = [...EVERY_REQUEST];

const ORCHESTRATION_STREAM = [
  ...EVERY_REQUEST,
  {
    where: '/config/modules/prompt_templating/model/version',
    why: 'sapcode names version "latest" explicitly; the SDK leaves it out and the service defaults to "latest" (§7.4)'
  },
  {
    where: '/config/stream/chunk_size',
    why: 'sapcode states the default chunk_size 100 explicitly; the SDK sends only {enabled: true} unless told (§7.4)'
  },
  {
    where: '/config/modules/prompt_templating/prompt/template/0/content',
    why: 'sapcode sends the tool result as the placeholder "{{?tool_result_1}}" so file text is never parsed as a template (§7.4); the SDK puts the text itself into the template'
  },
  {
    where: '/placeholder_values',
    why: 'the values of those placeholders (the tool result text); the SDK needs none'
  }
];

const DEPLOYMENT_LISTING = [
  ...EVERY_REQUEST,
  {
    where: 'query:$top',
    why: 'sapcode asks for up to 10000 deployments in one page ($top=10000, as Cline does); the SDK relies on the server default page'
  },
  {
    where: 'query:$skip',
    why: 'sent with $top as its explicit first page ($skip=0)'
  },
  {
    where: 'header:content-type',
    why: 'the SDK sends "content-type: application/json" even on a GET without a body; sapcode sends no body and so no content type'
  }
];

// ------------------------------------------------------------------ structural comparison

function typeOf(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/** Every body path where `a` and `b` differ (missing, extra, other type or other value). */
function bodyDifferences(a, b, path = '') {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) return [path || '/'];
  if (ta === 'array') {
    const out = [];
    for (let i = 0; i < Math.max(a.length, b.length); i++) {
      out.push(...bodyDifferences(a[i], b[i], `${path}/${i}`));
    }
    return out;
  }
  if (ta === 'object') {
    const out = [];
    for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      out.push(...bodyDifferences(a[key], b[key], `${path}/${key}`));
    }
    return out;
  }
  return a === b ? [] : [path || '/'];
}

function mapDifferences(prefix, a = {}, b = {}) {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])]
    .filter(name => a[name] !== b[name])
    .map(name => `${prefix}:${name}`);
}

function queryMap(query) {
  return Object.fromEntries(new URLSearchParams(query ?? ''));
}

/** Compares one request of the SDK with sapcode's; fails on any difference not in `allowed`
 * and on any allowed difference that no longer occurs. */
function assertSameRequest(label, sdk, ours, allowed) {
  assert.ok(sdk, `${label}: the SDK's request was not captured`);
  assert.ok(ours, `${label}: sapcode's request was not captured`);
  assert.equal(ours.method, sdk.method, `${label}: method`);
  assert.equal(ours.path, sdk.path, `${label}: path`);
  const found = [
    ...mapDifferences('query', queryMap(sdk.query), queryMap(ours.query)),
    ...mapDifferences('header', sdk.headers, ours.headers),
    ...bodyDifferences(sdk.body, ours.body)
  ];
  const explained = new Set(allowed.map(d => d.where));
  const unexplained = found.filter(where => !explained.has(where));
  const stale = [...explained].filter(where => !found.includes(where));
  const show = () =>
    `\nSDK:     ${JSON.stringify(sdk, null, 1)}\nsapcode: ${JSON.stringify(ours, null, 1)}`;
  assert.deepEqual(unexplained, [], `${label}: differences nobody explained${show()}`);
  assert.deepEqual(stale, [], `${label}: listed differences that no longer occur${show()}`);
}

// ------------------------------------------------------------------ capturing

async function requestCount() {
  return (await recordedRequests()).length;
}

async function requestsSince(since) {
  return (await recordedRequests()).slice(since).filter(r => r.path !== '/oauth/token');
}

/** Runs `sapcode ARGS` in this project's folder against the simulator; returns the requests
 * it made. */
async function sapcodeRequests(args) {
  const bin = sapcodeBin();
  assert.ok(bin, 'SAPCODE_BIN is not set (run through `cargo test --test conformance`)');
  const home = mkdtempSync(join(tmpdir(), 'sapcode-diff-home-'));
  try {
    const before = await requestCount();
    const res = await runProcess(bin, args, { env: sapcodeEnv(keyJson, home), cwd: projectDir });
    assert.equal(res.code, 0, `sapcode ${args.join(' ')} failed:\n${res.stdout}\n${res.stderr}`);
    return requestsSince(before);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

async function sdkRequests(call) {
  const before = await requestCount();
  await call();
  return requestsSince(before);
}

async function drain(stream) {
  for await (const chunk of stream) void chunk;
}

const posts = (requests, suffix) => requests.filter(r => r.method === 'POST' && r.path.endsWith(suffix));

// ------------------------------------------------------------------ the three calls

test('differential: Azure OpenAI chat streaming with tools, sapcode vs the SDK', async () => {
  const ours = posts(
    await sapcodeRequests(['--model', 'gpt-4o', 'run', '--tools', '--max-tokens', String(MAX_TOKENS), PROMPT]),
    '/chat/completions'
  );
  assert.equal(ours.length, 2, 'a tool round: the question, then the tool result');
  assert.ok(ours[1].body.messages.some(m => m.role === 'tool'), 'the second request carries the tool result');
  const azure = new AzureOpenAiChatClient('gpt-4o');
  for (const [n, request] of ours.entries()) {
    const [sdk] = posts(
      await sdkRequests(async () => {
        const response = await azure.stream({
          messages: request.body.messages,
          tools: request.body.tools,
          max_tokens: MAX_TOKENS
        });
        await drain(response.stream);
      }),
      '/chat/completions'
    );
    assertSameRequest(`Azure request ${n + 1}`, sdk, request, AZURE_STREAM);
  }
});

test('differential: orchestration v2 streaming with history, tools and a tool result', async () => {
  const ours = posts(
    await sapcodeRequests([
      '--mode', 'orchestration', '--model', 'gpt-4o',
      'run', '--tools', '--max-tokens', String(MAX_TOKENS), PROMPT
    ]),
    '/v2/completion'
  );
  assert.equal(ours.length, 2, 'a tool round: the question, then the tool result');
  const request = ours[1];
  const templating = request.body.config.modules.prompt_templating;
  const history = request.body.messages_history;
  assert.ok(history.some(m => m.role === 'assistant' && m.tool_calls?.length), 'history holds the tool call');
  // The conversation as an SDK user writes it: the tool result is the new message.
  const toolResults = templating.prompt.template.map(message => ({
    ...message,
    content: message.content.replace(/\{\{\?(\w+)\}\}/g, (_, name) => request.body.placeholder_values[name])
  }));
  const client = new OrchestrationClient({
    promptTemplating: {
      model: { name: 'gpt-4o', params: { max_completion_tokens: MAX_TOKENS } },
      prompt: { tools: templating.prompt.tools }
    }
  });
  const [sdk] = posts(
    await sdkRequests(async () => {
      const response = await client.stream({ messages: toolResults, messagesHistory: history });
      await drain(response.stream);
    }),
    '/v2/completion'
  );
  assertSameRequest('orchestration tool round', sdk, request, ORCHESTRATION_STREAM);
});

test('differential: orchestration v2 prompt caching for Claude, as an SDK user marks it', async () => {
  const model = 'anthropic--claude-4.5-sonnet';
  const ours = posts(
    await sapcodeRequests([
      '--mode', 'orchestration', '--model', model,
      'run', '--tools', '--max-tokens', String(MAX_TOKENS), PROMPT
    ]),
    '/v2/completion'
  );
  assert.equal(ours.length, 2, 'a tool round: the question, then the tool result');
  const request = ours[1];
  const templating = request.body.config.modules.prompt_templating;
  const ephemeral = { type: 'ephemeral' };
  // The conversation in plain strings, then the SDK's documented CacheControl where a user
  // caches an agent's repeated prefix: the last tool, the system prompt and the last two
  // history messages with text (Anthropic allows four breakpoints).
  const plain = request.body.messages_history.map(message =>
    Array.isArray(message.content)
      ? { ...message, content: message.content.map(item => item.text).join('') }
      : message
  );
  const withText = plain
    .map((message, index) => [message, index])
    .filter(([message]) => typeof message.content === 'string' && message.content.trim() !== '')
    .map(([, index]) => index);
  const marked = new Set([plain.findLastIndex(m => m.role === 'system'), ...withText.slice(-2)]);
  const history = plain.map((message, index) =>
    marked.has(index)
      ? { ...message, content: [{ type: 'text', text: message.content, cache_control: ephemeral }] }
      : message
  );
  const tools = templating.prompt.tools.map(({ cache_control, ...tool }) => tool);
  tools[tools.length - 1] = { ...tools[tools.length - 1], cache_control: ephemeral };
  const toolResults = templating.prompt.template.map(message => ({
    ...message,
    content: message.content.replace(/\{\{\?(\w+)\}\}/g, (_, name) => request.body.placeholder_values[name])
  }));
  const client = new OrchestrationClient({
    promptTemplating: {
      model: { name: model, params: { max_completion_tokens: MAX_TOKENS } },
      prompt: { tools }
    }
  });
  const [sdk] = posts(
    await sdkRequests(async () => {
      const response = await client.stream({ messages: toolResults, messagesHistory: history });
      await drain(response.stream);
    }),
    '/v2/completion'
  );
  assert.ok(
    JSON.stringify(request.body).split('"cache_control"').length - 1 >= 3,
    'sapcode marks the tool, the system prompt and the history'
  );
  assertSameRequest('orchestration Claude tool round with cache_control', sdk, request, ORCHESTRATION_STREAM);
});

// ------------------------------------------------------------------ images

/** Orchestration with the question's text as a placeholder value, as an SDK user writes
 * the template: nothing differs but what every orchestration request shows. */
const ORCHESTRATION_PLAIN = ORCHESTRATION_STREAM.filter(
  d => !['/config/modules/prompt_templating/prompt/template/0/content', '/placeholder_values'].includes(d.where)
);

/** A PNG signature and IHDR of `w`×`h`, padded: what the simulated model reads a size from. */
function png(w, h) {
  const bytes = Buffer.alloc(600, 0x42);
  Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').copy(bytes, 0);
  bytes.writeUInt32BE(w, 16);
  bytes.writeUInt32BE(h, 20);
  return bytes;
}

/** sapcode's requests for one question with `shot.png` attached (`--file`), and the image as
 * an SDK user would put it in a message: a data URL of the file's bytes. */
async function withImage(args, suffix) {
  const dir = mkdtempSync(join(tmpdir(), 'sapcode-diff-image-'));
  try {
    const shot = join(dir, 'shot.png');
    writeFileSync(shot, png(64, 32));
    const ours = posts(
      await sapcodeRequests([
        ...args, 'run', '--tools', 'off', '--max-tokens', String(MAX_TOKENS),
        '--file', shot, 'what is in this image?'
      ]),
      suffix
    );
    assert.equal(ours.length, 1, 'one request: the question with its image');
    const image = { type: 'image_url', image_url: { url: `data:image/png;base64,${readFileSync(shot).toString('base64')}` } };
    return { request: ours[0], image };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('differential: Azure OpenAI chat with an image, as an SDK user sends it', async () => {
  const { request, image } = await withImage(['--model', 'gpt-4o'], '/chat/completions');
  const [system, question] = request.body.messages;
  const text = question.content[0].text;
  assert.ok(text.endsWith('what is in this image?'), text);
  const azure = new AzureOpenAiChatClient('gpt-4o');
  const [sdk] = posts(
    await sdkRequests(async () => {
      const response = await azure.stream({
        messages: [system, { role: 'user', content: [{ type: 'text', text }, image] }],
        max_tokens: MAX_TOKENS
      });
      await drain(response.stream);
    }),
    '/chat/completions'
  );
  assertSameRequest('Azure request with an image', sdk, request, AZURE_STREAM);
});

test('differential: orchestration v2 with an image beside the input placeholder', async () => {
  const { request, image } = await withImage(['--mode', 'orchestration', '--model', 'gpt-4o'], '/v2/completion');
  const input = request.body.placeholder_values.input;
  assert.ok(input.endsWith('what is in this image?'), input);
  const client = new OrchestrationClient({
    promptTemplating: { model: { name: 'gpt-4o', params: { max_completion_tokens: MAX_TOKENS } } }
  });
  const [sdk] = posts(
    await sdkRequests(async () => {
      const response = await client.stream({
        messages: [{ role: 'user', content: [{ type: 'text', text: '{{?input}}' }, image] }],
        messagesHistory: request.body.messages_history,
        placeholderValues: { input }
      });
      await drain(response.stream);
    }),
    '/v2/completion'
  );
  assertSameRequest('orchestration request with an image', sdk, request, ORCHESTRATION_PLAIN);
});

test('differential: listing deployments, sapcode vs the SDK', async () => {
  const listing = r => r.method === 'GET' && r.path === '/v2/lm/deployments';
  const ours = (await sapcodeRequests(['deployments', '--json'])).filter(listing);
  assert.equal(ours.length, 1);
  const sdk = (
    await sdkRequests(() => DeploymentApi.deploymentQuery({}, { 'AI-Resource-Group': 'default' }).execute())
  ).filter(listing);
  assert.equal(sdk.length, 1);
  assertSameRequest('deployment listing', sdk[0], ours[0], DEPLOYMENT_LISTING);
});

/** The allowed differences, printed for the record (visible with --nocapture). */
test('differential: the list of intended differences', () => {
  for (const [call, list] of Object.entries({
    'Azure chat streaming with tools': AZURE_STREAM,
    'orchestration v2 streaming tool round': ORCHESTRATION_STREAM,
    'deployment listing': DEPLOYMENT_LISTING
  })) {
    for (const { where, why } of list) console.log(`# allowed ${call}: ${where}: ${why}`);
  }
});
