// The official SAP Cloud SDK for AI (JavaScript) against a running `sapcode simulate`,
// found through AICORE_SERVICE_KEY exactly as the SDK documents it. Each call below is one
// that SAP's SDK makes against SAP AI Core; the simulator has to answer it the same way.
import { test, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { DeploymentApi, ScenarioApi, resolveDeploymentUrl } from '@sap-ai-sdk/ai-api';
import { OrchestrationClient } from '@sap-ai-sdk/orchestration';
import { AzureOpenAiChatClient } from '@sap-ai-sdk/foundation-models';
import { join } from 'node:path';
import {
  serviceKey,
  simBaseUrl,
  setFaults,
  recordedRequests,
  errorText,
  runProcess,
  lastJsonLine,
  projectDir
} from '../lib/common.mjs';

const key = serviceKey();
const base = simBaseUrl(key);
const inferenceUrl = id => `${base}/v2/inference/deployments/${id}`;

// Every test starts from a well-behaved simulator; the last one leaves it so.
beforeEach(() => setFaults(''));
after(() => setFaults(''));

const addTool = {
  type: 'function',
  function: {
    name: 'add',
    description: 'Adds two integers',
    parameters: {
      type: 'object',
      properties: { a: { type: 'integer' }, b: { type: 'integer' } },
      required: ['a', 'b']
    }
  }
};

/** Requests the simulator saw since `since` (an index into its log), without the token call. */
async function requestsSince(since) {
  return (await recordedRequests()).slice(since).filter(r => r.path !== '/oauth/token');
}

async function requestCount() {
  return (await recordedRequests()).length;
}

/** Consumes a stream and returns the concatenated delta text. */
async function drain(stream) {
  let text = '';
  for await (const chunk of stream) text += chunk.getDeltaContent() ?? '';
  return text;
}

// ---------------------------------------------------------------- AI API: deployments

test('DeploymentApi.deploymentQuery lists every deployment of resource group default', async () => {
  const list = await DeploymentApi.deploymentQuery({}, { 'AI-Resource-Group': 'default' }).execute();
  assert.equal(list.count, list.resources.length);
  const byModel = {};
  for (const d of list.resources) {
    assert.match(d.id, /^d[0-9a-f]{15}$/);
    assert.ok(d.configurationId && d.createdAt && d.modifiedAt, `required fields on ${d.id}`);
    const model = d.details?.resources?.backendDetails?.model?.name ?? `(${d.scenarioId})`;
    (byModel[model] ??= []).push(d.status);
  }
  assert.deepEqual(byModel['gpt-4o'].sort(), ['PENDING', 'RUNNING', 'RUNNING']);
  assert.deepEqual(byModel['gpt-4.1'], ['RUNNING']);
  assert.deepEqual(byModel['o3-mini'], ['RUNNING']);
  assert.deepEqual(byModel['gpt-4.1-mini'], ['STOPPED']);
  assert.deepEqual(byModel['mistralai--mistral-large-instruct'].sort(), ['DEAD', 'RUNNING']);
  assert.deepEqual(byModel['(orchestration)'], ['RUNNING']);
});

test('DeploymentApi.deploymentQuery filters by scenarioId, status and executableIds on the server', async () => {
  const before = await requestCount();
  const list = await DeploymentApi.deploymentQuery(
    { scenarioId: 'foundation-models', status: 'RUNNING', executableIds: ['azure-openai'] },
    { 'AI-Resource-Group': 'default' }
  ).execute();
  assert.ok(list.resources.length > 0);
  for (const d of list.resources) {
    assert.equal(d.status, 'RUNNING');
    assert.equal(d.scenarioId, 'foundation-models');
    assert.equal(d.executableId, 'azure-openai');
  }
  const [request] = await requestsSince(before);
  assert.equal(request.path, '/v2/lm/deployments');
  assert.match(request.query, /scenarioId=foundation-models/);
  assert.match(request.query, /status=RUNNING/);
  assert.match(request.query, /executableIds=azure-openai/);
  assert.equal(request.resource_group, 'default');
});

test('DeploymentApi.deploymentCount and deploymentGet', async () => {
  const count = await DeploymentApi.deploymentCount({ scenarioId: 'foundation-models' }, { 'AI-Resource-Group': 'default' }).execute();
  assert.equal(Number(count), 8);
  const one = await DeploymentApi.deploymentGet('d7f3a9c2b1e04d11', {}, { 'AI-Resource-Group': 'default' }).execute();
  assert.equal(one.id, 'd7f3a9c2b1e04d11');
  assert.equal(one.status, 'RUNNING');
  assert.equal(one.details.resources.backendDetails.model.name, 'gpt-4o');
});

test('ScenarioApi.scenarioQueryModels returns the foundation-model catalog', async () => {
  const models = await ScenarioApi.scenarioQueryModels('foundation-models', { 'AI-Resource-Group': 'default' }).execute();
  assert.equal(models.count, models.resources.length);
  const gpt4o = models.resources.find(m => m.model === 'gpt-4o');
  assert.ok(gpt4o, 'gpt-4o in the catalog');
  assert.equal(gpt4o.versions.filter(v => v.isLatest).length, 1, 'exactly one latest version');
});

test('resolveDeploymentUrl resolves a model name to its first RUNNING deployment', async () => {
  const url = await resolveDeploymentUrl({ scenarioId: 'foundation-models', executableId: 'azure-openai', model: { name: 'gpt-4o' } });
  assert.equal(url, inferenceUrl('d7f3a9c2b1e04d11'));
  const mistral = await resolveDeploymentUrl({ scenarioId: 'foundation-models', model: { name: 'mistralai--mistral-large-instruct' } });
  assert.equal(mistral, inferenceUrl('d15a000000000003'), 'the RUNNING one, never the DEAD one');
  await assert.rejects(
    resolveDeploymentUrl({ scenarioId: 'foundation-models', model: { name: 'gpt-4.1-mini' } }),
    /No deployment matched/i,
    'a model with only a STOPPED deployment does not resolve'
  );
});

// ---------------------------------------------------------------- orchestration

const orchestration = new OrchestrationClient({ promptTemplating: { model: { name: 'gpt-4o' } } });

test('OrchestrationClient.chatCompletion: text, usage, finish reason', async () => {
  const before = await requestCount();
  const response = await orchestration.chatCompletion({ messages: [{ role: 'user', content: 'Say hello' }] });
  const text = response.getContent();
  assert.match(text, /gpt-4o/);
  assert.equal(response.getFinishReason(), 'stop');
  const usage = response.getTokenUsage();
  assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  assert.equal(usage.total_tokens, usage.prompt_tokens + usage.completion_tokens);
  assert.ok(response.getRequestId());
  assert.deepEqual(response.getAllMessages().at(-1), { role: 'assistant', content: text });
  const calls = await requestsSince(before);
  const completion = calls.find(r => r.method === 'POST');
  assert.match(completion.path, /^\/v2\/inference\/deployments\/d[0-9a-f]{15}\/v2\/completion$/);
});

test('OrchestrationClient.stream: same text as non-streaming, usage and finish reason at the end', async () => {
  const whole = await orchestration.chatCompletion({ messages: [{ role: 'user', content: 'Say hello' }] });
  const response = await orchestration.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  const text = await drain(response.stream);
  assert.equal(text, whole.getContent());
  assert.equal(response.getContent(), text);
  assert.equal(response.getFinishReason(), 'stop');
  assert.deepEqual(response.getTokenUsage(), whole.getTokenUsage());
});

test('OrchestrationClient.stream.toContentStream yields the text', async () => {
  const response = await orchestration.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  let text = '';
  for await (const piece of response.stream.toContentStream()) text += piece;
  assert.match(text, /gpt-4o/);
});

const orchestrationWithTools = new OrchestrationClient({
  promptTemplating: { model: { name: 'gpt-4o' }, prompt: { tools: [addTool] } }
});

test('OrchestrationClient.chatCompletion with tools: a tool call', async () => {
  const response = await orchestrationWithTools.chatCompletion({ messages: [{ role: 'user', content: 'Add 2 and 3.' }] });
  assert.equal(response.getFinishReason(), 'tool_calls');
  const calls = response.getToolCalls();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].type, 'function');
  assert.equal(calls[0].function.name, 'add');
  assert.match(calls[0].id, /^call_/);
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { a: 2, b: 3 });
});

test('OrchestrationClient.stream with tools: the SDK assembles the same tool call', async () => {
  const whole = await orchestrationWithTools.chatCompletion({ messages: [{ role: 'user', content: 'Add 2 and 3.' }] });
  const response = await orchestrationWithTools.stream({ messages: [{ role: 'user', content: 'Add 2 and 3.' }] });
  await drain(response.stream);
  assert.equal(response.getFinishReason(), 'tool_calls');
  const calls = response.getToolCalls();
  assert.equal(calls.length, 1);
  assert.equal(calls[0].id, whole.getToolCalls()[0].id);
  assert.equal(calls[0].function.name, 'add');
  assert.deepEqual(JSON.parse(calls[0].function.arguments), { a: 2, b: 3 });
  assert.ok(response.getTokenUsage().total_tokens > 0);
});

test('OrchestrationClient.stream: a mid-stream error event becomes the SDK error (fault error-after=2)', async () => {
  await setFaults('error-after=2');
  const response = await orchestration.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  let text = '';
  let chunks = 0;
  const error = await (async () => {
    try {
      for await (const chunk of response.stream) {
        text += chunk.getDeltaContent() ?? '';
        chunks++;
      }
    } catch (err) {
      return err;
    }
    return null;
  })();
  assert.ok(error, `the stream ended without an error after ${chunks} chunks: ${JSON.stringify(text)}`);
  const message = errorText(error);
  assert.match(message, /Error received from the server/);
  assert.match(message, /"code":500/);
  assert.match(message, /LLM Module/);
  assert.ok(text.length > 0, 'the two chunks before the error arrived');
});

test('OrchestrationClient.chatCompletion: an HTTP 400 for an unknown model is the SDK error', async () => {
  const client = new OrchestrationClient({ promptTemplating: { model: { name: 'no-such-model' } } });
  await assert.rejects(client.chatCompletion({ messages: [{ role: 'user', content: 'hi' }] }), err => {
    assert.equal(err.cause?.response?.status ?? err.response?.status, 400, errorText(err));
    return true;
  });
});

test('OrchestrationClient: template placeholders, message history, max_tokens and chunk_size', async () => {
  const client = new OrchestrationClient({
    promptTemplating: {
      model: { name: 'gpt-4o', params: { max_tokens: 5 } },
      prompt: { template: [{ role: 'system', content: 'You are {{?who}}.' }] }
    }
  });
  const before = await requestCount();
  const response = await client.chatCompletion({
    placeholderValues: { who: 'terse' },
    messagesHistory: [
      { role: 'user', content: 'Earlier' },
      { role: 'assistant', content: 'Yes' }
    ],
    messages: [{ role: 'user', content: 'Now tell me' }]
  });
  assert.equal(response.getFinishReason(), 'length', 'max_tokens cut the answer');
  assert.equal(response.getTokenUsage().completion_tokens, 5);
  const templating = response.getIntermediateResults().templating;
  assert.deepEqual(templating.at(-2), { role: 'system', content: 'You are terse.' }, 'placeholder filled');
  const [post] = (await requestsSince(before)).filter(r => r.method === 'POST');
  assert.deepEqual(post.body.placeholder_values, { who: 'terse' });
  assert.equal(post.body.messages_history.length, 2);

  const streamed = await client.stream(
    { placeholderValues: { who: 'terse' }, messages: [{ role: 'user', content: 'Now tell me' }] },
    undefined,
    { global: { chunk_size: 7 } }
  );
  const pieces = [];
  for await (const chunk of streamed.stream) pieces.push(chunk.getDeltaContent() ?? '');
  assert.ok(pieces.filter(Boolean).length >= 2, `several chunks: ${JSON.stringify(pieces)}`);
  assert.ok(pieces.every(p => p.length <= 7), `chunk_size 7 honoured: ${JSON.stringify(pieces)}`);
  assert.equal(streamed.getFinishReason(), 'length');
});

test('OrchestrationClient: a missing placeholder value is a 400 at "Input Parameters"', async () => {
  const client = new OrchestrationClient({
    promptTemplating: { model: { name: 'gpt-4o' }, prompt: { template: [{ role: 'system', content: 'You are {{?who}}.' }] } }
  });
  await assert.rejects(client.chatCompletion({ messages: [{ role: 'user', content: 'x' }] }), err => {
    const response = err.cause?.response ?? err.response;
    assert.equal(response?.status, 400, errorText(err));
    assert.equal(response.data.error.location, 'Input Parameters');
    assert.match(response.data.error.message, /who/);
    return true;
  });
});

test('OrchestrationClient: 429 with Retry-After reaches the SDK as the HTTP error (fault 429=1)', async () => {
  await setFaults('429=1');
  await assert.rejects(orchestration.chatCompletion({ messages: [{ role: 'user', content: 'hi' }] }), err => {
    const response = err.cause?.response ?? err.response;
    assert.equal(response?.status, 429, errorText(err));
    assert.equal(response.headers['retry-after'], '1');
    assert.equal(response.data.error.code, 429);
    return true;
  });
  // The fault is spent: the next call goes through.
  assert.match((await orchestration.chatCompletion({ messages: [{ role: 'user', content: 'hi' }] })).getContent(), /gpt-4o/);
});

// ---------------------------------------------------------------- Azure OpenAI

const azure = new AzureOpenAiChatClient('gpt-4o');

test('AzureOpenAiChatClient.run: text, usage, finish reason; api-version on the URL', async () => {
  const before = await requestCount();
  const response = await azure.run({ messages: [{ role: 'user', content: 'Say hello' }] });
  assert.match(response.getContent(), /gpt-4o/);
  assert.equal(response.getFinishReason(), 'stop');
  const usage = response.getTokenUsage();
  assert.ok(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
  const post = (await requestsSince(before)).find(r => r.method === 'POST');
  assert.equal(post.path, '/v2/inference/deployments/d7f3a9c2b1e04d11/chat/completions');
  assert.match(post.query, /api-version=\d{4}-\d{2}-\d{2}/);
});

test('AzureOpenAiChatClient.stream: same text, usage chunk, finish reason', async () => {
  const whole = await azure.run({ messages: [{ role: 'user', content: 'Say hello' }] });
  const response = await azure.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  const text = await drain(response.stream);
  assert.equal(text, whole.getContent());
  assert.equal(response.getFinishReason(), 'stop');
  const usage = response.getTokenUsage();
  assert.equal(usage.prompt_tokens, whole.getTokenUsage().prompt_tokens);
  assert.equal(usage.completion_tokens, whole.getTokenUsage().completion_tokens);
});

test('AzureOpenAiChatClient run and stream with tools: the same tool call', async () => {
  const request = { messages: [{ role: 'user', content: 'Add 2 and 3.' }], tools: [addTool] };
  const whole = await azure.run(request);
  assert.equal(whole.getFinishReason(), 'tool_calls');
  const [call] = whole.getToolCalls();
  assert.equal(call.function.name, 'add');
  assert.deepEqual(JSON.parse(call.function.arguments), { a: 2, b: 3 });
  const response = await azure.stream(request);
  await drain(response.stream);
  assert.equal(response.getFinishReason(), 'tool_calls');
  const [streamed] = response.getToolCalls();
  assert.equal(streamed.id, call.id);
  assert.equal(streamed.function.name, 'add');
  assert.equal(streamed.function.arguments, call.function.arguments);
});

test('AzureOpenAiChatClient.stream: a mid-stream error event becomes the SDK error (fault error-after=2)', async () => {
  await setFaults('error-after=2');
  const response = await azure.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  await assert.rejects(drain(response.stream), err => {
    assert.match(errorText(err), /Error received from the server[\s\S]*server_error/);
    return true;
  });
});

// ---------------------------------------------------------------- tokens

test('the SDK reads the JWT expiry and fetches a new token once it lapses (fault token-ttl=2)', async () => {
  await setFaults('token-ttl=2');
  const before = await requestCount();
  // A process of its own, so no longer-lived token from the tests above is cached.
  const res = await runProcess(process.execPath, [join(projectDir, 'lib', 'token-expiry.mjs'), '2500']);
  const result = lastJsonLine(res.stdout);
  assert.ok(result?.ok, `the second call failed: ${result?.error ?? res.stdout + res.stderr}`);
  const calls = (await recordedRequests()).slice(before).map(r => r.path);
  assert.deepEqual(
    calls,
    ['/oauth/token', '/v2/lm/deployments', '/oauth/token', '/v2/lm/deployments'],
    'one token per call: the first had lapsed (2 s) before the second call'
  );
});

// ---------------------------------------------------------------- other resource group

test('resource group team-b: deployments, orchestration and a model deployment of its own', async () => {
  const list = await DeploymentApi.deploymentQuery({}, { 'AI-Resource-Group': 'team-b' }).execute();
  assert.equal(list.count, 4);
  assert.deepEqual(
    list.resources.map(d => [d.id, d.executableId, d.status]),
    [
      ['db00000000000001', 'orchestration', 'RUNNING'],
      ['db00000000000002', 'azure-openai', 'RUNNING'],
      ['db00000000000003', 'aws-bedrock', 'RUNNING'],
      ['db00000000000004', 'gcp-vertexai', 'RUNNING']
    ]
  );
  const ids = new Set(list.resources.map(d => d.id));
  const defaults = await DeploymentApi.deploymentQuery({}, { 'AI-Resource-Group': 'default' }).execute();
  for (const d of defaults.resources) assert.ok(!ids.has(d.id), `${d.id} of default shows up in team-b`);
  const orchestrationB = list.resources.find(d => d.scenarioId === 'orchestration');
  const gpt41B = list.resources.find(d => d.details?.resources?.backendDetails?.model?.name === 'gpt-4.1');
  assert.ok(orchestrationB && gpt41B, JSON.stringify(list.resources));

  const before = await requestCount();
  const client = new OrchestrationClient({ promptTemplating: { model: { name: 'gpt-4o' } } }, { resourceGroup: 'team-b' });
  const response = await client.chatCompletion({ messages: [{ role: 'user', content: 'Say hello' }] });
  assert.match(response.getContent(), /gpt-4o/);
  const azureB = new AzureOpenAiChatClient({ modelName: 'gpt-4.1', resourceGroup: 'team-b' });
  const streamed = await azureB.stream({ messages: [{ role: 'user', content: 'Say hello' }] });
  assert.match(await drain(streamed.stream), /gpt-4\.1/);

  const posts = (await requestsSince(before)).filter(r => r.method === 'POST');
  assert.deepEqual(
    posts.map(r => [r.path, r.resource_group]),
    [
      [`/v2/inference/deployments/${orchestrationB.id}/v2/completion`, 'team-b'],
      [`/v2/inference/deployments/${gpt41B.id}/chat/completions`, 'team-b']
    ]
  );
});
