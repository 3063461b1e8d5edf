import { runNode, useSandbox } from '../helpers/harness';
import { holdingProxy } from '../helpers/holdingProxy';

/**
 * Parallel Requests for the per-item reads and estimates (Get, Estimate Fees, Get Current, Get Past), Get Many's
 * parallel pages and Estimate Instant Fees' parallel batches: through n8n-core's engine against the sandbox, with a
 * proxy in front that holds every answer and counts the requests in flight.
 */

const sandbox = useSandbox('lago_test_key_parallel_reads');

type RunExtra = Partial<Parameters<typeof runNode>[0]>;

async function runHeld(holdMs: number, parameters: Record<string, unknown>, extra: RunExtra = {}) {
	const proxy = await holdingProxy(sandbox().url, holdMs);
	try {
		const result = await runNode({ parameters: parameters as never, credentials: { region: 'custom', baseUrl: proxy.url, apiKey: sandbox().apiKey }, ...extra });
		return { result, most: proxy.maxInFlight() };
	} finally {
		await proxy.close();
	}
}

const api = () => sandbox().requests.filter((r) => r.path.startsWith('/api/v1/'));

/** Items without the ids the sandbox makes up for each answer (an estimate's event_transaction_id, a fee's lago_id). */
const stable = (items: unknown) => JSON.parse(JSON.stringify(items, (key, value) => (key === 'event_transaction_id' || key === 'lago_id' ? undefined : value)));

/** One operation per row: its parameters, the items, and what each item's request and first output must be. */
const operations = [
	{
		name: 'Get',
		parameters: { resource: 'event', operation: 'get', transactionId: '={{ $json.id }}' },
		seed: (n: number) => sandbox().seedEvents(Array.from({ length: n }, (_, i) => ({ transaction_id: `get-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000 + i }))),
		items: (n: number) => Array.from({ length: n }, (_, i) => ({ id: `get-${i}` })),
		request: (i: number) => `GET /api/v1/events/get-${i}`,
		output: (json: Record<string, unknown>, i: number) => expect(json.transaction_id).toBe(`get-${i}`),
		failing: { id: 'nope' },
		failure: 'No event with transaction ID "nope" was found in Lago',
	},
	{
		name: 'Estimate Fees',
		parameters: { resource: 'event', operation: 'estimateFees', externalSubscriptionId: 'sub_demo_1', code: '={{ $json.code }}', simplify: false },
		seed: () => undefined,
		items: (n: number) => Array.from({ length: n }, () => ({ code: 'api_calls' })),
		request: () => 'POST /api/v1/events/estimate_fees',
		output: (json: Record<string, unknown>) => expect(json).toMatchObject({ item: { code: 'api_calls' } }),
		failing: { code: 'no_such_metric' },
		failure: 'Lago has no billable metric with code "no_such_metric"',
	},
	{
		name: 'Get Current',
		parameters: { resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: '={{ $json.customer }}', externalSubscriptionId: '={{ $json.sub }}', simplify: false },
		seed: () => undefined,
		items: (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? { customer: 'cus_demo_1', sub: 'sub_demo_1' } : { customer: 'cus_demo_2', sub: 'sub_demo_2' })),
		request: (i: number) => `GET /api/v1/customers/${i % 2 ? 'cus_demo_1' : 'cus_demo_2'}/current_usage`,
		output: (json: Record<string, unknown>) => expect(json).toHaveProperty('charges_usage'),
		failing: { customer: 'cus_nope', sub: 'sub_demo_1' },
		failure: 'Lago has no customer with external ID "cus_nope"',
	},
	{
		name: 'Get Past',
		parameters: { resource: 'customerUsage', operation: 'getPast', externalCustomerId: '={{ $json.customer }}', externalSubscriptionId: '={{ $json.sub }}', simplify: false },
		seed: () => undefined,
		items: (n: number) => Array.from({ length: n }, (_, i) => (i % 2 ? { customer: 'cus_demo_1', sub: 'sub_demo_1' } : { customer: 'cus_demo_2', sub: 'sub_demo_2' })),
		request: (i: number) => `GET /api/v1/customers/${i % 2 ? 'cus_demo_1' : 'cus_demo_2'}/past_usage`,
		output: undefined,
		failing: { customer: 'cus_nope', sub: 'sub_demo_1' },
		failure: 'Lago has no customer with external ID "cus_nope"',
	},
];

describe.each(operations)('$name with Parallel Requests', (op) => {
	test('by default up to 10 requests are in flight; output in input order, paired to its item, as one at a time', async () => {
		op.seed(40);
		const items = op.items(40);
		const sequential = await runNode({ parameters: { ...op.parameters, options: { parallelRequests: 1 } } as never, items, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey } });
		expect(sequential.error).toBeUndefined();
		expect(api().map((r) => `${r.method} ${r.path}`)).toEqual(items.map((_, i) => op.request(i)));
		sandbox().requests.length = 0;
		// Answers held long enough for ten requests to be under way even on a loaded machine.
		const { result, most } = await runHeld(250, op.parameters, { items });
		expect(result.error).toBeUndefined();
		expect(most).toBe(10);
		// The same requests, whatever order they arrived in, and the very same output.
		expect(api().map((r) => `${r.method} ${r.path}`).sort()).toEqual(items.map((_, i) => op.request(i)).sort());
		expect(stable(result.items)).toEqual(stable(sequential.items));
		expect(result.items.length).toBeGreaterThanOrEqual(40);
		const pairs = result.items.map((item) => (item.pairedItem as { item: number }).item);
		expect(pairs).toEqual([...pairs].sort((a, b) => a - b));
		expect(new Set(pairs).size).toBe(40);
		if (op.output) result.items.forEach((item, i) => op.output!(item.json, i));
	});

	test('Parallel Requests 1 sends one request at a time, in input order', async () => {
		op.seed(12);
		const items = op.items(12);
		const { result, most } = await runHeld(10, { ...op.parameters, options: { parallelRequests: 1 } }, { items });
		expect(result.error).toBeUndefined();
		expect(most).toBe(1);
		expect(api().map((r) => `${r.method} ${r.path}`)).toEqual(items.map((_, i) => op.request(i)));
	});

	test('Continue On Fail: the failed items are error items in their places, the others as usual', async () => {
		op.seed(30);
		const items = op.items(30);
		items[3] = op.failing as never;
		items[17] = op.failing as never;
		const { result } = await runHeld(20, op.parameters, { items, continueOnFail: true });
		const errors = result.items.filter((item) => item.json.error);
		expect(errors.map((item) => [(item.pairedItem as { item: number }).item, item.json.error])).toEqual([
			[3, expect.stringContaining(op.failure)],
			[17, expect.stringContaining(op.failure)],
		]);
		expect(errors.map((item) => item.json.error as string).every((message) => /\[item (3|17)\]$/.test(message))).toBe(true);
		expect(new Set(result.items.map((item) => (item.pairedItem as { item: number }).item)).size).toBe(30);
	});

	test('without Continue On Fail the node fails with the lowest failed item, and starts nothing after it', async () => {
		op.seed(100);
		const items = op.items(100);
		items[25] = op.failing as never;
		items[40] = op.failing as never;
		// Each answer held 100 ms: a slot frees at most once per hold, so the bound below holds while the node reads item
		// 25's failure within one more hold. With 20 ms, a Stryker run loading the machine made that 47 (00:44 UTC).
		const { result } = await runHeld(100, op.parameters, { items });
		expect(result.error?.message).toContain(op.failure);
		expect(result.error?.message).toMatch(/\[item 25\]$/);
		// Those in flight when item 25 failed finish (and the slots they freed while item 25's answer was on its way);
		// the rest, 50 items and more, never start.
		expect(api().length).toBeLessThanOrEqual(25 + 1 + 2 * 10);
	});
});

describe('Get Many fetches pages in parallel once page 1 gives total_pages', () => {
	const seedEvents = (n: number) =>
		sandbox().seedEvents(Array.from({ length: n }, (_, i) => ({ transaction_id: `gm-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000 + i })));

	test('Return All over 2,500 events: page 1, then up to 10 pages at once; every event once, newest first, as one page at a time', async () => {
		seedEvents(2500);
		// Held long enough for ten pages to be under way while the limiter spaces them 22 ms apart (45 a second).
		const { result, most } = await runHeld(300, { resource: 'event', operation: 'getMany', returnAll: true });
		expect(result.error).toBeUndefined();
		expect(most).toBe(10);
		const pages = api().map((r) => Number(r.query.page));
		expect(pages[0]).toBe(1);
		expect(pages.slice().sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
		expect(result.json.map((e) => e.transaction_id)).toEqual(Array.from({ length: 2500 }, (_, i) => `gm-${2499 - i}`));
		expect(result.items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	test('a limit fetches only the pages it needs', async () => {
		seedEvents(2500);
		const { result } = await runHeld(10, { resource: 'event', operation: 'getMany', returnAll: false, limit: 250 });
		expect(result.json).toHaveLength(250);
		expect(api().map((r) => Number(r.query.page)).sort((a, b) => a - b)).toEqual([1, 2, 3]);
		expect(result.json[249].transaction_id).toBe('gm-2250');
	});

	test('events stored while paging push others onto later pages: none is output twice', async () => {
		seedEvents(1000);
		let stored = 0;
		// Each page request after the first stores 7 newer events before it is answered, shifting every later page.
		const proxy = await holdingProxy(sandbox().url, 10);
		const original = sandbox().requests.push.bind(sandbox().requests);
		sandbox().requests.push = (...records) => {
			for (const record of records) {
				if (record.path === '/api/v1/events' && Number(record.query.page) > 1) {
					sandbox().seedEvents(Array.from({ length: 7 }, () => ({ transaction_id: `late-${stored++}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1800000000 + stored })));
				}
			}
			return original(...records);
		};
		try {
			const result = await runNode({ parameters: { resource: 'event', operation: 'getMany', returnAll: true } as never, credentials: { region: 'custom', baseUrl: proxy.url, apiKey: sandbox().apiKey } });
			expect(result.error).toBeUndefined();
			const ids = result.json.map((e) => e.lago_id);
			expect(new Set(ids).size).toBe(ids.length);
			expect(stored).toBeGreaterThan(0);
		} finally {
			sandbox().requests.push = original;
			await proxy.close();
		}
	});
});

describe('Estimate Instant Fees sends its batches in parallel', () => {
	test('up to 4 batches of 100 in flight; every item once, in input order, paired', async () => {
		const items = Array.from({ length: 1000 }, (_, i) => ({ tx: `if-${i}` }));
		const { result, most } = await runHeld(300, { resource: 'event', operation: 'estimateInstantFees', externalSubscriptionId: 'sub_demo_1', code: 'api_calls', transactionId: '={{ $json.tx }}' }, { items });
		expect(result.error).toBeUndefined();
		expect(most).toBe(4);
		expect(api()).toHaveLength(10);
		expect(result.json.map((j) => j.transaction_id)).toEqual(items.map((item) => item.tx));
		expect(result.items.map((item) => (item.pairedItem as { item: number }).item)).toEqual(items.map((_, i) => i));
	});
});

describe("Lago Cloud's limits against a sandbox that enforces them", () => {
	beforeEach(() => sandbox().setRateLimits(true));
	afterEach(() => sandbox().setRateLimits(false));

	const items = Array.from({ length: 120 }, (_, i) => ({ id: `rl-${i}` }));
	const seed = () => sandbox().seedEvents(items.map(({ id }, i) => ({ transaction_id: id, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000 + i })));

	test('Get with 20 in flight over 120 items: no 429, every item found, never more than 50 in one second', async () => {
		seed();
		const result = await runNode({ parameters: { resource: 'event', operation: 'get', transactionId: '={{ $json.id }}', options: { parallelRequests: 20 } } as never, items, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey } });
		expect(result.error).toBeUndefined();
		expect(sandbox().stats().rateLimited).toBe(0);
		expect(result.json.map((j) => j.transaction_id)).toEqual(items.map((item) => item.id));
		const bySecond = new Map<number, number>();
		for (const r of api()) bySecond.set(Math.floor(r.at / 1000), (bySecond.get(Math.floor(r.at / 1000)) ?? 0) + 1);
		expect(Math.max(...bySecond.values())).toBeLessThanOrEqual(50);
	});

	test('with the limits lifted in the credential (self-hosted), the same run meets 429s, which the gate and retries absorb', async () => {
		seed();
		const result = await runNode({
			parameters: { resource: 'event', operation: 'get', transactionId: '={{ $json.id }}', options: { parallelRequests: 20 } } as never,
			items,
			credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey, rateLimits: 'none' },
		});
		expect(result.error).toBeUndefined();
		expect(sandbox().stats().rateLimited).toBeGreaterThan(0);
		expect(result.json.map((j) => j.transaction_id)).toEqual(items.map((item) => item.id));
	});
});
