import { runNode } from '../helpers/harness';
import { lagoEvent, ok, useMockLago } from '../helpers/mockLago';
import type { Recorded } from '../helpers/mockLago';
import { indexedErrors, parseBatchSize, parseParallelRequests } from '../../nodes/LagoEvents/resources/event/createBatch';

/**
 * Send Batch's edges that the sandbox never produces (Lago answering in an unexpected shape or order, a resent batch
 * rejected again, a retried request answered 422), each pinned exactly: these are the mutants a Stryker run of
 * createBatch.ts would otherwise leave alive (issue 23).
 */

const mock = useMockLago(() => ok({}));

const parameters = {
	operation: 'createBatch',
	externalSubscriptionId: 'sub_1',
	code: 'api_calls',
	transactionId: '={{ $json.tx }}',
	timestamp: '1700000000',
};

const txItems = (...ids: string[]) => ids.map((tx) => ({ tx }));
const sentEvent = (tx: string) => ({ transaction_id: tx, external_subscription_id: 'sub_1', code: 'api_calls', timestamp: 1700000000 });
const sentIds = (request: Recorded) => (request.body as { events: Array<{ transaction_id: string }> }).events.map((e) => e.transaction_id);
const batchPaths = () => mock.requests.map((r) => `${r.method} ${r.path}`);

const send = (ids: string[], options: Record<string, unknown> = {}, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ baseUrl: mock.url, items: txItems(...ids), parameters: { ...parameters, options: { checkBillableMetrics: 'dontCheck', ...options } }, ...extra });

/** Lago's answer to a batch: each sent event as Lago's serializer returns it. */
const accepted = (request: Recorded) => ok({ events: (request.body as { events: unknown[] }).events.map((e, n) => lagoEvent(e, n + 1)) });

const duplicate = { transaction_id: ['value_already_exist'] };

describe('Send Batch: what the stop error says', () => {
	test('stopped at the first batch: nothing ingested and the other batches listed as not sent, on one line', async () => {
		mock.handler = () => ({ status: 400, body: { status: 400, error: 'Bad request', code: 'bad_request' } });
		const result = await send(['a', 'b', 'c', 'd', 'e', 'f'], { batchSize: 2, parallelRequests: 1 });
		expect(mock.requests).toHaveLength(1);
		const lines = result.error?.description?.split('\n') ?? [];
		expect(lines[lines.length - 1]).toBe('No event of this run was ingested. Not sent: items 2-5.');
	});

	test('stopped at the last batch: the earlier batch is ingested and nothing is left unsent', async () => {
		mock.handler = (req, i) => (i === 0 ? accepted(req) : { status: 400, body: { status: 400, error: 'Bad request', code: 'bad_request' } });
		const result = await send(['a', 'b', 'c', 'd'], { batchSize: 2, parallelRequests: 1 });
		expect(mock.requests).toHaveLength(2);
		expect(result.error?.message).toMatch(/\[item 2\]$/);
		const lines = result.error?.description?.split('\n') ?? [];
		expect(lines.length).toBeGreaterThan(1);
		expect(lines[lines.length - 1]).toBe('Already ingested by Lago in this run (safe to re-run only with the same Transaction IDs): items 0-1.');
	});

	test('a resent batch rejected again stops the node with its own message, code and description', async () => {
		// Lago flags the first event as a duplicate twice: the first answer and the answer to the resent batch.
		mock.handler = () => ({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { '0': duplicate } } });
		const result = await send(['a', 'b', 'c']);
		expect(mock.requests.map(sentIds)).toEqual([['a', 'b', 'c'], ['b', 'c']]);
		expect(result.error?.message).toBe('Not ingested: Lago rejected the batch again after the bad events were removed [item 2]');
		expect(result.error?.httpCode).toBe('422');
		expect(result.error?.description).toBe(
			`Lago's answer to the resent batch: {"0":{"transaction_id":["value_already_exist"]}}. Run the workflow again; events already ingested are recognised by their transaction ID.\n` +
				'No event of this run was ingested.',
		);
	});
});

describe('Send Batch: a resent batch rejected again', () => {
	test('with Continue On Fail: the bad events of each answer get their own error, the rest an error of their own, and nothing is sent a third time', async () => {
		mock.handler = (_req, i) => ({
			status: 422,
			body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: i === 0 ? { '1': { code: ['invalid'] } } : { '0': { timestamp: ['invalid_format'] } } },
		});
		const result = await send(['a', 'b', 'c'], {}, { continueOnFail: true });
		expect(mock.requests.map(sentIds)).toEqual([['a', 'b', 'c'], ['a', 'c']]);
		expect(result.error).toBeUndefined();
		expect(result.json[0]).toMatchObject({ transaction_id: 'a', lago_code: 'validation_errors', error_details: { timestamp: ['invalid_format'] } });
		expect(result.json[1]).toMatchObject({ transaction_id: 'b', lago_code: 'validation_errors', error_details: { code: ['invalid'] } });
		expect(result.json[1].error).toBe('Lago rejected the event: Billable Metric Code invalid [item 1]');
		expect(result.json[2]).toEqual({
			error: 'Not ingested: Lago rejected the batch again after the bad events were removed [item 2]',
			description: `Lago's answer to the resent batch: {"0":{"timestamp":["invalid_format"]}}. Run the workflow again; events already ingested are recognised by their transaction ID.`,
			http_code: '422',
			transaction_id: 'c',
		});
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});
});

describe("Send Batch: Lago's answer to an accepted batch", () => {
	test('events returned out of order or missing: each item keeps the event it sent', async () => {
		// Lago returns only c's event, at position 0: a's position names another transaction, b's has none.
		mock.handler = (req) => ok({ events: [lagoEvent((req.body as { events: unknown[] }).events[2], 3)] });
		const result = await send(['a', 'b', 'c']);
		expect(result.error).toBeUndefined();
		expect(result.json).toEqual([sentEvent('a'), sentEvent('b'), sentEvent('c')]);
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
	});

	test.each([
		['an object without events', {}],
		['null', null],
		['events that are not a list', { events: { '0': { transaction_id: 'a' } } }],
	])('a 200 whose body is %s: each item is the event it sent', async (_what, body) => {
		mock.handler = () => ok(body);
		const result = await send(['a', 'b']);
		expect(result.error).toBeUndefined();
		expect(result.json).toEqual([sentEvent('a'), sentEvent('b')]);
	});

	test('a 300 is not an acceptance', async () => {
		mock.handler = () => ({ status: 300, body: { events: [] } });
		const result = await send(['a', 'b'], {}, { continueOnFail: true });
		expect(result.json.map((j) => typeof j.error)).toEqual(['string', 'string']);
		expect(result.json.map((j) => j.lago_id)).toEqual([undefined, undefined]);
	});
});

describe('Send Batch: which rejections are split by position', () => {
	test('a 400 keyed by position fails the whole batch: only a 422 is split', async () => {
		mock.handler = () => ({ status: 400, body: { status: 400, error: 'Bad request', code: 'bad_request', error_details: { '1': { code: ['invalid'] } } } });
		const result = await send(['a', 'b', 'c'], {}, { continueOnFail: true });
		expect(mock.requests).toHaveLength(1);
		expect(result.json.map((j) => j.error)).toEqual([0, 1, 2].map((i) => `Lago could not read the request (400): Bad request [item ${i}]`));
		expect(result.json.map((j) => j.lago_code)).toEqual(['bad_request', 'bad_request', 'bad_request']);
		expect(result.json.map((j) => j.transaction_id)).toEqual(['a', 'b', 'c']);
	});

	test('with On Duplicate = Fail, a duplicate gets an error naming its transaction and the rest is resent', async () => {
		mock.handler = (req, i) => (i === 0 ? { status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { '0': duplicate } } } : accepted(req));
		const result = await send(['a', 'b'], { onDuplicate: 'fail' }, { continueOnFail: true });
		expect(mock.requests.map(sentIds)).toEqual([['a', 'b'], ['b']]);
		expect(result.json[0]).toMatchObject({ error: 'Transaction ID "a" was already ingested by Lago [item 0]', lago_code: 'validation_errors', transaction_id: 'a' });
		expect(result.json[1]).toMatchObject({ transaction_id: 'b', lago_id: expect.any(String) });
	});

	test('a batch of only duplicates is not resent, and batches that fill Batch Size exactly leave no empty request', async () => {
		mock.handler = (req) => ({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: Object.fromEntries(sentIds(req).map((_, n) => [String(n), duplicate])) } });
		const result = await send(['a', 'b', 'c', 'd'], { batchSize: 2, parallelRequests: 1 });
		expect(result.error).toBeUndefined();
		expect(mock.requests.map(sentIds)).toEqual([['a', 'b'], ['c', 'd']]);
		expect(result.json).toEqual(['a', 'b', 'c', 'd'].map((tx) => ({ ...sentEvent(tx), already_ingested: true })));
	});

	test("a whole-batch error is described for Send Batch", async () => {
		mock.handler = () => ({ status: 404, body: { status: 404, error: 'Not Found', code: 'subscription_not_found' } });
		const result = await send(['a'], {}, { continueOnFail: true });
		expect(result.json[0]).toMatchObject({ error: 'Lago found no active subscription with external ID [item 0]', lago_code: 'subscription_not_found' });
		expect(String(result.json[0].description)).toMatch(/^Send Batch needs a subscription that is active now\./);
	});

	test("a rejected event is described for Send Batch, with its own metric and subscription", async () => {
		mock.handler = () => ({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { '0': { code: ['does_not_match_an_instant_charge'] } } } });
		const result = await send(['a'], {}, { continueOnFail: true });
		expect(result.json[0].error).toBe('Billable metric "api_calls" has no pay-in-advance charge on the plan of subscription "sub_1" [item 0]');
		expect(String(result.json[0].description)).toMatch(/^Send Batch only works for metrics charged in advance\./);
	});

	test('a 422 that is not JSON fails the whole batch, once', async () => {
		mock.handler = () => ({ status: 422, raw: '<html>Unprocessable</html>' });
		const result = await send(['a', 'b'], {}, { continueOnFail: true });
		expect(mock.requests).toHaveLength(1);
		expect(result.json.map((j) => typeof j.error)).toEqual(['string', 'string']);
		expect(result.json.map((j) => j.http_code)).toEqual(['422', '422']);
	});

	test('with On Duplicate = Fail, a duplicate in the answer to a retried request is still already_ingested: the first attempt may have stored it', async () => {
		mock.handler = (_req, i) => (i === 0 ? { status: 503, body: { status: 503, error: 'Service unavailable' } } : { status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { '0': duplicate, '1': duplicate } } });
		const result = await send(['a', 'b'], { onDuplicate: 'fail', maxAttempts: 2, initialRetryDelay: 1 }, { continueOnFail: true });
		expect(mock.requests).toHaveLength(2);
		expect(result.json).toEqual([
			{ ...sentEvent('a'), already_ingested: true },
			{ ...sentEvent('b'), already_ingested: true },
		]);
	});
});

describe('Send Batch: a request that gets no answer', () => {
	test('with Continue On Fail each item of the batch gets its own copy of the error, naming it and its transaction', async () => {
		mock.handler = () => ({ destroy: true });
		const result = await send(['a', 'b', 'c'], { batchSize: 2, parallelRequests: 1, maxAttempts: 1 }, { continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.json.map((j) => j.transaction_id)).toEqual(['a', 'b', 'c']);
		expect(result.json.map((j) => /\[item (\d+)\]$/.exec(String(j.error))?.[1])).toEqual(['0', '1', '2']);
		expect(String(result.json[1].error).replace(' [item 1]', '')).toBe(String(result.json[0].error).replace(' [item 0]', ''));
	});

	test("without Continue On Fail the error names the batch's first item", async () => {
		mock.handler = (req, i) => (i === 0 ? accepted(req) : { destroy: true });
		const result = await send(['a', 'b', 'c'], { batchSize: 2, parallelRequests: 1, maxAttempts: 1 });
		expect(batchPaths()).toEqual(['POST /api/v1/events/batch', 'POST /api/v1/events/batch']);
		expect(result.error?.message).toMatch(/\[item 2\]$/);
		expect(result.error?.context?.itemIndex).toBe(2);
		expect(result.error?.description?.split('\n').pop()).toBe('Already ingested by Lago in this run (safe to re-run only with the same Transaction IDs): items 0-1.');
	});
});

describe('Send Batch: option errors', () => {
	test('a Batch Size out of range says why in the description', async () => {
		const result = await send(['a'], { batchSize: 101 });
		expect(result.error?.message).toBe('Batch Size must be a whole number from 1 to 100, got 101');
		expect(result.error?.description).toBe('Lago accepts at most 100 events per batch request.');
		expect(mock.requests).toHaveLength(0);
	});

	test('a Parallel Requests out of range says why in the description', async () => {
		const result = await send(['a'], { parallelRequests: 5 });
		expect(result.error?.description).toBe('Up to 4 batch requests may be in flight at once; 1 sends them one at a time.');
		expect(mock.requests).toHaveLength(0);
	});

	test('the parsers name the option they refuse', () => {
		expect(() => parseBatchSize(0)).toThrow(expect.objectContaining({ field: 'batchSize', message: 'Batch Size must be a whole number from 1 to 100, got 0' }));
		expect(() => parseParallelRequests(0)).toThrow(expect.objectContaining({ field: 'parallelRequests', message: 'Parallel Requests must be a whole number from 1 to 4, got 0' }));
		expect(parseBatchSize(undefined)).toBe(100);
		expect(parseParallelRequests(undefined)).toBe(4);
	});
});

describe('indexedErrors', () => {
	test.each([
		['positions below the batch length', { '0': 'x', '2': 'y' }, 3, [[0, 'x'], [2, 'y']]],
		['a position equal to the batch length', { '3': 'x' }, 3, undefined],
		['a key with a digit prefix', { '1a': 'x' }, 3, undefined],
		['a key with a digit suffix', { a1: 'x' }, 3, undefined],
		['a hexadecimal key, which Number() would read as 1', { '0x1': 'x' }, 3, undefined],
		['an exponent key, which Number() would read as 1', { '1e0': 'x' }, 3, undefined],
		['a two-digit position', { '10': 'x' }, 11, [[10, 'x']]],
		['a negative key', { '-1': 'x' }, 3, undefined],
		['no keys', {}, 3, undefined],
		['a list', ['x'], 3, undefined],
		['a string, whose characters Object.entries would key by position', 'ab', 3, undefined],
		['null', null, 3, undefined],
		['one positional and one other key', { '0': 'x', events: 'y' }, 3, undefined],
	])('%s', (_what, details, length, expected) => {
		const map = indexedErrors(details, length);
		expect(map && [...map.entries()]).toEqual(expected);
	});
});
