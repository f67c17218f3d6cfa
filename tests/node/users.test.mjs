// The official Node SDK against a running double: JULEP_BASE_URL and JULEP_API_KEY name it (tests/test_node_sdk.py).
import assert from 'node:assert/strict';
import { beforeEach, test } from 'node:test';

import Julep, {
  BadRequestError,
  InternalServerError,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  UnprocessableEntityError,
} from '@julep/sdk';

import { control, journal, julep, rejection } from './double.mjs';

const NOW = '2026-01-01T00:00:00Z';
const EARLIER = '2025-06-01T12:00:00Z';
const FIRST_NEW_ID = '019b76da-a800-7000-8000-000000000001'; // the first id made under the frozen clock
const USER_ID = '0190e6a2-7b6f-7b5e-9c1a-1234567890ab';
const MISSING_ID = '0190e6a2-7b6f-7b5e-9c1a-000000000000';
const ADA = {
  id: USER_ID,
  metadata: { born: 1815 },
  created_at: EARLIER,
  updated_at: EARLIER,
  name: 'Ada',
  about: 'First programmer',
  project: 'default',
};

const seed = (...users) => control('POST', '/_double/users', { items: users });
const armFault = (fault) => control('POST', '/_double/faults', fault);

function numbered(count) {
  return Array.from({ length: count }, (_, index) => ({
    ...ADA,
    id: `0190e6a2-7b6f-7b5e-9c1a-00000000000${index + 1}`,
    name: `U${index + 1}`,
    created_at: `2025-06-01T12:00:0${index + 1}Z`,
    updated_at: `2025-06-01T12:00:0${index + 1}Z`,
  }));
}

beforeEach(async () => {
  await control('POST', '/_double/reset');
  await control('POST', '/_double/clock', { now: NOW });
});

test('users.create posts /users and answers the new user', async () => {
  assert.deepEqual(await julep.users.create({ name: 'Grace', metadata: { rank: 'admiral' } }), {
    id: FIRST_NEW_ID,
    metadata: { rank: 'admiral' },
    created_at: NOW,
    updated_at: NOW,
    name: 'Grace',
    about: '',
    project: 'default',
  });
});

test('users.createOrUpdate creates a user under its id', async () => {
  await julep.projects.create({ name: 'Engine', canonical_name: 'engine' });
  assert.deepEqual(await julep.users.createOrUpdate(USER_ID, { name: 'Ada', project: 'engine' }), {
    id: USER_ID,
    metadata: {},
    created_at: NOW,
    updated_at: NOW,
    name: 'Ada',
    about: '',
    project: 'engine',
  });
});

test('users.createOrUpdate overwrites an existing user whole and keeps its created_at', async () => {
  await seed(ADA);
  assert.deepEqual(await julep.users.createOrUpdate(USER_ID, { name: 'Ada L' }), {
    ...ADA,
    metadata: {},
    updated_at: NOW,
    name: 'Ada L',
    about: '',
  });
});

test('users.get answers the stored user', async () => {
  await seed(ADA);
  assert.deepEqual(await julep.users.get(USER_ID), ADA);
});

test('users.update (PATCH) merges metadata and keeps what it does not send', async () => {
  await seed(ADA);
  assert.deepEqual(await julep.users.update(USER_ID, { metadata: { died: 1852 } }), {
    ...ADA,
    metadata: { born: 1815, died: 1852 },
    updated_at: NOW,
  });
});

test('users.reset (PUT) replaces every field', async () => {
  await seed(ADA);
  assert.deepEqual(await julep.users.reset(USER_ID, { name: 'Augusta' }), {
    ...ADA,
    metadata: {},
    updated_at: NOW,
    name: 'Augusta',
    about: '',
  });
});

test('users.delete answers the deletion', async () => {
  await seed(ADA);
  assert.deepEqual(await julep.users.delete(USER_ID), { id: USER_ID, deleted_at: NOW, jobs: [] });
});

test('users.get of a missing user throws NotFoundError', async () => {
  const error = await rejection(julep.users.get(MISSING_ID));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual([error.status, error.error], [404, { detail: 'User not found during get' }]);
});

test('users.delete of a missing user throws NotFoundError', async () => {
  const error = await rejection(julep.users.delete(MISSING_ID));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual([error.status, error.error], [404, { detail: 'No user found during delete' }]);
});

test('users.update of a missing user throws NotFoundError', async () => {
  const error = await rejection(julep.users.update(MISSING_ID, { name: 'Ada' }));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual(
    [error.status, error.error],
    [404, { detail: 'No user found during patch' }],
  );
});

test('an invalid name throws UnprocessableEntityError with the pydantic detail', async () => {
  const pattern =
    '^[\\p{L}\\p{Nl}\\p{Pattern_Syntax}\\p{Pattern_White_Space}]+' +
    '[\\p{ID_Start}\\p{Mn}\\p{Mc}\\p{Nd}\\p{Pc}\\p{Pattern_Syntax}\\p{Pattern_White_Space}]*$';
  const error = await rejection(julep.users.createOrUpdate(USER_ID, { name: '1 is not a letter' }));
  assert.ok(error instanceof UnprocessableEntityError);
  assert.deepEqual([error.status, error.error], [
    422,
    {
      detail: [
        {
          type: 'string_pattern_mismatch',
          loc: ['body', 'name'],
          msg: `String should match pattern '${pattern}'`,
          input: '1 is not a letter',
          ctx: { pattern },
        },
      ],
    },
  ]);
});

test('a wrong key throws PermissionDeniedError', async () => {
  const stranger = new Julep({ apiKey: 'wrong' });
  const error = await rejection(stranger.users.get(USER_ID));
  assert.ok(error instanceof PermissionDeniedError);
  assert.deepEqual([error.status, error.error], [403, { detail: 'Could not validate API KEY' }]);
});

test('users.list with a limit over 100 throws BadRequestError', async () => {
  const error = await rejection(julep.users.list({ limit: 101 }));
  assert.ok(error instanceof BadRequestError);
  assert.deepEqual([error.status, error.error], [400, { detail: 'Limit must be between 1 and 100' }]);
});

test('users.list with a negative offset throws BadRequestError', async () => {
  const error = await rejection(julep.users.list({ offset: -1 }));
  assert.ok(error instanceof BadRequestError);
  assert.deepEqual([error.status, error.error], [400, { detail: 'Offset must be non-negative' }]);
});

test('users.list with a sort_by outside the choices throws UnprocessableEntityError', async () => {
  const error = await rejection(julep.users.list({ sort_by: 'name' }));
  assert.ok(error instanceof UnprocessableEntityError);
  assert.deepEqual([error.status, error.error], [
    422,
    {
      detail: [
        {
          type: 'literal_error',
          loc: ['query', 'sort_by'],
          msg: "Input should be 'created_at' or 'updated_at'",
          input: 'name',
          ctx: { expected: "'created_at' or 'updated_at'" },
        },
      ],
    },
  ]);
});

test('users.list sends metadata_filter as dotted query keys', async () => {
  const [first, second] = numbered(2);
  await seed(first, { ...second, metadata: { born: 1906 } });
  const page = await julep.users.list({ metadata_filter: { born: 1906 } });
  assert.deepEqual(page.items, [{ ...second, metadata: { born: 1906 } }]);
  assert.deepEqual((await journal()).map((entry) => entry.query), [{ 'metadata_filter.born': '1906' }]);
});

// The SDK's OffsetPagination.nextPageInfo() gives no next page when the query's offset is 0 or absent
// (src/pagination.ts:45, `if (!offset) return null`). These two tests pin that behaviour; the double is right.
test('auto-pagination from offset 0 stops after the first page (SDK bug)', async () => {
  await seed(...numbered(3));
  const names = [];
  for await (const user of julep.users.list({ limit: 2, direction: 'asc' })) names.push(user.name);
  assert.deepEqual(names, ['U1', 'U2']);
  assert.deepEqual((await journal()).map((entry) => entry.query), [{ limit: '2', direction: 'asc' }]);
});

test('auto-pagination from a non-zero offset goes on until an empty page', async () => {
  await seed(...numbered(5));
  const names = [];
  for await (const user of julep.users.list({ limit: 2, offset: 1, direction: 'asc' })) names.push(user.name);
  assert.deepEqual(names, ['U2', 'U3', 'U4', 'U5']);
  assert.deepEqual(
    (await journal()).map((entry) => [entry.query.offset, entry.response.items.length]),
    [['1', 2], ['3', 2], ['5', 0]],
  );
});

test('two 503s with retry-after-ms are retried and the third attempt succeeds', async () => {
  // retry-after-ms: "0" would not do: the SDK takes 0 for "no advice" and backs off 1 s, then 2 s.
  await armFault({ path: '/users/*', status: 503, headers: { 'retry-after-ms': '1' }, times: 2 });
  const user = await julep.users.createOrUpdate(USER_ID, { name: 'Ada' });
  assert.deepEqual(user, { ...ADA, metadata: {}, created_at: NOW, updated_at: NOW, about: '' });
  assert.deepEqual(
    (await journal()).map((entry) => [entry.status, entry.headers['X-Stainless-Retry-Count']]),
    [[503, '0'], [503, '1'], [201, '2']],
  );
});

test('x-should-retry: false stops the SDK from retrying a 503', async () => {
  await armFault({ path: '/users/*', status: 503, headers: { 'x-should-retry': 'false' }, times: 2 });
  const error = await rejection(julep.users.get(USER_ID));
  assert.ok(error instanceof InternalServerError);
  assert.deepEqual([error.status, error.error], [503, { detail: 'Service Unavailable' }]);
  assert.deepEqual((await journal()).map((entry) => entry.status), [503]);
});

test('a 429 on every attempt throws RateLimitError once maxRetries are spent', async () => {
  await armFault({ status: 429, headers: { 'retry-after-ms': '1' }, times: 3 });
  const error = await rejection(julep.users.list({}, { maxRetries: 1 }));
  assert.ok(error instanceof RateLimitError);
  assert.deepEqual([error.status, error.error], [429, { detail: 'Too Many Requests' }]);
  assert.deepEqual((await journal()).map((entry) => entry.status), [429, 429]);
});

test('a user in a project that does not exist throws NotFoundError', async () => {
  const error = await rejection(julep.users.createOrUpdate(USER_ID, { project: 'engine' }, { maxRetries: 0 }));
  assert.ok(error instanceof NotFoundError);
  assert.deepEqual([error.status, error.error], [404, { detail: "Project 'engine' not found" }]);
});

test('projects.create answers the project; projects.list pages over every project, default among them', async () => {
  assert.deepEqual(await julep.projects.create({ name: 'Engine', canonical_name: 'engine', metadata: { b: 1, a: 2 } }), {
    id: FIRST_NEW_ID,
    metadata: { a: 2, b: 1 },
    created_at: NOW,
    updated_at: NOW,
    canonical_name: 'engine',
    name: 'Engine',
  });
  const names = [];
  for await (const project of julep.projects.list({ limit: 1, direction: 'asc' })) names.push(project.canonical_name);
  assert.deepEqual(names, ['default']); // as users.list: a first page from offset 0 is the only one
  const page = await julep.projects.list({ limit: 10 });
  assert.deepEqual(page.items.map((project) => project.canonical_name), ['engine', 'default']);
  const error = await rejection(julep.projects.create({ name: 'Again', canonical_name: 'ENGINE' }, { maxRetries: 0 }));
  assert.deepEqual([error.status, error.error], [409, { detail: 'A project with these unique properties already exists during create' }]);
});
