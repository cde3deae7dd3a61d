// Helpers shared by the conformance tests: the simulator's admin endpoints, spawning
// `sapcode`, and turning what the SAP SDK or sapcode report into one comparable shape.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, readdirSync, statSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const projectDir = dirname(dirname(fileURLToPath(import.meta.url)));
export const repoDir = join(projectDir, '..', '..');
export const fixturesDir = join(repoDir, 'tests', 'fixtures');

/** The service key the SAP SDK reads, exactly as SAP documents it: `AICORE_SERVICE_KEY`. */
export function serviceKey() {
  const raw = process.env.AICORE_SERVICE_KEY;
  if (!raw) {
    throw new Error(
      'AICORE_SERVICE_KEY is not set: start `sapcode simulate --port 0 --key-file key.json` ' +
        'and export AICORE_SERVICE_KEY="$(cat key.json)" (or run `cargo test --test conformance`)'
    );
  }
  return JSON.parse(raw);
}

export function simBaseUrl(key = serviceKey()) {
  return key.serviceurls.AI_API_URL.replace(/\/+$/, '');
}

/** `POST /_sim/faults`: replaces the simulator's fault switches; '' resets them. */
export async function setFaults(spec, key = serviceKey()) {
  const res = await fetch(`${simBaseUrl(key)}/_sim/faults`, { method: 'POST', body: spec });
  if (!res.ok) {
    throw new Error(`POST /_sim/faults ${JSON.stringify(spec)}: ${res.status} ${await res.text()}`);
  }
}

/** `GET /_sim/requests`: every request the simulator received, in order. */
export async function recordedRequests(key = serviceKey()) {
  const res = await fetch(`${simBaseUrl(key)}/_sim/requests`);
  if (!res.ok) throw new Error(`GET /_sim/requests: ${res.status}`);
  return res.json();
}

/** The path of the sapcode binary (set by the Rust conformance test). */
export function sapcodeBin() {
  return process.env.SAPCODE_BIN || null;
}

/** Runs a command; resolves with exit code and output, kills it after `timeoutMs`. */
export function runProcess(cmd, args, { env = {}, timeoutMs = 30_000, input, cwd } = {}) {
  return new Promise((resolve, reject) => {
    const merged = { ...process.env, ...env };
    for (const [name, value] of Object.entries(merged)) if (value === undefined) delete merged[name];
    const child = spawn(cmd, args, {
      env: merged,
      cwd,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe']
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', d => (stdout += d));
    child.stderr.on('data', d => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', err => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin.end(input);
  });
}

/**
 * Starts `sapcode simulate --port 0 --key-file F [--replay R]` and waits for the key file.
 * Returns `{ key, keyJson, stop }`.
 */
export async function startSimulator({ replay } = {}) {
  const bin = sapcodeBin();
  if (!bin) throw new Error('SAPCODE_BIN is not set');
  const dir = mkdtempSync(join(tmpdir(), 'sapcode-conf-'));
  const keyFile = join(dir, 'key.json');
  const args = ['simulate', '--port', '0', '--key-file', keyFile];
  if (replay) args.push('--replay', replay);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', d => (output += d));
  child.stderr.on('data', d => (output += d));
  let exited = null;
  child.on('exit', code => (exited = code));
  const deadline = Date.now() + 15_000;
  while (!existsSync(keyFile) || statSync(keyFile).size === 0) {
    if (exited !== null) throw new Error(`sapcode simulate exited with ${exited}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`sapcode simulate wrote no key file within 15 s:\n${output}`);
    }
    await new Promise(r => setTimeout(r, 25));
  }
  // The file is written once the server listens; read until it parses (no torn reads).
  let keyJson;
  for (;;) {
    try {
      keyJson = readFileSync(keyFile, 'utf8');
      JSON.parse(keyJson);
      break;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise(r => setTimeout(r, 25));
    }
  }
  return {
    key: JSON.parse(keyJson),
    keyJson,
    output: () => output,
    stop: () =>
      new Promise(resolve => {
        if (exited !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
        rmSync(dir, { recursive: true, force: true });
      })
  };
}

/** Every `*stream*.txt` under the fixtures folder, as paths relative to it. */
export function streamFixtures(dir = fixturesDir) {
  const found = [];
  const walk = d => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const path = join(d, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/stream.*\.txt$/.test(entry.name)) found.push(relative(dir, path));
    }
  };
  walk(dir);
  return found.sort();
}

/**
 * The comparable outcome of one streamed turn:
 * `{ text, toolCalls: [{index,id,name,arguments}], usage: {prompt,completion,total}|null,
 *    finishReason, error: string|null }`.
 */
export function outcome() {
  return { text: '', toolCalls: [], usage: null, finishReason: null, error: null };
}

export function normalizeUsage(usage) {
  if (!usage) return null;
  return {
    prompt_tokens: usage.prompt_tokens,
    completion_tokens: usage.completion_tokens,
    total_tokens: usage.total_tokens
  };
}

/** Folds tool-call deltas (`{index, id?, function:{name?, arguments?}}`) by index. */
export function addToolCallDelta(calls, delta) {
  let call = calls.find(c => c.index === delta.index);
  if (!call) {
    call = { index: delta.index, id: null, name: null, arguments: '' };
    calls.push(call);
    calls.sort((a, b) => a.index - b.index);
  }
  if (delta.id) call.id = delta.id;
  const name = delta.function?.name ?? delta.name;
  if (name) call.name = (call.name ?? '') + name;
  call.arguments += delta.function?.arguments ?? delta.arguments ?? '';
}

/** Error text including every `cause` in the chain (the SDK wraps the server's error). */
export function errorText(err) {
  const parts = [];
  for (let e = err; e; e = e.cause) {
    parts.push(e.message ?? String(e));
    if (e.response?.data) parts.push(JSON.stringify(e.response.data));
  }
  return parts.join('\n');
}

/** The last stdout line that parses as JSON (the SDK logs to stdout too). */
export function lastJsonLine(stdout) {
  const lines = stdout.split('\n').filter(l => l.trim().startsWith('{'));
  for (let i = lines.length - 1; i >= 0; i--) {
    try {
      return JSON.parse(lines[i]);
    } catch {
      // a log line that happens to start with `{`
    }
  }
  return null;
}

/** Runs `node lib/sdk-stream.mjs MODE` with `AICORE_SERVICE_KEY=keyJson`. */
export async function sdkStream(keyJson, mode, prompt = 'Hello') {
  const res = await runProcess(process.execPath, [join(projectDir, 'lib', 'sdk-stream.mjs'), mode, prompt], {
    env: { AICORE_SERVICE_KEY: keyJson }
  });
  const result = lastJsonLine(res.stdout);
  if (!result) {
    throw new Error(`sdk-stream.mjs ${mode} printed no result (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  return { result, ...res };
}

/** Python with `sap-ai-sdk-gen` installed (set by the Rust conformance test), or null. */
export function sapPython() {
  return process.env.SAP_PYTHON || null;
}

/** Runs `python python/sdk_stream.py orchestration` with `AICORE_SERVICE_KEY=keyJson`. */
export async function pythonSdkStream(keyJson, prompt = 'Hello') {
  const res = await runProcess(sapPython(), [join(projectDir, 'python', 'sdk_stream.py'), 'orchestration', prompt], {
    env: { AICORE_SERVICE_KEY: keyJson, AICORE_RESOURCE_GROUP: undefined }
  });
  const result = lastJsonLine(res.stdout);
  if (!result) {
    throw new Error(`python sdk_stream.py printed no result (exit ${res.code}):\n${res.stdout}\n${res.stderr}`);
  }
  return { result, ...res };
}

/** The environment for `sapcode` against the simulator whose key is `keyJson`, with the
 * user's config, caches and keyring kept out of it (all under `home`). */
export function sapcodeEnv(keyJson, home) {
  return {
    AICORE_SERVICE_KEY: keyJson,
    HOME: home,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    SAPCODE_CONFIG: join(home, 'config.toml'),
    SAPCODE_KEYRING: `insecure-file:${join(home, 'keyring.json')}`,
    NO_COLOR: '1',
    AICORE_RESOURCE_GROUP: undefined
  };
}

/** Runs `sapcode run --json` against the simulator whose key is `keyJson`; parses its events. */
export async function sapcodeRun(keyJson, args, prompt = 'Hello') {
  const bin = sapcodeBin();
  const home = mkdtempSync(join(tmpdir(), 'sapcode-conf-home-'));
  try {
    const res = await runProcess(bin, ['run', '--json', ...args, prompt], {
      env: sapcodeEnv(keyJson, home)
    });
    const result = outcome();
    const events = [];
    for (const line of res.stdout.split('\n').filter(l => l.trim())) {
      let event;
      try {
        event = JSON.parse(line);
      } catch {
        throw new Error(`sapcode run --json printed a non-JSON line: ${line}\nstderr: ${res.stderr}`);
      }
      events.push(event);
      switch (event.type) {
        case 'delta':
          result.text += event.text;
          break;
        case 'tool_call':
          addToolCallDelta(result.toolCalls, event);
          break;
        case 'usage':
          result.usage = normalizeUsage(event);
          break;
        case 'done':
          result.finishReason = event.finish_reason ?? null;
          break;
        case 'error':
          result.error = event.message;
          break;
        default:
          break;
      }
    }
    return { result, events, ...res };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
