// The official Node SDK's users.docs against a running double: JULEP_BASE_URL and JULEP_API_KEY name it (tests/test_node_sdk.py).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import { BadRequestError, ConflictError, NotFoundError, UnprocessableEntityError } from '@julep/sdk';

import { control, journal, julep, rejection } from './double.mjs';

const NOW = '2026-01-01T00:00:00Z';
const USER_ID = '0190e6a2-7b6f-7b5e-9c1a-1234567890ab';
const DOC_1 = '019b76da-a800-7000-8000-000000000001'; // the ids made under the frozen clock
const DOC_2 = '019b76da-a800-7000-8000-000000000002';
const TAIL = { modality: 'text', language: 'english', embedding_model: 'text-embedding-3-large', embedding_dimensions: 1024 };

const unit = (...weights) => [...weights, ...Array(1024 - weights.length).fill(0)];

beforeEach(async () => {
  await control('POST', '/_double/reset');
  await control('POST', '/_double/clock', { now: NOW });
  await julep.users.createOrUpdate(USER_ID, { name: 'Ada' });
});

test('users.docs.create answers the doc, its content a list and its metadata in jsonb order', async () => {
  assert.deepEqual(await julep.users.docs.create(USER_ID, { title: 'Hello', content: 'fox', metadata: { tag: 'a', n: 1 } }), {
    id: DOC_1,
    metadata: { n: 1, tag: 'a' },
    created_at: NOW,
    title: 'Hello',
    content: ['fox'],
    embeddings: null,
    ...TAIL,
  });
});

test('a duplicate doc throws ConflictError (without retries)', async () => {
  await julep.users.docs.create(USER_ID, { title: 'T', content: 'same' });
  const error = await rejection(julep.users.docs.create(USER_ID, { title: 'T', content: 'same' }, { maxRetries: 0 }));
  assert.ok(error instanceof ConflictError);
  assert.deepEqual([error.status, error.error], [409, { detail: 'A doc with this content already exists during create' }]);
});

test('users.docs.list sends metadata_filter as dotted keys; from offset 0 it stops after one page (SDK bug)', async () => {
  for (const n of [0, 1, 2]) await julep.users.docs.create(USER_ID, { title: `D${n}`, content: `c${n}`, metadata: { batch: 'x' } });
  const titles = [];
  for await (const doc of julep.users.docs.list(USER_ID, { limit: 2, direction: 'asc', metadata_filter: { batch: 'x' } })) {
    titles.push(doc.title);
  }
  assert.deepEqual(titles, ['D0', 'D1']);
  const listed = (await journal()).filter((entry) => entry.method === 'GET');
  assert.deepEqual(listed.map((entry) => entry.query), [{ limit: '2', direction: 'asc', 'metadata_filter.batch': 'x' }]);
});

test('users.docs.list with a numeric metadata_filter throws BadRequestError, as the hosted service answers', async () => {
  const error = await rejection(julep.users.docs.list(USER_ID, { metadata_filter: { n: 1 } }));
  assert.ok(error instanceof BadRequestError);
  assert.deepEqual([error.status, error.error], [400, { detail: 'Invalid doc data provided during list' }]);
});

test('users.docs.delete answers the deletion, then throws NotFoundError', async () => {
  await julep.users.docs.create(USER_ID, { title: 'T', content: 'c' });
  assert.deepEqual(await julep.users.docs.delete(USER_ID, DOC_1), { id: DOC_1, deleted_at: NOW, jobs: [] });
  const error = await rejection(julep.users.docs.delete(USER_ID, DOC_1));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual([error.status, error.error], [404, { detail: 'No doc found during delete' }]);
});

test('users.docs.bulkDelete answers one item a chunk', async () => {
  await julep.users.docs.create(USER_ID, { title: 'A', content: 'a', metadata: { tag: 'x' } });
  await julep.users.docs.create(USER_ID, { title: 'B', content: ['b0', 'b1'], metadata: { tag: 'y' } });
  const deleted = { id: DOC_2, deleted_at: NOW, jobs: [] };
  assert.deepEqual(await julep.users.docs.bulkDelete(USER_ID, { metadata_filter: { tag: 'y' } }), [deleted, deleted]);
  assert.deepEqual(await julep.users.docs.bulkDelete(USER_ID, {}), []);
});

test('users.docs.search by text, then by vector once the control gave the chunks embeddings', async () => {
  await julep.users.docs.create(USER_ID, { title: 'Hello World', content: 'The quick brown fox jumps' });
  await julep.users.docs.create(USER_ID, { title: 'far', content: 'f' });
  const byText = await julep.users.docs.search(USER_ID, { text: 'foxes' });
  assert.deepEqual(
    byText.docs.map((doc) => [doc.title, doc.snippet.index, doc.distance, doc.owner]),
    [['Hello World', 0, 0.2857142984867096, { id: USER_ID, role: 'user' }]],
  );
  await control('PUT', `/_double/docs/${DOC_1}/embeddings`, { embeddings: [unit(1, 0.1)] });
  await control('PUT', `/_double/docs/${DOC_2}/embeddings`, { embeddings: [unit(0.6, 0.8)] });
  const byVector = await julep.users.docs.search(USER_ID, { vector: unit(1), mmr_strength: 0, include_embeddings: false });
  assert.deepEqual(
    byVector.docs.map((doc) => [doc.title, Math.round(doc.distance * 1e6) / 1e6, doc.snippet.embedding]),
    [['Hello World', 0.004963, null], ['far', 0.4, null]],
  );
});

test('users.docs.search with a bad lang throws UnprocessableEntityError; a vector of the wrong size BadRequestError', async () => {
  const lang = await rejection(julep.users.docs.search(USER_ID, { text: 'fox', lang: 'xx' }));
  assert.ok(lang instanceof UnprocessableEntityError);
  assert.deepEqual([lang.status, lang.error], [422, { detail: 'Invalid ISO 639 language code.' }]);
  const vector = await rejection(julep.users.docs.search(USER_ID, { vector: [0.5] }));
  assert.ok(vector instanceof BadRequestError);
  assert.deepEqual([vector.status, vector.error], [400, { detail: 'Invalid doc data provided during search' }]);
});

test('docs.get reads a doc by id, embeddings included unless asked not to', async () => {
  await julep.users.docs.create(USER_ID, { title: 'Hello', content: ['one', 'two'] });
  await control('PUT', `/_double/docs/${DOC_1}/embeddings`, { embeddings: [unit(1), unit(0, 1)] });
  const expected = { id: DOC_1, metadata: {}, created_at: NOW, title: 'Hello', content: ['one', 'two'], embeddings: [unit(1), unit(0, 1)], ...TAIL };
  assert.deepEqual(await julep.docs.get(DOC_1), expected);
  assert.deepEqual(await julep.docs.get(DOC_1, { include_embeddings: false }), { ...expected, embeddings: null });
  const error = await rejection(julep.docs.get(DOC_2, { maxRetries: 0 }));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual([error.status, error.error], [404, { detail: 'No doc found during get' }]);
});
