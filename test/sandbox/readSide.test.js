'use strict';

const { startSandbox } = require('../../sandbox');
const { aggregate, pastPeriods } = require('../../sandbox/usage');
const catalog = require('../../sandbox/catalog');

const KEY = 'read-side-key';

/** @param {any} sb @param {string} method @param {string} urlPath @param {unknown} [body] */
async function call(sb, method, urlPath, body) {
	const res = await fetch(sb.url + urlPath, {
		method,
		headers: { Authorization: `Bearer ${KEY}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
		body: body === undefined ? undefined : JSON.stringify(body),
	});
	return { status: res.status, json: await res.json() };
}

const T0 = 1767225600; // 2026-01-01T00:00:00Z

describe('sandbox read side', () => {
	/** @type {any} */
	let sb;
	beforeAll(async () => {
		sb = await startSandbox({ apiKey: KEY });
	});
	afterAll(() => sb.stop());
	beforeEach(() => sb.reset());

	describe('GET /api/v1/events filters', () => {
		beforeEach(() => {
			sb.seedEvents([
				{ transaction_id: 'old', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: T0 - 86400 * 400 },
				{ transaction_id: 'a', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: T0 + 10 },
				{ transaction_id: 'b', external_subscription_id: 'sub_demo_1', code: 'storage_gb', timestamp: T0 + 30, properties: { gb: 1 } },
				{ transaction_id: 'c', external_subscription_id: 'sub_demo_2', code: 'api_calls', timestamp: T0 + 20 },
			]);
		});

		it('orders by timestamp, newest first, whatever the insert order', async () => {
			const res = await call(sb, 'GET', '/api/v1/events');
			expect(res.json.events.map((e) => e.transaction_id)).toEqual(['b', 'c', 'a', 'old']);
			expect(res.json.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 4 });
		});

		it('filters on timestamp_from / timestamp_to (inclusive) and timestamp_from_started_at', async () => {
			const range = await call(sb, 'GET', '/api/v1/events?timestamp_from=2026-01-01T00:00:10Z&timestamp_to=2026-01-01T00:00:20.000Z');
			expect(range.json.events.map((e) => e.transaction_id)).toEqual(['c', 'a']);
			const fromStart = await call(sb, 'GET', '/api/v1/events?external_subscription_id=sub_demo_1&timestamp_from_started_at=true');
			expect(fromStart.json.events.map((e) => e.transaction_id)).toEqual(['b', 'a']);
		});

		it('answers a bad filter combination with 422', async () => {
			const noSub = await call(sb, 'GET', '/api/v1/events?timestamp_from_started_at=true');
			expect(noSub.status).toBe(422);
			expect(noSub.json.error_details).toEqual({ timestamp_from_started_at: ['requires_external_subscription_id'] });
			const both = await call(sb, 'GET', '/api/v1/events?external_subscription_id=sub_demo_1&timestamp_from_started_at=true&timestamp_from=2026-01-01T00:00:00Z');
			expect(both.status).toBe(422);
			const badDate = await call(sb, 'GET', '/api/v1/events?timestamp_to=soon');
			expect(badDate.json.error_details).toEqual({ timestamp_to: ['invalid_date'] });
		});
	});

	describe('instant fee estimates', () => {
		it('estimates standard and percentage pay-in-advance charges, with the transaction id on each fee', async () => {
			const res = await call(sb, 'POST', '/api/v1/events/batch_estimate_instant_fees', {
				events: [
					{ transaction_id: 't1', external_subscription_id: 'sub_demo_3', code: 'payment_volume', properties: { amount: '1000' } },
					{ transaction_id: 't2', external_subscription_id: 'sub_demo_2', code: 'storage_gb', properties: { gb: 3 } },
					{ transaction_id: 't3', external_subscription_id: 'sub_demo_2', code: 'seats' },
					{ transaction_id: 't4', external_subscription_id: 'sub_demo_2', code: 'no_such_metric' },
				],
			});
			expect(res.status).toBe(200);
			expect(res.json.fees.map((f) => [f.event_transaction_id, f.item.code, f.units, f.amount_cents, f.taxes_amount_cents, f.events_count, f.pay_in_advance])).toEqual([
				['t1', 'payment_volume', '1000.0', 2530, 0, 1, true],
				['t2', 'storage_gb', '3.0', 150, 0, 1, true],
			]);
			expect(res.json.fees[0]).toMatchObject({ lago_charge_id: catalog.PLANS.marketplace.charges[1].lago_id, external_customer_id: 'cus_demo_3', amount_currency: 'EUR', precise_amount: '25.3' });
			expect(sb.events).toHaveLength(0);
		});

		it('answers the whole batch with 500 when one subscription group fails', async () => {
			const res = await call(sb, 'POST', '/api/v1/events/batch_estimate_instant_fees', {
				events: [
					{ transaction_id: 't1', external_subscription_id: 'sub_demo_1', code: 'api_calls' },
					{ transaction_id: 't2', external_subscription_id: 'sub_terminated', code: 'api_calls' },
				],
			});
			expect(res.status).toBe(500);
			expect(res.json).toEqual({ status: 500, error: 'Internal Server Error' });
		});

		it('estimates one event, with 404 and 422 as Lago answers them', async () => {
			const ok = await call(sb, 'POST', '/api/v1/events/estimate_instant_fees', { event: { transaction_id: 'x', external_subscription_id: 'sub_demo_1', code: 'api_calls' } });
			expect(ok.json.fees).toHaveLength(1);
			expect(ok.json.fees[0]).toMatchObject({ event_transaction_id: 'x', amount_cents: 2 });
			const noCharge = await call(sb, 'POST', '/api/v1/events/estimate_instant_fees', { event: { external_subscription_id: 'sub_demo_1', code: 'seats' } });
			expect(noCharge).toEqual({ status: 422, json: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { code: ['does_not_match_an_instant_charge'] } } });
			const noSub = await call(sb, 'POST', '/api/v1/events/estimate_instant_fees', { event: { external_subscription_id: 'sub_x', code: 'api_calls' } });
			expect(noSub.json).toEqual({ status: 404, error: 'Not Found', code: 'subscription_not_found' });
		});
	});

	describe('customer usage', () => {
		it('current usage: 405 no_active_subscription and 404 customer_not_found', async () => {
			const terminated = await call(sb, 'GET', '/api/v1/customers/cus_demo_1/current_usage?external_subscription_id=sub_terminated');
			expect(terminated).toEqual({ status: 405, json: { status: 405, error: 'Method Not Allowed', code: 'no_active_subscription' } });
			const unknown = await call(sb, 'GET', '/api/v1/customers/cus_x/current_usage?external_subscription_id=sub_demo_1');
			expect(unknown.json.code).toBe('customer_not_found');
		});

		it('past usage is paginated with meta and needs the subscription', async () => {
			const res = await call(sb, 'GET', '/api/v1/customers/cus_demo_1/past_usage?external_subscription_id=sub_demo_1&per_page=1');
			expect(res.status).toBe(200);
			expect(res.json.usage_periods).toHaveLength(1);
			expect(res.json.meta).toMatchObject({ current_page: 1, prev_page: null });
			const missing = await call(sb, 'GET', '/api/v1/customers/cus_demo_1/past_usage');
			expect(missing.json.error_details).toEqual({ external_subscription_id: ['value_is_mandatory'] });
		});

		it('aggregates each type the catalog uses', () => {
			const metric = (code) => /** @type {any} */ (catalog.findMetric(code));
			const events = (field, values) => values.map((v) => ({ properties: { [field]: v } }));
			expect(aggregate(metric('api_calls'), /** @type {any} */ (events('x', [1, 2, 3])))).toBe(3);
			expect(aggregate(metric('storage_gb'), /** @type {any} */ (events('gb', [1, '2.5', 'bad'])))).toBe(3.5);
			expect(aggregate(metric('peak_memory_gb'), /** @type {any} */ (events('gb', [3, 9, 4])))).toBe(9);
			expect(aggregate(metric('account_balance'), /** @type {any} */ (events('balance', [3, 9, 4])))).toBe(4);
			expect(aggregate(metric('seats'), /** @type {any} */ (events('user_id', ['a', 'b', 'a', null])))).toBe(2);
			expect(aggregate(metric('peak_memory_gb'), [])).toBe(0);
		});

		it('past periods are calendar months back to the subscription start, newest first', () => {
			const sub = /** @type {any} */ (catalog.SUBSCRIPTIONS.find((s) => s.external_id === 'sub_demo_1'));
			const periods = pastPeriods(sub, Date.parse('2026-04-15T10:00:00Z'));
			expect(periods.map((p) => [new Date(p.fromMs).toISOString(), new Date(p.toMs).toISOString()])).toEqual([
				['2026-03-01T00:00:00.000Z', '2026-03-31T23:59:59.000Z'],
				['2026-02-01T00:00:00.000Z', '2026-02-28T23:59:59.000Z'],
				['2026-01-01T00:00:00.000Z', '2026-01-31T23:59:59.000Z'],
			]);
		});
	});

	it('GET /subscriptions lists active ones by default, status[] for others', async () => {
		const active = await call(sb, 'GET', '/api/v1/subscriptions?external_customer_id=cus_demo_2');
		expect(active.json.subscriptions.map((s) => s.external_id)).toEqual(['sub_demo_2']);
		const pending = await call(sb, 'GET', '/api/v1/subscriptions?external_customer_id=cus_demo_2&status[]=pending');
		expect(pending.json.subscriptions.map((s) => [s.external_id, s.status, s.plan_code])).toEqual([['sub_pending', 'pending', 'scale']]);
	});
});
