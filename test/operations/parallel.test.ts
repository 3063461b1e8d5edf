import { API_KEY, runNode, sandboxCredentials, useSandbox } from '../helpers/harness';
import { throughProxy as throughHoldingProxy } from '../helpers/holdingProxy';
import type { RequestRecord } from '../../sandbox';

/**
 * Parallel Requests for Send and Send Batch, and the one rate-limit gate a node run shares: through n8n-core's engine
 * against the sandbox, which records when each request arrived and was answered.
 */

const sandbox = useSandbox(API_KEY);

const makeItems = (n: number, prefix = 'tx') =>
	Array.from({ length: n }, (_, i) => ({ id: `${prefix}-${i}`, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', gb: i }));

const mapped = (operation: 'create' | 'createBatch') => ({
	operation,
	externalSubscriptionId: '={{ $json.sub }}',
	code: 'storage_gb',
	transactionId: '={{ $json.id }}',
	timestamp: '1700000000',
	properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
});

const run = (operation: 'create' | 'createBatch', items: object[], parameters: Record<string, unknown> = {}, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ items: items as never, parameters: { ...mapped(operation), ...parameters }, credentials: sandboxCredentials(sandbox()), ...extra });

const eventRequests = () => sandbox().requests.filter((r) => r.path.startsWith('/api/v1/events'));

const throughProxy = (holdMs: number, body: (credentials: Record<string, string>) => Promise<unknown>, holdBeforeSending?: (rawBody: string) => number) =>
	throughHoldingProxy(sandbox(), holdMs, body, holdBeforeSending);

const eventBody = (request: RequestRecord) => (request.body as { event: { transaction_id: string } }).event;

describe('Send with Parallel Requests', () => {
	test('by default up to 32 events are in flight; each item gets its own event and result, in input order', async () => {
		const items = makeItems(60);
		let result!: Awaited<ReturnType<typeof run>>;
		// Each request is held 1 s: on a loaded machine (or under Stryker's instrumentation) starting 32 took more than the
		// 250 ms this held them before, so the first were answered before the last started and the most seen was 28.
		const most = await throughProxy(1000, async (credentials) => (result = await run('create', items, {}, { credentials })));
		expect(result.error).toBeUndefined();
		expect(most).toBe(32);
		const requests = eventRequests();
		expect(requests).toHaveLength(60);
		// Every item's own event, exactly once, whatever order they arrived in.
		const bodies = new Map(requests.map((r) => [eventBody(r).transaction_id, r.rawBody]));
		items.forEach((item) => {
			expect(bodies.get(item.id)).toBe(
				`{"event":{"transaction_id":"${item.id}","external_subscription_id":"${item.sub}","code":"storage_gb","timestamp":1700000000,"properties":{"gb":${item.gb}}}}`,
			);
		});
		expect(sandbox().stats().distinctTransactionIds).toBe(60);
		// One result per item, in input order: an empty or short output fails here.
		expect(result.items.map((item) => [item.pairedItem, item.json.transaction_id, typeof item.json.lago_id])).toEqual(items.map((item, i) => [{ item: i }, item.id, 'string']));
	});

	test('Parallel Requests 1 sends one event at a time, in input order', async () => {
		const most = await throughProxy(10, (credentials) => run('create', makeItems(12), { options: { parallelRequests: 1 } }, { credentials }));
		expect(most).toBe(1);
		const requests = eventRequests();
		expect(requests.map((r) => eventBody(r).transaction_id)).toEqual(makeItems(12).map((i) => i.id));
	});

	test('the same Transaction ID twice: the first copy is stored and the second is already_ingested, as one at a time', async () => {
		const items = [...makeItems(8), { id: 'tx-0', sub: 'sub_demo_2', gb: 99 }, { id: 'tx-3', sub: 'sub_demo_1', gb: 98 }];
		const sequential = await run('create', items, { options: { parallelRequests: 1 } });
		sandbox().reset();
		// The first copies are held on their way to Lago for 150 ms, long enough for a second copy sent alongside to
		// overtake them.
		let parallel!: Awaited<ReturnType<typeof run>>;
		const firstCopy = (body: string) => (/"transaction_id":"tx-[03]".*"gb":[03]\}/.test(body) ? 150 : 0);
		await throughProxy(0, async (credentials) => (parallel = await run('create', items, { options: { parallelRequests: 10 } }, { credentials })), firstCopy);
		for (const result of [sequential, parallel]) {
			expect(result.json.map((j) => j.already_ingested === true)).toEqual([false, false, false, false, false, false, false, false, true, true]);
			expect(result.json[8]).toMatchObject({ transaction_id: 'tx-0', properties: { gb: 99 } });
		}
		// The stored copy is the first one, gb 0 and 3, not the later 99 and 98.
		const stored = new Map(sandbox().events.map((e) => [e.transaction_id, e.properties]));
		expect(stored.get('tx-0')).toEqual({ gb: 0 });
		expect(stored.get('tx-3')).toEqual({ gb: 3 });
		expect(sandbox().stats().storedEvents).toBe(8);
	});

	test('a failure stops new requests; the error names the item and lists exactly what was ingested', async () => {
		sandbox().setRejectTransactionIds(['tx-5']);
		const result = await run('create', makeItems(200));
		expect(result.error?.message).toBe('Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 5]');
		const stored = sandbox().events.map((e) => Number(e.transaction_id.slice(3))).sort((a, b) => a - b);
		expect(stored.slice(0, 5)).toEqual([0, 1, 2, 3, 4]);
		expect(stored.length).toBeLessThan(199);
		const described = /Already ingested by Lago in this run \(safe to re-run only with the same Transaction IDs\): items ([\d, -]+)\. Not sent: items ([\d, -]+)\./.exec(result.error?.description ?? '');
		expect(described).not.toBeNull();
		const expand = (text: string) =>
			text.split(', ').flatMap((r) => {
				const [from, to = from] = r.split('-').map(Number);
				return Array.from({ length: to - from + 1 }, (_, k) => from + k);
			});
		expect(expand(described![1])).toEqual(stored);
		// Everything neither stored nor item 5 itself was never sent.
		const notSent = expand(described![2]);
		expect(notSent).toEqual(Array.from({ length: 200 }, (_, i) => i).filter((i) => i !== 5 && !stored.includes(i)));
		expect(eventRequests().some((r) => notSent.includes(Number(eventBody(r).transaction_id.slice(3))))).toBe(false);
	});

	test('with Continue On Fail every other item is sent and the rejected one is an error item in its place', async () => {
		sandbox().setRejectTransactionIds(['tx-5', 'tx-31']);
		const result = await run('create', makeItems(40), {}, { continueOnFail: true });
		expect(result.json).toHaveLength(40);
		expect(result.json[5].error).toBe('Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 5]');
		expect(result.json[31].error).toBe('Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 31]');
		expect(result.json.filter((j) => j.lago_id)).toHaveLength(38);
		expect(sandbox().stats().storedEvents).toBe(38);
	});

	test.each([
		[0, '0'],
		[51, '51'],
		[1.5, '1.5'],
	])('Parallel Requests %p fails the node before any request', async (parallelRequests, got) => {
		const result = await run('create', makeItems(3), { options: { parallelRequests } });
		expect(result.error?.message).toBe(`Parallel Requests must be a whole number from 1 to 50, got ${got}`);
		expect(sandbox().requests).toHaveLength(0);
	});
});

describe('Send Batch with the default Parallel Requests', () => {
	test('up to 4 batches are in flight by default', async () => {
		let result!: Awaited<ReturnType<typeof run>>;
		// Each batch held 300 ms (20 batches, about 1.5 s): a 30 ms hold let a busy machine answer a batch before the
		// fourth had started.
		const most = await throughProxy(300, async (credentials) => (result = await run('createBatch', makeItems(2000), {}, { credentials })));
		expect(result.error).toBeUndefined();
		expect(most).toBe(4);
		expect(eventRequests()).toHaveLength(20);
		expect(sandbox().stats().distinctTransactionIds).toBe(2000);
	});

	test('an id repeated in a later batch waits for the earlier batch, so the first copy is the one stored', async () => {
		// Items 0-99 are batch 1; item 450 repeats tx-7 in batch 5, sent while batches 2-4 may be in flight.
		const items = makeItems(800);
		items[450] = { id: 'tx-7', sub: items[7].sub, gb: 4500 };
		items[120] = { id: 'tx-80', sub: items[80].sub, gb: 1200 };
		// Batch 1 is held on its way to Lago for 200 ms, long enough for batches 2-5 to overtake it.
		let result!: Awaited<ReturnType<typeof run>>;
		await throughProxy(0, async (credentials) => (result = await run('createBatch', items, {}, { credentials })), (body) => (body.includes('"tx-0"') ? 200 : 0));
		expect(result.error).toBeUndefined();
		expect(result.json[7].already_ingested).toBeUndefined();
		expect(result.json[450]).toMatchObject({ transaction_id: 'tx-7', already_ingested: true });
		expect(result.json[120]).toMatchObject({ transaction_id: 'tx-80', already_ingested: true });
		const stored = new Map(sandbox().events.map((e) => [e.transaction_id, e.properties]));
		expect(stored.get('tx-7')).toEqual({ gb: 7 });
		expect(stored.get('tx-80')).toEqual({ gb: 80 });
		expect(sandbox().stats().storedEvents).toBe(798);
	});
});

describe('one rate-limit gate for the whole node run', () => {
	// Seed 136 makes the 9th events request (and no other of the first 80) a 429 with X-RateLimit-Reset: 1.
	const oneRateLimit = { seed: 136, rate429: 0.05, resetSeconds: 1 };

	test.each([
		['create', 60, 60, 10],
		['createBatch', 2000, 20, 4],
	] as const)('%s: after a 429 no request of the node is sent until X-RateLimit-Reset, then all are', async (operation, n, requestsWithout429, parallel) => {
		sandbox().setFaults(oneRateLimit);
		const result = await run(operation, makeItems(n), { options: { parallelRequests: parallel } });
		expect(result.error).toBeUndefined();
		const requests = eventRequests();
		const limited = requests.filter((r) => r.status === 429);
		expect(limited).toHaveLength(1);
		const t = limited[0].answeredAt!;
		// Until the reset, a second after the 429 reached the node, only requests the other senders had already
		// started may arrive (at most one each; on a busy machine they can reach the server late). Without the gate
		// every remaining request would arrive in that second.
		const early = requests.filter((r) => r.at > t && r.at < t + 950);
		expect(early.length).toBeLessThanOrEqual(parallel - 1);
		expect(requests.length - requests.indexOf(limited[0]) - 1 - early.length).toBeGreaterThan(parallel);
		expect(requests.filter((r) => r.at >= t + 950).length).toBeGreaterThan(0);
		// The limited request was sent again, identical; nothing is lost or stored twice.
		expect(requests).toHaveLength(requestsWithout429 + 1);
		expect(requests.filter((r) => r.rawBody === limited[0].rawBody)).toHaveLength(2);
		expect(sandbox().stats().distinctTransactionIds).toBe(n);
		expect(sandbox().stats().storedEvents).toBe(n);
		expect(result.items.map((item) => item.json.transaction_id)).toEqual(makeItems(n).map((item) => item.id));
	});
});
