'use strict';

const path = require('node:path');
const { spawn } = require('node:child_process');
const { startSandbox } = require('../../sandbox');

const KEY = 'test-key';

/**
 * Real HTTP call against a sandbox. `body` is JSON-encoded unless `raw` is given.
 * @param {{ url: string }} sb
 * @param {string} method
 * @param {string} urlPath
 * @param {{ body?: unknown, raw?: string, key?: string | null, auth?: string, contentType?: string | null }} [opts]
 */
async function call(sb, method, urlPath, opts = {}) {
	/** @type {Record<string, string>} */
	const headers = {};
	if (opts.auth !== undefined) headers.Authorization = opts.auth;
	else if (opts.key !== null) headers.Authorization = `Bearer ${opts.key || KEY}`;
	const hasBody = opts.raw !== undefined || opts.body !== undefined;
	if (hasBody && opts.contentType !== null) headers['Content-Type'] = opts.contentType || 'application/json';
	const res = await fetch(sb.url + urlPath, {
		method,
		headers,
		body: opts.raw !== undefined ? opts.raw : hasBody ? JSON.stringify(opts.body) : undefined,
	});
	const text = await res.text();
	let json;
	try {
		json = JSON.parse(text);
	} catch {
		json = undefined;
	}
	return { status: res.status, headers: res.headers, text, json };
}

const post = (sb, p, body, opts = {}) => call(sb, 'POST', p, { ...opts, body });
const get = (sb, p, opts = {}) => call(sb, 'GET', p, opts);

/** @param {string} transactionId @param {object} [extra] */
function ev(transactionId, extra = {}) {
	return { transaction_id: transactionId, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000, ...extra };
}

function validation(details) {
	return { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details };
}

const EVENT_KEYS = [
	'lago_id',
	'transaction_id',
	'lago_customer_id',
	'code',
	'timestamp',
	'precise_total_amount_cents',
	'properties',
	'lago_subscription_id',
	'external_subscription_id',
	'created_at',
];
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('Lago sandbox', () => {
	/** @type {Awaited<ReturnType<typeof startSandbox>>} */
	let sb;

	beforeAll(async () => {
		sb = await startSandbox({ port: 0, apiKey: KEY });
	});
	afterAll(() => sb.stop());
	beforeEach(() => {
		sb.reset();
		sb.setFaults(null);
		sb.setRejectTransactionIds([]);
		sb.setBatchMaxLength(100);
	});

	describe('routing and auth', () => {
		it('binds to 127.0.0.1 and exposes the API base', () => {
			expect(sb.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
			expect(sb.apiUrl).toBe(`${sb.url}/api/v1`);
			expect(sb.apiKey).toBe(KEY);
		});

		it('rejects a missing or wrong key with 401 and ignores the scheme word', async () => {
			const missing = await get(sb, '/api/v1/billable_metrics', { key: null });
			expect(missing.status).toBe(401);
			expect(missing.json).toEqual({ status: 401, error: 'Unauthorized' });
			expect((await get(sb, '/api/v1/events/x', { key: 'nope' })).json).toEqual({ status: 401, error: 'Unauthorized' });
			expect((await get(sb, '/api/v1/billable_metrics', { auth: KEY })).status).toBe(401);
			expect((await get(sb, '/api/v1/billable_metrics', { auth: `Token ${KEY}` })).status).toBe(200);
			expect((await get(sb, '/api/v1/billable_metrics', { auth: `  bearer   ${KEY} trailing` })).status).toBe(200);
		});

		it('answers unknown paths with 404 resource_not_found before any auth check', async () => {
			const notFound = { status: 404, error: 'Not Found', code: 'resource_not_found' };
			for (const [method, p] of [
				['POST', '/events'],
				['GET', '/api/v2/events/x'],
				['PUT', '/api/v1/events'],
				['DELETE', '/api/v1/events/abc'],
				['GET', '/api/v1/events/a/b'],
				['GET', '/'],
			]) {
				const res = await call(sb, method, p, { key: null });
				expect([method, p, res.status, res.json]).toEqual([method, p, 404, notFound]);
			}
		});

		it('sets JSON content type and rate-limit headers on every kind of response', async () => {
			const responses = [
				await get(sb, '/api/v1/billable_metrics'),
				await get(sb, '/api/v1/billable_metrics', { key: 'bad' }),
				await get(sb, '/nowhere'),
				await post(sb, '/api/v1/events', { event: { code: 'x' } }),
				await post(sb, '/api/v1/events', { nope: 1 }),
				await post(sb, '/api/v1/events', { event: ev('hdr-1') }),
				await get(sb, '/_sandbox/stats'),
			];
			expect(responses.map((r) => r.status)).toEqual([200, 401, 404, 422, 400, 200, 200]);
			for (const r of responses) {
				expect(r.headers.get('content-type')).toBe('application/json; charset=utf-8');
				expect(Number(r.headers.get('x-ratelimit-limit'))).toBeGreaterThan(0);
				expect(r.headers.get('x-ratelimit-remaining')).toMatch(/^\d+$/);
				expect(r.headers.get('x-ratelimit-reset')).toMatch(/^\d+$/);
			}
			expect(responses[5].headers.get('x-ratelimit-limit')).toBe('500');
			expect(responses[0].headers.get('x-ratelimit-limit')).toBe('50');
		});
	});

	describe('POST /api/v1/events', () => {
		it('stores the event and answers 200 with the serializer shape and key order', async () => {
			const res = await post(sb, '/api/v1/events', {
				event: {
					transaction_id: 'tx-1',
					external_subscription_id: 'sub_demo_1',
					external_customer_id: 'dropped',
					code: 'storage_gb',
					timestamp: 1651240791,
					precise_total_amount_cents: '1234.5600',
					properties: { gb: 10, nested: { a: [1, true, null] } },
				},
			});
			expect(res.status).toBe(200);
			const e = res.json.event;
			expect(Object.keys(res.json)).toEqual(['event']);
			expect(Object.keys(e)).toEqual(EVENT_KEYS);
			expect(e).toEqual({
				lago_id: expect.stringMatching(UUID_RE),
				transaction_id: 'tx-1',
				lago_customer_id: null,
				code: 'storage_gb',
				timestamp: '2022-04-29T13:59:51.000Z',
				precise_total_amount_cents: '1234.56',
				properties: { gb: 10, nested: { a: [1, true, null] } },
				lago_subscription_id: null,
				external_subscription_id: 'sub_demo_1',
				created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
			});
			expect(sb.events).toEqual([e]);
		});

		it('normalises optional fields like the server: properties, amounts, missing timestamp', async () => {
			const before = Date.now();
			const res = await post(sb, '/api/v1/events', {
				event: { transaction_id: 7, code: 'api_calls', properties: ['not', 'a', 'hash'], precise_total_amount_cents: 'asdfa' },
			});
			expect(res.status).toBe(200);
			const e = res.json.event;
			expect(e.transaction_id).toBe('7');
			expect(e.properties).toEqual({});
			expect(e.precise_total_amount_cents).toBe('0.0');
			expect(e.external_subscription_id).toBeNull();
			const ts = Date.parse(e.timestamp);
			expect(ts).toBeGreaterThanOrEqual(before - 1);
			expect(ts).toBeLessThanOrEqual(Date.now());

			const amounts = [];
			for (const [i, v] of [[1, 10], [2, null], [3, '']].entries()) {
				const r = await post(sb, '/api/v1/events', { event: ev(`amt-${i}`, { precise_total_amount_cents: v[1] }) });
				amounts.push(r.json.event.precise_total_amount_cents);
			}
			expect(amounts).toEqual(['10.0', null, null]);
		});

		it('keeps decimal timestamp precision without float drift', async () => {
			const cases = [
				[1700000000.123, '2023-11-14T22:13:20.123Z'],
				['1700000000.123', '2023-11-14T22:13:20.123Z'],
				['1651240812.344', '2022-04-29T14:00:12.344Z'],
				['1651240812.3449', '2022-04-29T14:00:12.344Z'],
				[' 1651240791 ', '2022-04-29T13:59:51.000Z'],
				['1.7e9', '2023-11-14T22:13:20.000Z'],
				[0, '1970-01-01T00:00:00.000Z'],
				[-1.5, '1969-12-31T23:59:58.500Z'],
			];
			const got = [];
			for (const [i, [timestamp]] of cases.entries()) {
				const res = await post(sb, '/api/v1/events', { event: ev(`ts-${i}`, { timestamp }) });
				got.push([timestamp, res.status, res.json.event && res.json.event.timestamp]);
			}
			expect(got).toEqual(cases.map(([t, iso]) => [t, 200, iso]));
		});

		it.each([
			['an ISO string', '2023-11-14T22:13:20Z'],
			['an empty string', ''],
			['words', 'yesterday'],
			['true', true],
		])('rejects %s as timestamp with 422 invalid_format and stores nothing', async (_label, timestamp) => {
			const res = await post(sb, '/api/v1/events', { event: ev('bad-ts', { timestamp }) });
			expect(res.status).toBe(422);
			expect(res.json).toEqual(validation({ timestamp: ['invalid_format'] }));
			expect(sb.events).toHaveLength(0);
		});

		it('requires transaction_id and code', async () => {
			const res = await post(sb, '/api/v1/events', { event: { transaction_id: '  ', external_subscription_id: 's' } });
			expect(res.json).toEqual(
				validation({ transaction_id: ['value_is_mandatory'], code: ['value_is_mandatory'] }),
			);
			expect(res.status).toBe(422);
		});

		it('refuses a duplicate (subscription, transaction_id) but allows it on another subscription', async () => {
			expect((await post(sb, '/api/v1/events', { event: ev('dup') })).status).toBe(200);
			const again = await post(sb, '/api/v1/events', { event: ev('dup', { code: 'sms_sent' }) });
			expect(again.status).toBe(422);
			expect(again.json).toEqual(validation({ transaction_id: ['value_already_exist'] }));
			const other = await post(sb, '/api/v1/events', { event: ev('dup', { external_subscription_id: 'sub_demo_2' }) });
			expect(other.status).toBe(200);
			expect(sb.events.map((e) => [e.transaction_id, e.external_subscription_id, e.code])).toEqual([
				['dup', 'sub_demo_1', 'api_calls'],
				['dup', 'sub_demo_2', 'api_calls'],
			]);
		});

		it('needs the event root (400) and a parsable body', async () => {
			const missing = { status: 400, error: 'BadRequest: param is missing or the value is empty or invalid: event' };
			expect((await post(sb, '/api/v1/events', ev('flat'))).json).toEqual(missing);
			expect((await post(sb, '/api/v1/events', { event: {} })).json).toEqual(missing);
			expect((await post(sb, '/api/v1/events', [ev('arr')])).json).toEqual(missing);
			expect((await post(sb, '/api/v1/events', { event: ev('ct') }, { contentType: 'text/plain' })).json).toEqual(missing);
			const broken = await call(sb, 'POST', '/api/v1/events', { raw: '{"event": {' });
			expect(broken.status).toBe(400);
			expect(broken.json).toEqual({ status: 400, error: 'Bad Request' });
			expect(sb.events).toHaveLength(0);
		});

		it('rejects listed transaction_ids with a string error_details, like a failing expression', async () => {
			sb.setRejectTransactionIds(['boom']);
			const res = await post(sb, '/api/v1/events', { event: ev('boom') });
			expect(res.status).toBe(422);
			expect(res.json).toEqual(validation('expression_evaluation_failed: Variable: b not found'));
			expect(sb.events).toHaveLength(0);
		});
	});

	describe('POST /api/v1/events/batch', () => {
		const batch = (events) => post(sb, '/api/v1/events/batch', { events });

		it('accepts exactly 100 events and returns them in request order', async () => {
			const events = Array.from({ length: 100 }, (_, i) => ev(`b-${i}`, { timestamp: 1700000000 + i }));
			const res = await batch(events);
			expect(res.status).toBe(200);
			expect(Object.keys(res.json)).toEqual(['events']);
			expect(res.json.events.map((e) => e.transaction_id)).toEqual(events.map((e) => e.transaction_id));
			expect(Object.keys(res.json.events[0])).toEqual(EVENT_KEYS);
			expect(res.json.events[99].timestamp).toBe('2023-11-14T22:14:59.000Z');
			expect(sb.stats().storedEvents).toBe(100);
		});

		it('refuses 101 events, empty, missing or non-array events', async () => {
			const tooMany = await batch(Array.from({ length: 101 }, (_, i) => ev(`m-${i}`)));
			expect(tooMany.status).toBe(422);
			expect(tooMany.json).toEqual(validation({ events: ['too_many_events'] }));
			for (const body of [{ events: [] }, {}, { events: 'x' }, { event: ev('single') }]) {
				const res = await post(sb, '/api/v1/events/batch', body);
				expect([res.status, res.json]).toEqual([422, validation({ events: ['no_events'] })]);
			}
			expect(sb.events).toHaveLength(0);
		});

		it('honours a custom batch maximum', async () => {
			sb.setBatchMaxLength(2);
			expect((await batch([ev('c1'), ev('c2'), ev('c3')])).json).toEqual(validation({ events: ['too_many_events'] }));
			expect((await batch([ev('c1'), ev('c2')])).status).toBe(200);
		});

		it('is atomic: one bad event stores nothing, errors keyed by request index', async () => {
			sb.seedEvents([{ transaction_id: 'old', external_subscription_id: 'sub_demo_1', code: 'api_calls' }]);
			sb.setRejectTransactionIds(['expr']);
			const res = await batch([
				ev('ok-0'),
				ev('bad-ts', { timestamp: '2024-01-01T00:00:00Z' }),
				ev('ok-2'),
				ev('old'),
				ev('expr'),
				{ external_subscription_id: 'sub_demo_1', timestamp: 1 },
			]);
			expect(res.status).toBe(422);
			expect(res.json).toEqual(
				validation({
					1: { timestamp: ['invalid_format'] },
					3: { transaction_id: ['value_already_exist'] },
					4: 'expression_evaluation_failed: Variable: b not found',
					5: { transaction_id: ['value_is_mandatory'], code: ['value_is_mandatory'] },
				}),
			);
			expect(Object.keys(res.json.error_details)).toEqual(['1', '3', '4', '5']);
			expect(sb.events.map((e) => e.transaction_id)).toEqual(['old']);
		});

		it('reports the 2nd and later copies inside one payload as duplicates', async () => {
			const res = await batch([
				ev('same'),
				ev('other'),
				ev('same'),
				ev('same', { external_subscription_id: 'sub_demo_2' }),
				ev('same', { code: 'sms_sent' }),
			]);
			expect(res.json).toEqual(
				validation({
					2: { transaction_id: ['value_already_exist'] },
					4: { transaction_id: ['value_already_exist'] },
				}),
			);
			expect(sb.events).toHaveLength(0);
		});
	});

	describe('POST /api/v1/events/estimate_fees', () => {
		const estimate = (event) => post(sb, '/api/v1/events/estimate_fees', { event });

		it('returns a pay-in-advance fee for a count metric without storing anything', async () => {
			const res = await estimate({ code: 'api_calls', external_subscription_id: 'sub_demo_1', transaction_id: 'mine' });
			expect(res.status).toBe(200);
			expect(res.json.fees).toHaveLength(1);
			const fee = res.json.fees[0];
			expect(fee).toMatchObject({
				lago_id: null,
				item: { type: 'charge', code: 'api_calls', name: 'API Calls', item_type: 'BillableMetric' },
				pay_in_advance: true,
				invoiceable: true,
				amount_cents: 2,
				amount_currency: 'EUR',
				taxes_amount_cents: 0,
				taxes_rate: 0,
				total_amount_cents: 2,
				total_amount_currency: 'EUR',
				units: '1.0',
				total_aggregated_units: '1.0',
				events_count: 1,
				precise_unit_amount: '0.02',
				sub_total_excluding_taxes_amount_cents: 2,
				payment_status: 'pending',
				external_subscription_id: 'sub_demo_1',
				applied_taxes: [],
			});
			expect(Number.isInteger(fee.amount_cents)).toBe(true);
			expect(fee.event_transaction_id).toMatch(UUID_RE);
			expect(fee.event_transaction_id).not.toBe('mine');
			expect(sb.events).toHaveLength(0);
		});

		it('bills sum metrics by the field value and applies the 20% tax', async () => {
			const res = await estimate({ code: 'storage_gb', external_subscription_id: 'sub_demo_2', properties: { gb: '12.5' } });
			expect(res.status).toBe(200);
			const fee = res.json.fees[0];
			expect(fee).toMatchObject({
				units: '12.5',
				amount_cents: 625,
				taxes_rate: 20,
				taxes_amount_cents: 125,
				total_amount_cents: 750,
				precise_unit_amount: '0.5',
			});
			expect(fee.applied_taxes).toEqual([
				expect.objectContaining({ tax_code: 'french_standard_vat', tax_rate: 20, amount_cents: 125, amount_currency: 'EUR' }),
			]);
		});

		it.each([
			['an unknown subscription', { code: 'api_calls', external_subscription_id: 'sub_nope' }, 404, 'subscription_not_found'],
			['a blank subscription', { code: 'api_calls', external_subscription_id: ' ' }, 404, 'subscription_not_found'],
			['a terminated subscription', { code: 'api_calls', external_subscription_id: 'sub_terminated' }, 404, 'subscription_not_found'],
			['a pending subscription', { code: 'api_calls', external_subscription_id: 'sub_pending' }, 404, 'subscription_not_found'],
			['an unknown code', { code: 'nope', external_subscription_id: 'sub_demo_1' }, 404, 'billable_metric_not_found'],
		])('answers %s with 404', async (_label, event, status, code) => {
			const res = await estimate(event);
			expect(res.status).toBe(status);
			expect(res.json).toEqual({ status: 404, error: 'Not Found', code });
		});

		it.each([
			['a metric without pay-in-advance charge', { code: 'seats' }, { code: ['does_not_match_an_instant_charge'] }],
			['a metric with no charge at all', { code: 'active_projects' }, { code: ['does_not_match_an_instant_charge'] }],
			['a non-numeric sum field', { code: 'storage_gb', properties: { gb: 'ten' } }, { properties: ['value_is_not_valid_number'] }],
			['a non-numeric max field', { code: 'peak_memory_gb', properties: { gb: '1.' } }, { properties: ['value_is_not_valid_number'] }],
			['an ISO timestamp', { code: 'api_calls', timestamp: '2024-01-01T00:00:00Z' }, { timestamp: ['invalid_format'] }],
		])('answers %s with 422', async (_label, event, details) => {
			const res = await estimate({ external_subscription_id: 'sub_demo_1', ...event });
			expect(res.status).toBe(422);
			expect(res.json).toEqual(validation(details));
		});

		it('needs the event root', async () => {
			const res = await post(sb, '/api/v1/events/estimate_fees', { code: 'api_calls' });
			expect(res.status).toBe(400);
			expect(res.json.error).toBe('BadRequest: param is missing or the value is empty or invalid: event');
		});
	});

	describe('GET /api/v1/events/:transaction_id', () => {
		it('finds an id containing / # ? % when it is URL-encoded', async () => {
			const id = 'ord/2026#7?x%y';
			await post(sb, '/api/v1/events', { event: ev(id) });
			const res = await get(sb, `/api/v1/events/${encodeURIComponent(id)}`);
			expect(res.status).toBe(200);
			expect(res.json.event.transaction_id).toBe(id);
			expect(Object.keys(res.json.event)).toEqual(EVENT_KEYS);
			expect(res.json.event).toEqual(sb.events[0]);

			const unencoded = await get(sb, '/api/v1/events/ord/2026');
			expect(unencoded.json).toEqual({ status: 404, error: 'Not Found', code: 'resource_not_found' });
		});

		it('returns the first stored event for an id and 404 event_not_found otherwise', async () => {
			await post(sb, '/api/v1/events', { event: ev('twice', { code: 'first' }) });
			await post(sb, '/api/v1/events', { event: ev('twice', { code: 'second', external_subscription_id: 'sub_demo_2' }) });
			expect((await get(sb, '/api/v1/events/twice')).json.event.code).toBe('first');
			const missing = await get(sb, '/api/v1/events/ghost');
			expect(missing.status).toBe(404);
			expect(missing.json).toEqual({ status: 404, error: 'Not Found', code: 'event_not_found' });
		});

		it('lists events newest first with pagination', async () => {
			await post(sb, '/api/v1/events/batch', { events: [ev('l1'), ev('l2'), ev('l3', { code: 'sms_sent' })] });
			const res = await get(sb, '/api/v1/events?per_page=2&code=api_calls');
			expect(res.json.events.map((e) => e.transaction_id)).toEqual(['l2', 'l1']);
			expect(res.json.meta).toEqual({ current_page: 1, next_page: null, prev_page: null, total_pages: 1, total_count: 2 });
		});
	});

	describe('GET /api/v1/billable_metrics', () => {
		it('paginates the seeded catalog', async () => {
			const first = await get(sb, '/api/v1/billable_metrics?page=1&per_page=5');
			expect(first.status).toBe(200);
			const total = first.json.meta.total_count;
			expect(total).toBeGreaterThanOrEqual(12);
			expect(first.json.billable_metrics).toHaveLength(5);
			expect(first.json.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: Math.ceil(total / 5), total_count: total });
			expect(first.json.billable_metrics[0]).toMatchObject({
				lago_id: expect.stringMatching(UUID_RE),
				name: 'API Calls',
				code: 'api_calls',
				aggregation_type: 'count_agg',
				field_name: null,
			});

			const last = await get(sb, `/api/v1/billable_metrics?page=${Math.ceil(total / 5)}&per_page=5`);
			expect(last.json.billable_metrics).toHaveLength(total - 5 * (Math.ceil(total / 5) - 1));
			expect(last.json.meta.next_page).toBeNull();
			expect(last.json.meta.prev_page).toBe(Math.ceil(total / 5) - 1);

			const all = await get(sb, '/api/v1/billable_metrics');
			expect(all.json.billable_metrics).toHaveLength(total);
			expect(new Set(all.json.billable_metrics.map((m) => m.code)).size).toBe(total);
		});

		it('filters by search_term on name or code, case-insensitively', async () => {
			const byName = await get(sb, '/api/v1/billable_metrics?search_term=STORAGE');
			expect(byName.json.billable_metrics.map((m) => m.code)).toEqual(['storage_gb']);
			const byCode = await get(sb, '/api/v1/billable_metrics?search_term=_gb&per_page=2');
			expect(byCode.json.billable_metrics.map((m) => m.code)).toEqual(['storage_gb', 'bandwidth_gb']);
			expect(byCode.json.meta).toEqual({ current_page: 1, next_page: 2, prev_page: null, total_pages: 2, total_count: 3 });
			const none = await get(sb, '/api/v1/billable_metrics?search_term=zzz');
			expect(none.json).toEqual({
				billable_metrics: [],
				meta: { current_page: 1, next_page: null, prev_page: null, total_pages: 0, total_count: 0 },
			});
		});
		it('serves the metrics it was given as Lago renders them: aggregation, field, sorted filter values, expression', async () => {
			try {
				const control = await post(sb, '/_sandbox/billable-metrics', [
					{ code: 'requests', aggregation_type: 'count_agg', field_name: 'ignored', filters: [{ key: 'region', values: ['us', 'eu'] }] },
					{ code: 'gb_hours', name: 'GB hours', aggregation_type: 'sum_agg', field_name: 'gbh', expression: 'event.properties.gb * event.properties.hours' },
				]);
				expect(control.status).toBe(200);
				const res = await get(sb, '/api/v1/billable_metrics?per_page=1&page=2');
				expect(res.json.meta).toEqual({ current_page: 2, next_page: null, prev_page: 1, total_pages: 2, total_count: 2 });
				expect(res.json.billable_metrics).toEqual([
					expect.objectContaining({ code: 'gb_hours', name: 'GB hours', aggregation_type: 'sum_agg', field_name: 'gbh', expression: 'event.properties.gb * event.properties.hours', filters: [] }),
				]);
				const first = await get(sb, '/api/v1/billable_metrics?per_page=1');
				expect(first.json.billable_metrics[0]).toMatchObject({ code: 'requests', field_name: null, expression: null, filters: [{ key: 'region', values: ['eu', 'us'] }] });
				expect((await post(sb, '/_sandbox/billable-metrics', [{ code: 'x', aggregation_type: 'median_agg' }])).status).toBe(400);
			} finally {
				sb.setBillableMetrics(null);
			}
			expect((await get(sb, '/api/v1/billable_metrics')).json.meta.total_count).toBe(15);
		});

		it('answers 403 when the API key may not read billable metrics', async () => {
			sb.webhooks.configure({ deniedResources: ['billable_metric'] });
			try {
				const res = await get(sb, '/api/v1/billable_metrics');
				expect(res.status).toBe(403);
				expect(res.json).toEqual({ status: 403, error: 'Forbidden', code: 'read_action_not_allowed_for_billable_metric' });
			} finally {
				sb.webhooks.configure({ deniedResources: [] });
			}
		});
	});

	describe('fault mode', () => {
		/** Sends `n` creates and records what happened to each: a status code or 'reset'. */
		async function drive(target, n) {
			const outcomes = [];
			for (let i = 0; i < n; i++) {
				try {
					const res = await post(target, '/api/v1/events', { event: ev(`f-${i}`) });
					outcomes.push(res.status);
				} catch {
					outcomes.push('reset');
				}
			}
			return outcomes;
		}

		const faults = { seed: 42, rate429: 0.15, rate503: 0.15, rateReset: 0.1, resetSeconds: 3 };

		it('is deterministic for a seed and never stores a faulted request', async () => {
			const other = await startSandbox({ port: 0, apiKey: KEY, faults });
			try {
				sb.setFaults(faults);
				const a = await drive(sb, 40);
				const b = await drive(other, 40);
				expect(a).toEqual(b);
				expect(a).toEqual(expect.arrayContaining([200, 429, 503, 'reset']));

				const stats = sb.stats();
				const oks = a.filter((s) => s === 200).length;
				expect(stats.faults).toEqual({
					429: a.filter((s) => s === 429).length,
					503: a.filter((s) => s === 503).length,
					reset: a.filter((s) => s === 'reset').length,
				});
				expect(stats.storedEvents).toBe(oks);
				expect(sb.events.map((e) => e.transaction_id)).toEqual(
					a.flatMap((s, i) => (s === 200 ? [`f-${i}`] : [])),
				);
				expect(sb.requests.map((r) => r.fault)).toEqual(
					a.map((s) => (s === 200 ? undefined : s === 'reset' ? 'reset' : String(s))),
				);

				// reset() rewinds the sequence, so a replay after it matches the first run.
				sb.reset();
				expect(await drive(sb, 40)).toEqual(a);
			} finally {
				await other.stop();
			}
		});

		it('sends 429 with rate-limit headers and a 503 HTML page', async () => {
			sb.setFaults({ seed: 1, rate429: 1, resetSeconds: 7 });
			const limited = await post(sb, '/api/v1/events', { event: ev('x') });
			expect(limited.status).toBe(429);
			expect(limited.json).toEqual({ status: 429, error: 'Too Many Requests' });
			expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
			expect(limited.headers.get('x-ratelimit-reset')).toBe('7');

			sb.setFaults({ seed: 1, rate503: 1 });
			const down = await post(sb, '/api/v1/events/batch', { events: [ev('y')] });
			expect(down.status).toBe(503);
			expect(down.json).toBeUndefined();
			expect(down.text).toContain('503 Service Temporarily Unavailable');
			expect(down.headers.get('x-ratelimit-limit')).toBe('500');
			expect(sb.events).toHaveLength(0);
		});

		it('fails the first N event requests with 503, then behaves', async () => {
			sb.setFaults({ firstAttemptsFail: 2 });
			expect(await drive(sb, 4)).toEqual([503, 503, 200, 200]);
			// Only /api/v1/events* is faulted; metrics, bad keys and control calls are not counted.
			sb.setFaults({ firstAttemptsFail: 1 });
			expect((await get(sb, '/api/v1/billable_metrics')).status).toBe(200);
			expect((await post(sb, '/api/v1/events', { event: ev('k') }, { key: 'bad' })).status).toBe(401);
			expect((await get(sb, '/_sandbox/stats')).status).toBe(200);
			expect((await get(sb, '/api/v1/events/k')).status).toBe(503);
		});
	});

	describe("Lago Cloud's rate limits, enforced on request", () => {
		afterEach(() => sb.setRateLimits(false));

		it('answers the 51st other request and the 201st current-usage request of a second with 429, per budget, as Lago Cloud does', async () => {
			sb.setRateLimits(true);
			// Start at the beginning of a second so that the burst lands in one window.
			while (Date.now() % 1000 > 200) await new Promise((resolve) => setTimeout(resolve, 10));
			const others = await Promise.all(Array.from({ length: 60 }, () => get(sb, '/api/v1/billable_metrics')));
			const usage = await Promise.all(Array.from({ length: 60 }, () => get(sb, '/api/v1/customers/cus_demo_1/current_usage?external_subscription_id=sub_demo_1')));
			const limited = others.filter((r) => r.status === 429);
			expect(limited).toHaveLength(10);
			expect(limited[0].json).toEqual({ status: 429, error: 'Too Many Requests' });
			expect(limited[0].headers.get('x-ratelimit-remaining')).toBe('0');
			expect(Number(limited[0].headers.get('x-ratelimit-reset'))).toBe(1);
			expect(others.filter((r) => r.status === 200)).toHaveLength(50);
			expect(usage.every((r) => r.status === 200)).toBe(true);
			expect(sb.stats().rateLimited).toBe(10);
			expect(sb.requests.filter((r) => r.rateLimited)).toHaveLength(10);
		});

		it('only reports the limits when not enforcing them', async () => {
			const answers = await Promise.all(Array.from({ length: 60 }, () => get(sb, '/api/v1/billable_metrics')));
			expect(answers.every((r) => r.status === 200)).toBe(true);
			expect(sb.stats().rateLimited).toBe(0);
		});

		it('is switched over HTTP too', async () => {
			const on = await call(sb, 'POST', '/_sandbox/rate-limits', { body: { enforce: true }, key: null });
			expect(on.json).toEqual({ enforce: true });
			const off = await call(sb, 'POST', '/_sandbox/rate-limits', { body: { enforce: false }, key: null });
			expect(off.json).toEqual({ enforce: false });
		});
	});

	describe('recording and control', () => {
		it('records every API request in arrival order with its outcome', async () => {
			await post(sb, '/api/v1/events?debug=1', { event: ev('r1') });
			await call(sb, 'POST', '/api/v1/events', { raw: 'not json' });
			await get(sb, '/api/v1/events/r1', { key: 'bad' });
			expect(sb.requests).toEqual([
				expect.objectContaining({
					method: 'POST',
					path: '/api/v1/events',
					query: { debug: '1' },
					body: { event: ev('r1') },
					rawBody: JSON.stringify({ event: ev('r1') }),
					status: 200,
					fault: undefined,
					at: expect.any(Number),
					answeredAt: expect.any(Number),
				}),
				expect.objectContaining({ rawBody: 'not json', body: undefined, status: 400 }),
				expect.objectContaining({ method: 'GET', path: '/api/v1/events/r1', status: 401 }),
			]);
			expect(sb.requests[0].headers.authorization).toBe(`Bearer ${KEY}`);
			expect(sb.stats()).toEqual({
				requests: 3,
				byStatus: { 200: 1, 400: 1, 401: 1 },
				faults: { 429: 0, 503: 0, reset: 0 },
				rateLimited: 0,
				storedEvents: 1,
				distinctTransactionIds: 1,
				trafficSpanMs: sb.requests[2].answeredAt - sb.requests[0].at,
			});
			expect(sb.requests.every((r) => r.answeredAt >= r.at)).toBe(true);
		});

		it('seeds events programmatically so duplicates can be tested', async () => {
			const seeded = sb.seedEvents([
				{ transaction_id: 's1', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000.5 },
				{ transaction_id: 's2', external_subscription_id: 'sub_demo_1', code: 'api_calls', properties: { a: 1 } },
			]);
			expect(seeded.map((e) => e.timestamp)[0]).toBe('2023-11-14T22:13:20.500Z');
			expect(sb.events).toHaveLength(2);
			expect(sb.requests).toHaveLength(0);
			expect((await post(sb, '/api/v1/events', { event: ev('s1') })).status).toBe(422);
			expect(() => sb.seedEvents([{ transaction_id: 's1', external_subscription_id: 'sub_demo_1', code: 'c' }])).toThrow(
				/value_already_exist/,
			);
		});

		it('offers the same control over HTTP under /_sandbox, without auth', async () => {
			const ctl = (method, name, body) => call(sb, method, `/_sandbox/${name}`, { key: null, body });

			const seed = await ctl('POST', 'seed', [{ transaction_id: 'h1', external_subscription_id: 'sub_demo_1', code: 'api_calls' }]);
			expect(seed.status).toBe(200);
			expect(seed.json.events[0].transaction_id).toBe('h1');
			expect((await ctl('POST', 'seed', { not: 'an array' })).status).toBe(400);

			expect((await ctl('POST', 'reject', { transactionIds: ['hx'] })).json).toEqual({ transactionIds: ['hx'] });
			expect((await post(sb, '/api/v1/events', { event: ev('hx') })).json.error_details).toBe(
				'expression_evaluation_failed: Variable: b not found',
			);

			const f = await ctl('POST', 'faults', { seed: 5, rate503: 1 });
			expect(f.json.faults).toMatchObject({ seed: 5, rate503: 1, rate429: 0 });
			expect((await post(sb, '/api/v1/events', { event: ev('h2') })).status).toBe(503);
			expect((await ctl('POST', 'faults', null)).json).toEqual({ faults: null });
			expect((await post(sb, '/api/v1/events', { event: ev('h2') })).status).toBe(200);

			expect((await ctl('POST', 'batch-max', { batchMaxLength: 1 })).json).toEqual({ batchMaxLength: 1 });
			expect((await post(sb, '/api/v1/events/batch', { events: [ev('a'), ev('b')] })).json.error_details).toEqual({
				events: ['too_many_events'],
			});

			const events = await ctl('GET', 'events');
			expect(events.json.map((e) => e.transaction_id)).toEqual(['h1', 'h2']);
			const requests = await ctl('GET', 'requests');
			expect(requests.json.map((r) => [r.path, r.status, r.fault || null])).toEqual([
				['/api/v1/events', 422, null],
				['/api/v1/events', 503, '503'],
				['/api/v1/events', 200, null],
				['/api/v1/events/batch', 422, null],
			]);
			const stats = await ctl('GET', 'stats');
			expect(stats.json).toEqual({
				requests: 4,
				byStatus: { 200: 1, 422: 2, 503: 1 },
				faults: { 429: 0, 503: 1, reset: 0 },
				rateLimited: 0,
				storedEvents: 2,
				distinctTransactionIds: 2,
				trafficSpanMs: expect.any(Number),
			});

			expect((await ctl('POST', 'reset')).json).toEqual({ ok: true });
			expect((await ctl('GET', 'stats')).json).toMatchObject({ requests: 0, storedEvents: 0 });
			expect((await ctl('GET', 'nothing')).status).toBe(404);
			expect((await call(sb, 'POST', '/_sandbox/faults', { key: null, raw: '{' })).status).toBe(400);
		});
	});

	describe('cli', () => {
		it('prints its URL and key, serves requests, and stops on SIGTERM', async () => {
			const child = spawn(
				process.execPath,
				[path.join(__dirname, '../../sandbox/cli.js'), '--port', '0', '--api-key', 'cli-key', '--batch-max', '3'],
				{ stdio: ['ignore', 'pipe', 'pipe'] },
			);
			try {
				const line = await new Promise((resolve, reject) => {
					let out = '';
					child.stdout.on('data', (d) => {
						out += d;
						if (out.includes('\n')) resolve(out.split('\n')[0]);
					});
					child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)));
				});
				const m = /^Lago sandbox listening on (http:\/\/127\.0\.0\.1:(\d+)\/api\/v1) api_key=(\S+)$/.exec(line);
				expect(m).not.toBeNull();
				expect(m[3]).toBe('cli-key');
				const base = { url: m[1].replace(/\/api\/v1$/, '') };
				const res = await post(base, '/api/v1/events/batch', { events: [ev('1'), ev('2'), ev('3'), ev('4')] }, { key: 'cli-key' });
				expect(res.json.error_details).toEqual({ events: ['too_many_events'] });
				const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve([code, signal])));
				child.kill('SIGTERM');
				expect(await exited).toEqual([0, null]);
			} finally {
				if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
			}
		});
	});
});
