import { runNode, useSandbox } from '../helpers/harness';

const sandbox = useSandbox('lago_test_key_getmany-SECRET');

const run = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ parameters: { operation: 'getMany', ...parameters } as never, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey }, ...extra });

const T0 = 1767225600; // 2026-01-01T00:00:00Z

/** `count` events one second apart, api_calls on sub_demo_1; the newest is the last. */
function seed(count: number, overrides: (i: number) => Record<string, unknown> = () => ({})) {
	return sandbox().seedEvents(
		Array.from({ length: count }, (_, i) => ({ transaction_id: `tx-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: T0 + i, ...overrides(i) })),
	);
}

/**
 * The page requests as Get Many makes them: page 1 first (it tells how many there are), then the rest in parallel, in
 * whatever order they reach the sandbox, so those are compared by page number.
 */
const pages = () => {
	const [first, ...rest] = sandbox().requests.map((r) => ({ page: r.query.page, per_page: r.query.per_page }));
	return first ? [first, ...rest.sort((a, b) => Number(a.page) - Number(b.page))] : [];
};

describe('Get Many: paging', () => {
	test.each([
		[0, [{ page: '1', per_page: '100' }]],
		[1, [{ page: '1', per_page: '100' }]],
		[100, [{ page: '1', per_page: '100' }]],
		[101, [{ page: '1', per_page: '100' }, { page: '2', per_page: '100' }]],
		[250, [{ page: '1', per_page: '100' }, { page: '2', per_page: '100' }, { page: '3', per_page: '100' }]],
	])('Return All over %i events fetches every page once, newest first', async (count, expectedPages) => {
		seed(count);
		const result = await run({ returnAll: true });
		expect(result.error).toBeUndefined();
		expect(pages()).toEqual(expectedPages);
		expect(result.json.map((e) => e.transaction_id)).toEqual(Array.from({ length: count }, (_, i) => `tx-${count - 1 - i}`));
		expect(new Set(result.json.map((e) => e.lago_id)).size).toBe(count);
		expect(result.items.every((item) => (item.pairedItem as { item: number }).item === 0)).toBe(true);
	});

	test.each([
		[1, 1, [{ page: '1', per_page: '1' }]],
		[50, 50, [{ page: '1', per_page: '50' }]],
		[100, 100, [{ page: '1', per_page: '100' }]],
		[101, 101, [{ page: '1', per_page: '100' }, { page: '2', per_page: '100' }]],
	])('Limit %i over 250 events returns %i and stops as soon as the limit is reached', async (limit, returned, expectedPages) => {
		seed(250);
		const result = await run({ returnAll: false, limit });
		expect(result.error).toBeUndefined();
		expect(pages()).toEqual(expectedPages);
		expect(result.json).toHaveLength(returned);
		expect(result.json[0].transaction_id).toBe('tx-249');
		expect(result.json[returned - 1].transaction_id).toBe(`tx-${250 - returned}`);
	});

	test('Limit above what Lago has returns what there is, and stops on the last page', async () => {
		seed(30);
		const result = await run({ limit: 500 });
		expect(result.json).toHaveLength(30);
		expect(pages()).toEqual([{ page: '1', per_page: '100' }]);
	});

	test('the default is Limit 50', async () => {
		seed(60);
		const result = await run({});
		expect(result.json).toHaveLength(50);
		expect(pages()).toEqual([{ page: '1', per_page: '50' }]);
	});

	test('outputs Lago event objects as they are', async () => {
		const [stored] = seed(1, () => ({ properties: { gb: 3 }, precise_total_amount_cents: '12.5' }));
		const result = await run({ returnAll: true });
		expect(result.items).toEqual([{ json: stored, pairedItem: { item: 0 } }]);
		expect(Object.keys(result.json[0]).sort()).toEqual(
			['code', 'created_at', 'external_subscription_id', 'lago_customer_id', 'lago_id', 'lago_subscription_id', 'precise_total_amount_cents', 'properties', 'timestamp', 'transaction_id'].sort(),
		);
	});
});

describe('Get Many: events stored while paging', () => {
	test('an event pushed onto the next page by a newer one is output once, not twice', async () => {
		seed(250);
		const requests = sandbox().requests;
		const push = requests.push;
		// Three newer events arrive just before page 2 is answered: Lago's offset pages shift by three.
		requests.push = function (this: typeof requests, ...records: typeof requests) {
			if (records[0]?.query.page === '2') sandbox().seedEvents([0, 1, 2].map((i) => ({ transaction_id: `late-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: T0 + 1000 + i })));
			return push.apply(this, records);
		};
		try {
			const result = await run({ returnAll: true });
			const ids = result.json.map((e) => e.transaction_id);
			expect(sandbox().requests).toHaveLength(3);
			expect(new Set(ids).size).toBe(ids.length);
			expect(ids).toEqual(Array.from({ length: 250 }, (_, i) => `tx-${249 - i}`));
		} finally {
			requests.push = push;
		}
	});
});

describe('Get Many: filters', () => {
	beforeEach(() => {
		seed(10, (i) => ({ code: i % 2 ? 'storage_gb' : 'api_calls', external_subscription_id: i < 5 ? 'sub_demo_1' : 'sub_demo_2' }));
	});

	test('metric code from the picker, subscription and both times are sent as Lago filters', async () => {
		const result = await run({
			returnAll: true,
			filters: {
				code: { __rl: true, mode: 'list', value: 'storage_gb' },
				externalSubscriptionId: 'sub_demo_2',
				timestampFrom: '2026-01-01T00:00:06Z',
				timestampTo: T0 + 9,
			},
		});
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].query).toEqual({
			code: 'storage_gb',
			external_subscription_id: 'sub_demo_2',
			timestamp_from: '2026-01-01T00:00:06.000Z',
			timestamp_to: '2026-01-01T00:00:09.000Z',
			page: '1',
			per_page: '100',
		});
		expect(result.json.map((e) => e.transaction_id)).toEqual(['tx-9', 'tx-7']);
	});

	test.each([
		['ISO 8601 with an offset', '2026-01-01T02:00:03+02:00'],
		['epoch seconds', T0 + 3],
		['epoch seconds as text', String(T0 + 3)],
		['epoch milliseconds', (T0 + 3) * 1000],
		['a date from an expression', `={{ DateTime.fromMillis(${(T0 + 3) * 1000}) }}`],
		['a JS Date from an expression', `={{ new Date(${(T0 + 3) * 1000}) }}`],
	])('Timestamp From accepts %s', async (_name, timestampFrom) => {
		const result = await run({ returnAll: true, filters: { timestampFrom } });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].query.timestamp_from).toBe('2026-01-01T00:00:03.000Z');
		expect(result.json).toHaveLength(7);
	});

	test('From Subscription Start sends timestamp_from_started_at with the subscription', async () => {
		const result = await run({ returnAll: true, filters: { externalSubscriptionId: 'sub_demo_1', fromSubscriptionStart: true } });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].query).toEqual({ external_subscription_id: 'sub_demo_1', timestamp_from_started_at: 'true', page: '1', per_page: '100' });
		expect(result.json).toHaveLength(5);
	});

	test('a metric code mapped per item gives each item its own query, paired to it', async () => {
		const result = await run(
			{ returnAll: true, filters: { code: { __rl: true, mode: 'id', value: '={{ $json.metric }}' }, externalSubscriptionId: 'sub_demo_1' } },
			{ items: [{ metric: 'api_calls' }, { metric: 'storage_gb' }] },
		);
		expect(sandbox().requests.map((r) => r.query.code)).toEqual(['api_calls', 'storage_gb']);
		expect(result.items.map((i) => [i.json.transaction_id, (i.pairedItem as { item: number }).item])).toEqual([
			['tx-4', 0],
			['tx-2', 0],
			['tx-0', 0],
			['tx-3', 1],
			['tx-1', 1],
		]);
	});
});

describe('Get Many: bad filters are errors before any request', () => {
	test.each([
		[
			'From Subscription Start with Timestamp From',
			{ externalSubscriptionId: 'sub_demo_1', fromSubscriptionStart: true, timestampFrom: '2026-01-01T00:00:00Z' },
			'From Subscription Start and Timestamp From cannot be used together [item 0]',
		],
		[
			'Timestamp From after Timestamp To',
			{ timestampFrom: '2026-02-01T00:00:00Z', timestampTo: '2026-01-01T00:00:00Z' },
			'Timestamp From (2026-02-01T00:00:00.000Z) is after Timestamp To (2026-01-01T00:00:00.000Z) [item 0]',
		],
		['a Timestamp From on a day that does not exist', { timestampFrom: '2026-02-30T00:00:00' }, 'Timestamp From "2026-02-30T00:00:00" is not a date Lago can use [item 0]'],
		['a Timestamp To that is not a date', { timestampTo: 'yesterday' }, 'Timestamp To "yesterday" is not a date Lago can use [item 0]'],
		['a subscription with spaces around it', { externalSubscriptionId: ' sub_demo_1' }, 'External Subscription ID " sub_demo_1" has leading or trailing spaces [item 0]'],
	])('%s', async (_name, filters, message) => {
		const result = await run({ returnAll: true, filters });
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toContain('Nothing was sent to Lago for this item.');
		expect(sandbox().requests).toHaveLength(0);
	});

	test('From Subscription Start saved without a subscription: the panel hides it, so n8n drops it and the query has no start filter', async () => {
		const result = await run({ returnAll: true, filters: { fromSubscriptionStart: true } });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests).toHaveLength(1);
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '100' });
	});

	test('a Limit of 0 from an expression is an error', async () => {
		const result = await run({ limit: '={{ 0 }}' });
		expect(result.error?.message).toBe('Limit must be a whole number of at least 1, got 0 [item 0]');
		expect(sandbox().requests).toHaveLength(0);
	});

	test('with Continue On Fail the bad item gets an error and the good one its events', async () => {
		seed(3);
		const result = await run(
			{ returnAll: true, filters: { externalSubscriptionId: '={{ $json.sub }}', fromSubscriptionStart: true } },
			{ items: [{ sub: '' }, { sub: 'sub_demo_1' }], continueOnFail: true },
		);
		expect(result.json[0]).toMatchObject({ error: 'From Subscription Start needs an External Subscription ID [item 0]' });
		expect(result.json.slice(1).map((e) => e.transaction_id)).toEqual(['tx-2', 'tx-1', 'tx-0']);
		expect(sandbox().requests).toHaveLength(1);
	});
});

describe('Get Many: Lago errors', () => {
	test('a wrong key fails with the credential message', async () => {
		const result = await runNode({ parameters: { operation: 'getMany' } as never, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: 'wrong' } });
		expect(result.error?.message).toBe('Lago rejected the API key (401 Unauthorized) [item 0]');
	});

	test('a 503 on a page is retried and the run completes', async () => {
		seed(150);
		sandbox().setFaults({ firstAttemptsFail: 1 });
		const result = await run({ returnAll: true, options: { initialRetryDelay: 0 } });
		expect(result.error).toBeUndefined();
		expect(result.json).toHaveLength(150);
		expect(sandbox().requests.map((r) => r.status)).toEqual([503, 200, 200]);
	});
});
