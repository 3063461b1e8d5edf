import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';
import { throughProxy } from '../helpers/holdingProxy';

const sandbox = useSandbox('lago_test_key_5b1f0c9e-SECRET');

const makeItems = (n: number, prefix = 'tx') =>
	Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', gb: i }));

const mapped = {
	operation: 'createBatch',
	externalSubscriptionId: '={{ $json.sub }}',
	code: 'storage_gb',
	transactionId: '={{ $json.id }}',
	timestamp: '1700000000',
	properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
};

const sendBatch = (items: object[], parameters: Record<string, unknown> = {}, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ baseUrl: sandbox().url, items: items as never, parameters: { ...mapped, ...parameters }, credentials: sandboxCredentials(sandbox()), ...extra });

// Tests that assert the order in which requests reach the sandbox send one at a time (the default is 4 in flight).
const oneAtATime = { parallelRequests: 1 };

const batchRequests = () => sandbox().requests.filter((r) => r.path === '/api/v1/events/batch');
const sentIds = (request: { body: unknown }) => (request.body as { events: Array<{ transaction_id: string }> }).events.map((e) => e.transaction_id);

describe('Send Batch: packing', () => {
	test.each([
		[1, [1]],
		[99, [99]],
		[100, [100]],
		[101, [100, 1]],
		[250, [100, 100, 50]],
		[1000, Array(10).fill(100)],
	])('%d items go out as requests of %j, in input order', async (n, sizes) => {
		const items = makeItems(n);
		const result = await sendBatch(items);
		expect(result.error).toBeUndefined();
		// With 4 requests in flight they may arrive in any order; each still carries a consecutive slice of the input.
		const index = (id: string) => Number(id.slice(3));
		const requests = batchRequests().sort((x, y) => index(sentIds(x)[0]) - index(sentIds(y)[0]));
		expect(requests.map((r) => sentIds(r).length)).toEqual(sizes);
		expect(requests.flatMap(sentIds)).toEqual(items.map((i) => i.id));
		expect(sandbox().stats().storedEvents).toBe(n);
		expect(sandbox().stats().distinctTransactionIds).toBe(n);
		expect(result.items).toHaveLength(n);
		result.items.forEach((item, i) => {
			expect(item.pairedItem).toEqual({ item: i });
			expect(item.json.transaction_id).toBe(`tx-${i}`);
			expect(item.json.lago_id).toEqual(expect.any(String));
		});
	});

	test('Batch Size is respected', async () => {
		const items = makeItems(20);
		await sendBatch(items, { options: { batchSize: 7 } });
		// The three batches are in flight together (4 by default) and may arrive in any order: put them back in input
		// order by their first item, then each is a consecutive slice of 7, 7 and 6.
		const index = (id: string) => Number(id.slice(3));
		const requests = batchRequests().sort((x, y) => index(sentIds(x)[0]) - index(sentIds(y)[0]));
		expect(requests.map((r) => sentIds(r).length)).toEqual([7, 7, 6]);
		expect(requests.flatMap(sentIds)).toEqual(items.map((i) => i.id));
	});

	test('each event is resolved from its own item and sent in the documented shape', async () => {
		await sendBatch([{ id: 'a', sub: 'sub_demo_1', gb: 1.5 }, { id: 'b', sub: 'sub_demo_2', gb: '2' }], { additionalFields: { preciseTotalAmountCents: '99.5' } });
		expect(batchRequests()[0].rawBody).toBe(
			'{"events":[{"transaction_id":"a","external_subscription_id":"sub_demo_1","code":"storage_gb","timestamp":1700000000,"precise_total_amount_cents":"99.5","properties":{"gb":1.5}},' +
				'{"transaction_id":"b","external_subscription_id":"sub_demo_2","code":"storage_gb","timestamp":1700000000,"precise_total_amount_cents":"99.5","properties":{"gb":"2"}}]}',
		);
		expect(batchRequests()[0].headers.authorization).toBe(`Bearer ${sandbox().apiKey}`);
	});

	test('derived transaction ids are unique per item and returned', async () => {
		const result = await sendBatch(makeItems(150), { transactionId: '' });
		const ids = result.json.map((j) => j.transaction_id as string);
		expect(new Set(ids).size).toBe(150);
		expect(ids[149]).toMatch(/^n8n-exec-1001-[0-9a-f]{8}-0-149$/);
		expect(sandbox().stats().distinctTransactionIds).toBe(150);
	});
});

describe('Send Batch: a rejected batch is split, not lost', () => {
	test('250 items with 5 pre-existing ids and 2 server-rejected events: 243 ingested, 5 already_ingested, 2 errors', async () => {
		const items = makeItems(250);
		const existing = [3, 42, 120, 121, 249];
		const rejected = [57, 180];
		sandbox().seedEvents(existing.map((i) => ({ transaction_id: items[i].id, external_subscription_id: items[i].sub, code: 'storage_gb' })));
		sandbox().setRejectTransactionIds(rejected.map((i) => items[i].id));
		const result = await sendBatch(items, { options: oneAtATime }, { continueOnFail: true });
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(250);
		const kinds = result.json.map((j) => (j.error ? 'error' : j.already_ingested ? 'duplicate' : 'ingested'));
		expect(kinds.filter((k) => k === 'ingested')).toHaveLength(243);
		expect(kinds.filter((k) => k === 'duplicate')).toHaveLength(5);
		expect(kinds.filter((k) => k === 'error')).toHaveLength(2);
		existing.forEach((i) => expect(result.json[i]).toMatchObject({ transaction_id: items[i].id, already_ingested: true }));
		rejected.forEach((i) => {
			expect(result.json[i].error).toBe(`Lago rejected the event: expression_evaluation_failed: Variable: b not found [item ${i}]`);
			expect(result.json[i].transaction_id).toBe(items[i].id);
			expect(result.json[i].error_details).toBe('expression_evaluation_failed: Variable: b not found');
		});
		result.items.forEach((item, i) => expect(item.pairedItem).toEqual({ item: i }));
		// Nothing stored twice: 243 new events plus the 5 that were there.
		expect(sandbox().stats().storedEvents).toBe(248);
		expect(sandbox().stats().distinctTransactionIds).toBe(248);
		// Each of the three batches was rejected once and resent once without the flagged events.
		const requests = batchRequests();
		expect(requests.map((r) => r.status)).toEqual([422, 200, 422, 200, 422, 200]);
		expect(sentIds(requests[1])).toEqual(items.slice(0, 100).map((i) => i.id).filter((id) => !['tx-3', 'tx-42', 'tx-57'].includes(id)));
	});

	test.each([[[0]], [[57]], [[99]], [[0, 1, 98, 99]], [[10, 20, 30, 40, 50]]])('422 at positions %j flags exactly those items and resends the rest in order', async (positions) => {
		const items = makeItems(100);
		sandbox().setRejectTransactionIds(positions.map((p) => items[p].id));
		const result = await sendBatch(items, {}, { continueOnFail: true });
		const flagged = result.json.map((j, i) => (j.error ? i : -1)).filter((i) => i >= 0);
		expect(flagged).toEqual(positions);
		const [first, resend] = batchRequests();
		expect(first.status).toBe(422);
		expect(Object.keys((first.body as never as { events: unknown[] }).events)).toHaveLength(100);
		expect(sentIds(resend)).toEqual(items.filter((_, i) => !positions.includes(i)).map((i) => i.id));
		expect(sandbox().stats().storedEvents).toBe(100 - positions.length);
	});

	test('a batch made only of duplicates is not resent and every item is already_ingested', async () => {
		const items = makeItems(30);
		sandbox().seedEvents(items.map((i) => ({ transaction_id: i.id, external_subscription_id: i.sub, code: 'storage_gb' })));
		const result = await sendBatch(items);
		expect(result.error).toBeUndefined();
		expect(batchRequests()).toHaveLength(1);
		expect(result.json.every((j) => j.already_ingested === true)).toBe(true);
		expect(sandbox().stats().storedEvents).toBe(30);
	});

	test('the same id twice in the input is stored once; the second copy is already_ingested', async () => {
		const items = [...makeItems(3), { id: 'tx-1', sub: 'sub_demo_1', gb: 9 }];
		const result = await sendBatch(items);
		expect(result.json.map((j) => Boolean(j.already_ingested))).toEqual([false, false, false, true]);
		expect(sandbox().stats().storedEvents).toBe(3);
	});

	test('On Duplicate = Fail turns duplicates into error items and still ingests the rest', async () => {
		const items = makeItems(10);
		sandbox().seedEvents([{ transaction_id: 'tx-4', external_subscription_id: items[4].sub, code: 'storage_gb' }]);
		const result = await sendBatch(items, { options: { onDuplicate: 'fail' } }, { continueOnFail: true });
		expect(result.json[4].error).toBe('Transaction ID "tx-4" was already ingested by Lago [item 4]');
		expect(result.json.filter((j) => !j.error)).toHaveLength(9);
		expect(sandbox().stats().storedEvents).toBe(10);
	});

	test('without Continue On Fail a rejected event stops the node and says which items were already ingested', async () => {
		const items = makeItems(250);
		sandbox().setRejectTransactionIds(['tx-130']);
		const result = await sendBatch(items, { options: oneAtATime });
		expect(result.error?.message).toBe('Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 130]');
		expect(result.error?.description).toContain('Already ingested by Lago in this run (safe to re-run only with the same Transaction IDs): items 0-99.');
		expect(result.error?.description).toContain('Not sent: items 100-129, 131-249.');
		expect(sandbox().stats().storedEvents).toBe(100);
	});

	test('a too_many_events rejection says to lower the batch size', async () => {
		sandbox().setBatchMaxLength(50);
		const result = await sendBatch(makeItems(60), {}, { continueOnFail: true });
		expect(result.json[0].error).toBe('Lago rejected the batch: it has more events than this Lago server accepts per request [item 0]');
		expect(result.json[0].description).toMatch(/Lower Options › Batch Size/);
		expect(result.json.filter((j) => j.error)).toHaveLength(60);
		const retry = await sendBatch(makeItems(60), { options: { batchSize: 50 } });
		expect(retry.error).toBeUndefined();
		expect(sandbox().stats().storedEvents).toBe(60);
	});
});

describe('Send Batch: bad input is caught before sending', () => {
	test('without Continue On Fail nothing is sent and the first bad item is named', async () => {
		const items = makeItems(120);
		items[70].sub = '';
		items[90].id = ' spaced';
		const result = await sendBatch(items);
		expect(result.error?.message).toBe('External Subscription ID is empty [item 70]');
		expect(sandbox().requests).toHaveLength(0);
	});

	test('with Continue On Fail the bad items get errors and no request carries them', async () => {
		const items = makeItems(120);
		items[70].sub = '';
		(items[90] as { gb: unknown }).gb = 2 ** 60;
		const result = await sendBatch(items, {}, { continueOnFail: true });
		expect(result.json[70].error).toBe('External Subscription ID is empty [item 70]');
		expect(result.json[90].error).toMatch(/^Property gb is \d+, a whole number above 2\^53 .* \[item 90\]$/);
		const sent = batchRequests().flatMap(sentIds);
		expect(sent).toHaveLength(118);
		expect(sent).not.toContain('tx-70');
		expect(sent).not.toContain('tx-90');
		expect(result.items.map((i) => i.pairedItem)).toEqual(items.map((_, i) => ({ item: i })));
	});

	test.each([0, 101, 1.5, -1])('Batch Size %p is refused before anything is sent', async (batchSize) => {
		const result = await sendBatch(makeItems(3), { options: { batchSize } });
		expect(result.error?.message).toBe(`Batch Size must be a whole number from 1 to 100, got ${batchSize}`);
		expect(sandbox().requests).toHaveLength(0);
	});

	test("failures can go to n8n's error output", async () => {
		const items = makeItems(5);
		items[2].sub = '';
		const result = await sendBatch(items, {}, { continueOnFail: 'errorOutput' });
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 3 }, { item: 4 }]);
		expect(result.errorItems).toHaveLength(1);
		expect(result.errorItems[0].json.error).toBe('External Subscription ID is empty [item 2]');
	});
});

describe('Send Batch: retries', () => {
	test('a batch that exhausts its retries fails only its own items; later batches still go out', async () => {
		sandbox().setFaults({ firstAttemptsFail: 3 });
		const result = await sendBatch(makeItems(250), { options: { ...oneAtATime, maxAttempts: 2, initialRetryDelay: 1 } }, { continueOnFail: true });
		expect(result.json.slice(0, 100).every((j) => typeof j.error === 'string')).toBe(true);
		expect(result.json[0].error).toMatch(/^The server answered 503 with a page that is not from Lago.s API.*, after 2 attempts over \d+\.\d s \(last status 503\) \[item 0\]$/);
		expect(result.json[99].error).toMatch(/\[item 99\]$/);
		expect(result.json.slice(100).every((j) => j.lago_id)).toBe(true);
		expect(sandbox().stats().storedEvents).toBe(150);
	});

	test('retries resend the identical batch', async () => {
		sandbox().setFaults({ seed: 7, rate429: 0.3, resetSeconds: 0, rate503: 0.2, rateReset: 0.1 });
		const result = await sendBatch(makeItems(500), { options: { initialRetryDelay: 1, maxAttempts: 20 } });
		expect(result.error).toBeUndefined();
		const byFirstId = new Map<string, Set<string>>();
		for (const request of batchRequests()) {
			const first = sentIds(request)[0];
			byFirstId.set(first, (byFirstId.get(first) ?? new Set()).add(request.rawBody));
		}
		expect(byFirstId.size).toBe(5);
		for (const bodies of byFirstId.values()) expect(bodies.size).toBe(1);
		expect(batchRequests().length).toBeGreaterThan(5);
		expect(sandbox().stats().storedEvents).toBe(500);
	});
});

describe("Send Batch under n8n's Retry On Fail", () => {
	test('a run that failed at batch 2 is re-run with the same derived ids: batch 1 is recognised, nothing is stored twice', async () => {
		sandbox().setFaults({ failRequests: [2] });
		const result = await sendBatch(makeItems(250), { transactionId: '', options: { ...oneAtATime, maxAttempts: 1 } }, { retryOnFail: { maxTries: 2, waitBetweenTries: 0 } });
		expect(result.error).toBeUndefined();
		const requests = batchRequests();
		expect(requests.map((r) => r.status)).toEqual([200, 503, 422, 200, 200]);
		expect(sentIds(requests[2])).toEqual(sentIds(requests[0]));
		expect(result.json.filter((j) => j.already_ingested)).toHaveLength(100);
		expect(result.json.filter((j) => j.lago_id)).toHaveLength(150);
		expect(sandbox().stats().storedEvents).toBe(250);
		expect(sandbox().stats().distinctTransactionIds).toBe(250);
	});

	test('an empty Timestamp is the same on the attempt n8n makes 50 ms later, so the resent batch is identical', async () => {
		sandbox().setFaults({ failRequests: [2] });
		const result = await sendBatch(makeItems(250), { transactionId: '', timestamp: '', options: { ...oneAtATime, maxAttempts: 1 } }, { executionId: 'exec-batch-retry-timestamp', retryOnFail: { maxTries: 2, waitBetweenTries: 50 } });
		expect(result.error).toBeUndefined();
		const requests = batchRequests();
		expect(requests.map((r) => r.status)).toEqual([200, 503, 422, 200, 200]);
		expect(requests[2].rawBody).toBe(requests[0].rawBody);
		const timestamps = new Set(requests.flatMap((r) => (r.body as { events: Array<{ timestamp: number }> }).events.map((e) => e.timestamp)));
		expect(timestamps.size).toBe(1);
	});
});

describe('Send Batch with Parallel Requests', () => {
	test('1,000 items with 4 requests in flight: 10 requests, every event stored once, output in input order', async () => {
		const items = makeItems(1000);
		const result = await sendBatch(items, { options: { parallelRequests: 4 } });
		expect(result.error).toBeUndefined();
		expect(batchRequests()).toHaveLength(10);
		expect(new Set(batchRequests().flatMap(sentIds))).toEqual(new Set(items.map((i) => i.id)));
		expect(sandbox().stats().distinctTransactionIds).toBe(1000);
		// One result per item, in input order: an empty or short output fails here.
		expect(result.items.map((item) => [item.pairedItem, item.json.transaction_id])).toEqual(items.map((item, i) => [{ item: i }, item.id]));
	});

	test('a failure stops the run after the batches in flight finish, and the error lists exactly what was ingested', async () => {
		sandbox().setRejectTransactionIds(['tx-250']);
		const result = await sendBatch(makeItems(1000), { options: { parallelRequests: 3 } });
		expect(result.error?.message).toBe('Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 250]');
		const stored = sandbox().events.map((e) => Number(e.transaction_id.slice(3))).sort((a, b) => a - b);
		const described = /Already ingested by Lago in this run \(safe to re-run only with the same Transaction IDs\): items ([\d, -]+)\./.exec(result.error?.description ?? '');
		expect(described).not.toBeNull();
		const ranges = described![1].split(', ').flatMap((r) => {
			const [from, to = from] = r.split('-').map(Number);
			return Array.from({ length: to - from + 1 }, (_, k) => from + k);
		});
		expect(ranges).toEqual(stored);
		expect(stored.length).toBeLessThan(1000);
	});

	test.each([
		[0, 'got 0'],
		[5, 'got 5'],
		[2.5, 'got 2.5'],
		['={{ "many" }}', 'got "many"'],
	])('Parallel Requests %p fails the node before any request', async (parallelRequests, got) => {
		const result = await sendBatch(makeItems(150), { options: { parallelRequests } });
		expect(result.error?.message).toBe(`Parallel Requests must be a whole number from 1 to 4, got ${got.slice(4)}`);
		expect(sandbox().requests).toHaveLength(0);
	});

	test('Parallel Requests "2" from an expression is read as 2', async () => {
		// Six batches, each held 300 ms in front of the sandbox (a busy machine outran 30 ms): at most 2 overlap, not the
		// default 4 and not 1.
		let result!: Awaited<ReturnType<typeof sendBatch>>;
		const most = await throughProxy(sandbox(), 300, async (credentials) => (result = await sendBatch(makeItems(600), { options: { parallelRequests: '={{ "2" }}' } }, { credentials })));
		expect(result.error).toBeUndefined();
		expect(most).toBe(2);
		expect(batchRequests()).toHaveLength(6);
		expect(sandbox().stats().storedEvents).toBe(600);
	});
});
