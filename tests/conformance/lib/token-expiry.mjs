// A fresh SDK process (no cached token) that lists deployments, waits past the lifetime of
// the token it got, and lists again. Run with the simulator's `token-ttl=2` fault set.
// Prints one JSON line: { ok, error }.
import { DeploymentApi } from '@sap-ai-sdk/ai-api';
import { errorText } from './common.mjs';

const waitMs = Number(process.argv[2] ?? 2500);
const query = () => DeploymentApi.deploymentQuery({}, { 'AI-Resource-Group': 'default' }).execute();
const result = { ok: false, error: null };
try {
  await query();
  await new Promise(resolve => setTimeout(resolve, waitMs));
  await query();
  result.ok = true;
} catch (err) {
  result.error = errorText(err);
}
process.stdout.write(JSON.stringify(result) + '\n');
