// Every recorded SSE body (`tests/fixtures/**/*stream*.txt`) is replayed verbatim by
// `sapcode simulate --replay FILE`, then parsed by the official SAP SDK and by sapcode:
// both must see the same text, tool calls, usage, finish reason and errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  fixturesDir,
  streamFixtures,
  sapcodeBin,
  sapPython,
  startSimulator,
  sdkStream,
  pythonSdkStream,
  sapcodeRun
} from '../lib/common.mjs';

const fixtures = streamFixtures();

test('there are recorded stream fixtures to replay', () => {
  assert.ok(fixtures.length >= 5, `found only ${fixtures.length} fixtures under ${fixturesDir}`);
});

/** Which SDK client and which sapcode flags parse a fixture. */
function clientFor(fixture) {
  if (fixture.includes('orchestration/')) return { sdk: 'orchestration', sapcode: ['--mode', 'orchestration'] };
  if (/foundation-models\/azure-openai/.test(fixture)) return { sdk: 'azure', sapcode: ['--model', 'gpt-4o'] };
  return null;
}

/** The error message a fixture carries in a `data: {"error": ...}` event, if any. */
function fixtureError(path) {
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.startsWith('data: {')) continue;
    const data = JSON.parse(line.slice(6));
    if (data.error) return (Array.isArray(data.error) ? data.error[0] : data.error).message;
  }
  return null;
}

for (const fixture of fixtures) {
  test(`replay ${fixture}: SAP SDK and sapcode agree`, { skip: !sapcodeBin() && 'SAPCODE_BIN not set' }, async () => {
    const client = clientFor(fixture);
    assert.ok(client, `no SAP SDK client is known for ${fixture}: add one to clientFor()`);
    const path = join(fixturesDir, fixture);
    const sim = await startSimulator({ replay: path });
    try {
      const [sdk, ours] = await Promise.all([
        sdkStream(sim.keyJson, client.sdk),
        sapcodeRun(sim.keyJson, client.sapcode)
      ]);
      const context = `\nSAP SDK: ${JSON.stringify(sdk.result)}\nsapcode: ${JSON.stringify(ours.result)}\nsapcode stderr: ${ours.stderr}`;
      const expectedError = fixtureError(path);
      if (expectedError) {
        assert.ok(sdk.result.error?.includes(expectedError), `SAP SDK did not surface "${expectedError}"${context}`);
        assert.ok(ours.result.error?.includes(expectedError), `sapcode did not surface "${expectedError}"${context}`);
        assert.equal(ours.code, 5, `sapcode run should exit 5 on an in-stream error${context}`);
      } else {
        assert.equal(sdk.result.error, null, `SAP SDK failed${context}`);
        assert.equal(ours.result.error, null, `sapcode failed${context}`);
        assert.equal(ours.code, 0, `sapcode run exit code${context}`);
        assert.ok(sdk.result.text || sdk.result.toolCalls.length, `fixture gave neither text nor tool calls${context}`);
      }
      assert.equal(ours.result.text, sdk.result.text, `text differs${context}`);
      assert.deepEqual(ours.result.toolCalls, sdk.result.toolCalls, `tool calls differ${context}`);
      if (sdk.result.sdkToolCalls) {
        assert.deepEqual(sdk.result.sdkToolCalls, sdk.result.toolCalls, `SDK assembled other tool calls than its deltas${context}`);
      }
      assert.deepEqual(ours.result.usage, sdk.result.usage, `usage differs${context}`);
      assert.equal(ours.result.finishReason, sdk.result.finishReason, `finish reason differs${context}`);

      // The Python SDK (orchestration v2 only) must read the same recording the same way.
      if (client.sdk === 'orchestration' && sapPython()) {
        const py = await pythonSdkStream(sim.keyJson);
        const pyContext = `${context}\nPython SDK: ${JSON.stringify(py.result)}\n${py.stderr}`;
        if (expectedError) {
          assert.ok(py.result.error?.includes(expectedError), `Python SDK did not surface "${expectedError}"${pyContext}`);
        } else {
          assert.equal(py.result.error, null, `Python SDK failed${pyContext}`);
        }
        assert.equal(py.result.text, ours.result.text, `Python SDK: text differs${pyContext}`);
        assert.deepEqual(py.result.toolCalls, ours.result.toolCalls, `Python SDK: tool calls differ${pyContext}`);
        assert.deepEqual(py.result.usage, ours.result.usage, `Python SDK: usage differs${pyContext}`);
        assert.equal(py.result.finishReason, ours.result.finishReason, `Python SDK: finish reason differs${pyContext}`);
      }
    } finally {
      await sim.stop();
    }
  });
}
