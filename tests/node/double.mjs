// What the node tests share: the SDK's client of the double, and its controls.
import assert from 'node:assert/strict';
import Julep from '@julep/sdk';

export const julep = new Julep(); // reads JULEP_BASE_URL and JULEP_API_KEY

export async function control(method, path, body) {
  // The controls live at the double's root, beside /api: an absolute path drops the base URL's own path.
  const response = await fetch(new URL(path, julep.baseURL), {
    method,
    headers: { Authorization: `Bearer ${julep.apiKey}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) assert.fail(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}

export const journal = async () => (await control('GET', '/_double/requests')).items;

// The error a call rejects with; a call that succeeds fails the test.
export async function rejection(promise) {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  assert.fail('the call succeeded');
}
