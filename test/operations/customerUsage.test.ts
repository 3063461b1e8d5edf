import type { INodeParameters } from 'n8n-workflow';

import { searchCustomers } from '../../nodes/LagoEvents/listSearch/searchCustomers';
import { searchSubscriptions } from '../../nodes/LagoEvents/listSearch/searchSubscriptions';
import { loadOptionsContext, runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

const sandbox = useSandbox('lago_test_key_usage-SECRET');

const run = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({
		parameters: { resource: 'customerUsage', externalCustomerId: 'cus_demo_1', externalSubscriptionId: { __rl: true, mode: 'list', value: 'sub_demo_1' }, ...parameters } as never,
		credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey },
		...extra,
	});

// "Now" is pinned (the sandbox reads the same clock), so periods and counts are the same on every day of the year.
// The pinned clock still moves with real time (advanceTimers): the run's rate limiter spaces requests by Date.now(),
// and a clock that stands still would hold the second request forever.
// sub_demo_1 started on 2026-01-01: on 2026-11-15 it has ten closed monthly periods, January to October.
const NOW = Date.parse('2026-11-15T12:00:00Z');
const pinClock = (at: number) =>
	jest.useFakeTimers({
		now: at,
		advanceTimers: true,
		doNotFake: ['hrtime', 'nextTick', 'performance', 'queueMicrotask', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'setTimeout', 'clearTimeout'],
	});
beforeEach(() => pinClock(NOW));
afterEach(() => jest.useRealTimers());

const now = new Date(NOW);
const monthStart = (offset: number) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + offset, 1);
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const seconds = (ms: number) => ms / 1000;

/** Usage of sub_demo_1 in the current month, and a little in the two months before. */
function seedUsage() {
	let n = 0;
	const at = (month: number, minute: number) => seconds(monthStart(month) + minute * 60_000);
	const ev = (code: string, ts: number, properties: Record<string, unknown> = {}, sub = 'sub_demo_1') => ({ transaction_id: `u${n++}`, external_subscription_id: sub, code, timestamp: ts, properties });
	sandbox().seedEvents([
		ev('api_calls', at(0, 1)),
		ev('api_calls', at(0, 2)),
		ev('api_calls', at(0, 3)),
		ev('storage_gb', at(0, 4), { gb: 2 }),
		ev('storage_gb', at(0, 5), { gb: '3.5' }),
		ev('seats', at(0, 6), { user_id: 'u1' }),
		ev('seats', at(0, 7), { user_id: 'u2' }),
		ev('seats', at(0, 8), { user_id: 'u1' }),
		ev('peak_memory_gb', at(0, 9), { gb: 4 }),
		ev('peak_memory_gb', at(0, 10), { gb: 7 }),
		ev('peak_memory_gb', at(0, 11), { gb: 2 }),
		ev('account_balance', at(0, 12), { balance: 30 }),
		ev('account_balance', at(0, 13), { balance: 12 }),
		ev('api_calls', at(0, 14), {}, 'sub_demo_2'),
		ev('api_calls', at(-1, 60)),
		ev('api_calls', at(-1, 61)),
		ev('storage_gb', at(-2, 60), { gb: 10 }),
	]);
}

const period = { from_datetime: iso(monthStart(0)), to_datetime: iso(monthStart(1) - 1000), issuing_date: iso(monthStart(1)).slice(0, 10) };

describe('Customer Usage › Get Current', () => {
	beforeEach(seedUsage);

	test('one metric: path, query and one flat item an IF node can compare', async () => {
		const result = await run({ operation: 'getCurrent', options: { billableMetricCode: { __rl: true, mode: 'list', value: 'storage_gb' } } });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests).toHaveLength(1);
		expect(sandbox().requests[0].path).toBe('/api/v1/customers/cus_demo_1/current_usage');
		expect(sandbox().requests[0].query).toEqual({ external_subscription_id: 'sub_demo_1', apply_taxes: 'true', billable_metric_code: 'storage_gb' });
		expect(result.items).toEqual([
			{
				json: {
					external_customer_id: 'cus_demo_1',
					external_subscription_id: 'sub_demo_1',
					metric_code: 'storage_gb',
					metric_name: 'Storage (GB)',
					units: 5.5,
					events_count: 2,
					amount: 2.75,
					currency: 'EUR',
					from_datetime: period.from_datetime,
					to_datetime: period.to_datetime,
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	test('every charge of the plan, each aggregation computed from the stored events of this period only', async () => {
		const result = await run({ operation: 'getCurrent' });
		const byMetric = Object.fromEntries(result.json.map((j) => [j.metric_code, [j.units, j.events_count, j.amount]]));
		expect(result.json).toHaveLength(13);
		expect(byMetric).toMatchObject({
			api_calls: [3, 3, 0.06],
			storage_gb: [5.5, 2, 2.75],
			seats: [2, 3, 18],
			peak_memory_gb: [7, 3, 14],
			account_balance: [12, 2, 1.2],
			sms_sent: [0, 0, 0],
		});
	});

	test('Simplify off returns Lago\'s usage object, with taxes unless Apply Taxes is off', async () => {
		const withTaxes = await run({ operation: 'getCurrent', externalCustomerId: 'cus_demo_2', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_2' }, simplify: false });
		expect(withTaxes.json).toHaveLength(1);
		expect(withTaxes.json[0]).toMatchObject({ ...period, currency: 'EUR', amount_cents: 2, taxes_amount_cents: 0, total_amount_cents: 2 });
		const charges = withTaxes.json[0].charges_usage as Array<Record<string, any>>;
		expect(charges.find((c) => c.billable_metric.code === 'api_calls')).toMatchObject({ units: '1.0', events_count: 1, amount_cents: 2, charge: { charge_model: 'standard' } });

		sandbox().seedEvents([{ transaction_id: 'big', external_subscription_id: 'sub_demo_2', code: 'storage_gb', timestamp: seconds(monthStart(0) + 1000), properties: { gb: 100 } }]);
		const taxed = await run({ operation: 'getCurrent', externalCustomerId: 'cus_demo_2', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_2' }, simplify: false });
		expect(taxed.json[0]).toMatchObject({ amount_cents: 5002, taxes_amount_cents: 1000, total_amount_cents: 6002 });
		const untaxed = await run({ operation: 'getCurrent', externalCustomerId: 'cus_demo_2', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_2' }, simplify: false, options: { applyTaxes: false } });
		expect(sandbox().requests[2].query.apply_taxes).toBe('false');
		expect(untaxed.json[0]).toMatchObject({ amount_cents: 5002, taxes_amount_cents: 0, total_amount_cents: 5002 });
	});

	test('customer and subscription mapped per item: one request each, paired, ids encoded into the path', async () => {
		const result = await run(
			{ operation: 'getCurrent', externalCustomerId: '={{ $json.customer }}', externalSubscriptionId: { __rl: true, mode: 'id', value: '={{ $json.sub }}' }, options: { billableMetricCode: { __rl: true, mode: 'id', value: 'api_calls' } } },
			{ items: [{ customer: 'cus_demo_1', sub: 'sub_demo_1' }, { customer: 'cus/x y', sub: 'sub_demo_2' }], continueOnFail: true },
		);
		expect(sandbox().requests.map((r) => r.path)).toEqual(['/api/v1/customers/cus_demo_1/current_usage', '/api/v1/customers/cus%2Fx%20y/current_usage']);
		expect(result.json[0]).toMatchObject({ metric_code: 'api_calls', units: 3 });
		expect(result.json[1]).toMatchObject({ error: 'Lago has no customer with external ID "cus/x y" [item 1]', lago_code: 'customer_not_found' });
	});

	test.each([
		[
			'a terminated subscription',
			{ externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_terminated' } },
			'Customer "cus_demo_1" has no active subscription with external ID "sub_terminated" [item 0]',
			'no_active_subscription',
		],
		[
			"another customer's subscription",
			{ externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_2' } },
			'Customer "cus_demo_1" has no active subscription with external ID "sub_demo_2" [item 0]',
			'no_active_subscription',
		],
		['an unknown customer', { externalCustomerId: 'cus_nope' }, 'Lago has no customer with external ID "cus_nope" [item 0]', 'customer_not_found'],
		['an unknown metric', { options: { billableMetricCode: { __rl: true, mode: 'id', value: 'nope' } } }, 'Lago has no billable metric with code "nope" [item 0]', 'billable_metric_not_found'],
	])('%s has its own fix-it message', async (_name, parameters, message, lagoCode) => {
		const result = await run({ operation: 'getCurrent', ...parameters });
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toContain(`Lago code: ${lagoCode}`);
	});

	test('no_active_subscription says how to fix it', async () => {
		const result = await run({ operation: 'getCurrent', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_terminated' } });
		expect(result.error?.description).toContain('for a terminated subscription use Get Past');
		expect(result.error?.httpCode).toBe('405');
	});

	test.each([
		['an empty customer', { externalCustomerId: '={{ $json.customer }}' }, 'External Customer ID is empty [item 0]'],
		['an empty subscription', { externalSubscriptionId: { __rl: true, mode: 'id', value: '={{ $json.sub }}' } }, 'External Subscription ID is empty [item 0]'],
	])('%s (mapped from the item) is an error before any request', async (_name, parameters, message) => {
		const result = await run({ operation: 'getCurrent', ...parameters });
		expect(result.error?.message).toBe(message);
		expect(sandbox().requests).toHaveLength(0);
	});

	test('a wrong key gives the credential message', async () => {
		const result = await runNode({ parameters: { resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: 'cus_demo_1', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_demo_1' } } as never, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: 'nope' } });
		expect(result.error?.message).toBe('Lago rejected the API key (401 Unauthorized) [item 0]');
	});
});

describe('Customer Usage › Get Past', () => {
	beforeEach(seedUsage);

	test('closed periods, newest first, limited by Periods Count, one item per charge', async () => {
		const result = await run({ operation: 'getPast', options: { periodsCount: 2, billableMetricCode: { __rl: true, mode: 'list', value: 'api_calls' } } });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].path).toBe('/api/v1/customers/cus_demo_1/past_usage');
		expect(sandbox().requests[0].query).toEqual({ external_subscription_id: 'sub_demo_1', periods_count: '2', billable_metric_code: 'api_calls', page: '1', per_page: '100' });
		expect(result.json.map((j) => [j.from_datetime, j.units, j.amount])).toEqual([
			['2026-10-01T00:00:00Z', 2, 0.04],
			['2026-09-01T00:00:00Z', 0, 0],
		]);
		expect(result.json[0]).toMatchObject({ to_datetime: '2026-10-31T23:59:59Z', metric_code: 'api_calls', events_count: 2, currency: 'EUR' });
	});

	test('Simplify off returns one usage period per item', async () => {
		const result = await run({ operation: 'getPast', simplify: false, options: { periodsCount: 1 } });
		expect(result.json).toHaveLength(1);
		expect(result.json[0]).toMatchObject({ from_datetime: iso(monthStart(-1)), charges_usage: expect.any(Array) });
	});

	test('without Periods Count every closed period since the subscription started', async () => {
		const result = await run({ operation: 'getPast', simplify: false });
		expect(result.json.map((j) => j.from_datetime)).toEqual(Array.from({ length: 10 }, (_, i) => `2026-${String(10 - i).padStart(2, '0')}-01T00:00:00Z`));
		expect(sandbox().requests[0].query).toEqual({ external_subscription_id: 'sub_demo_1', page: '1', per_page: '100' });
	});

	test('a month after the subscription started there is one closed period, even when Periods Count asks for 2', async () => {
		pinClock(Date.parse('2026-02-10T08:00:00Z'));
		const result = await run({ operation: 'getPast', simplify: false, options: { periodsCount: 2 } });
		expect(result.error).toBeUndefined();
		expect(result.json.map((j) => [j.from_datetime, j.to_datetime])).toEqual([['2026-01-01T00:00:00Z', '2026-01-31T23:59:59Z']]);
	});

	test('Periods Count 0 from an expression is an error before any request', async () => {
		const result = await run({ operation: 'getPast', options: { periodsCount: '={{ 0 }}' } });
		expect(result.error?.message).toBe('Periods Count must be a whole number of at least 1, got 0 [item 0]');
		expect(sandbox().requests).toHaveLength(0);
	});

	test('an unknown subscription of the customer has its own message', async () => {
		const result = await run({ operation: 'getPast', externalSubscriptionId: { __rl: true, mode: 'id', value: 'sub_other' } });
		expect(result.error?.message).toBe('Customer "cus_demo_1" has no subscription with external ID "sub_other" [item 0]');
	});
});

describe('subscription picker', () => {
	const context = (parameters: INodeParameters) => {
		const ctx = loadOptionsContext(sandboxCredentials(sandbox()), parameters);
		// n8n fills this from the parameters the editor sends with the request.
		(ctx as unknown as { additionalData: { currentNodeParameters: INodeParameters } }).additionalData.currentNodeParameters = parameters;
		return ctx;
	};

	test('lists the active subscriptions of the customer in External Customer ID', async () => {
		const result = await searchSubscriptions.call(context({ resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: 'cus_demo_1' }));
		expect(sandbox().requests[0].path).toBe('/api/v1/subscriptions');
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50', external_customer_id: 'cus_demo_1' });
		expect(result).toEqual({ results: [{ name: 'sub_demo_1, plan startup', value: 'sub_demo_1', description: 'Status: active' }], paginationToken: undefined });
	});

	test('without a customer (or with an expression) it lists every active subscription, naming the customer', async () => {
		const result = await searchSubscriptions.call(context({ resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: '={{ $json.customer }}' }));
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50' });
		expect(result.results.map((r) => r.name)).toEqual(['sub_demo_1, plan startup, customer cus_demo_1', 'sub_demo_2, plan scale, customer cus_demo_2', 'sub_demo_3, plan marketplace, customer cus_demo_3']);
	});

	test('the search text narrows the list by ID or plan', async () => {
		const result = await searchSubscriptions.call(context({ externalCustomerId: '' }), 'MARKET');
		expect(result.results.map((r) => r.value)).toEqual(['sub_demo_3']);
	});
	test('External Customer ID picked from its list narrows the subscriptions as its text did', async () => {
		const result = await searchSubscriptions.call(context({ externalCustomerId: { __rl: true, mode: 'list', value: 'cus_demo_2', cachedResultName: 'cus_demo_2' } }));
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50', external_customer_id: 'cus_demo_2' });
		expect(result.results.map((r) => r.value)).toEqual(['sub_demo_2']);
	});
});

describe('customer picker', () => {
	test('lists the customers, one page of GET /customers, each by its external ID', async () => {
		const result = await searchCustomers.call(loadOptionsContext(sandboxCredentials(sandbox()), {}));
		expect(sandbox().requests[0].path).toBe('/api/v1/customers');
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50' });
		expect(result).toEqual({
			results: [
				{ name: 'cus_demo_1', value: 'cus_demo_1', description: undefined },
				{ name: 'cus_demo_2', value: 'cus_demo_2', description: undefined },
				{ name: 'cus_demo_3', value: 'cus_demo_3', description: undefined },
			],
			paginationToken: undefined,
		});
	});

	test('the search text goes to Lago as search_term', async () => {
		const result = await searchCustomers.call(loadOptionsContext(sandboxCredentials(sandbox()), {}), ' DEMO_3 ');
		expect(sandbox().requests[0].query).toEqual({ page: '1', per_page: '50', search_term: 'DEMO_3' });
		expect(result.results.map((r) => r.value)).toEqual(['cus_demo_3']);
	});
});

describe('External Customer ID: saved text and the new picker read the same', () => {
	beforeEach(seedUsage);

	test.each([
		['text saved before the picker', 'cus_demo_1'],
		['a customer picked from the list', { __rl: true, mode: 'list', value: 'cus_demo_1' }],
		['a mapped expression saved as text', '={{ $json.customer }}'],
		['a mapped expression in By ID', { __rl: true, mode: 'id', value: '={{ $json.customer }}' }],
	])('%s', async (_name, externalCustomerId) => {
		const result = await run({ operation: 'getCurrent', externalCustomerId, options: { billableMetricCode: { __rl: true, mode: 'id', value: 'api_calls' } } }, { items: [{ customer: 'cus_demo_1' }] });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests.map((r) => r.path)).toEqual(['/api/v1/customers/cus_demo_1/current_usage']);
		expect(result.json).toEqual([expect.objectContaining({ external_customer_id: 'cus_demo_1', metric_code: 'api_calls', units: 3 })]);
	});
});
