'use strict';
// End to end, the read side: the packed n8n-nodes-lago in real n8n 1.x and 2.x, `n8n execute` against the Lago
// sandbox on 127.0.0.1. Send 250 events then Get Many them back; Estimate Instant Fees for 150 items over 3
// subscriptions; the over-limit alert example (Schedule -> Customer Usage -> IF) from examples/.
// Prerequisite: node e2e/setup.js (builds and packs the package).

const fs = require('fs');
const path = require('path');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll, executeChecked } = require('../n8n-harness/fixture');

const API_KEY = 'e2e-read-side-key-4c1d9a70';
const TS = 1768471200; // 2026-01-15T10:00:00Z

const load = (file) => JSON.parse(fs.readFileSync(file, 'utf8'));
/**
 * The example as shipped, plus a Manual Trigger wired to its first node: `n8n execute` starts only from a Manual (or
 * Execute Workflow) Trigger. Everything after the Schedule Trigger runs exactly as in examples/.
 */
function alertExampleForCli() {
	const wf = load(path.join(__dirname, '..', 'examples', 'usage-over-limit-alert.json'));
	const schedule = wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger');
	const first = wf.connections[schedule.name].main[0][0].node;
	wf.id = 'lagoE2eAlert001';
	wf.nodes.push({ id: 'lagoE2eAlert001-m', name: 'Run now (e2e)', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 200], parameters: {} });
	wf.connections['Run now (e2e)'] = { main: [[{ node: first, type: 'main', index: 0 }]] };
	return wf;
}

const workflows = [
	load(path.join(__dirname, 'workflows', 'read-side-send-get-many.json')),
	load(path.join(__dirname, 'workflows', 'read-side-instant-fees.json')),
	alertExampleForCli(),
];

describe.each(FLAVOURS)('Read side in %s', (_label, key) => {
	let sb;
	let n8n;

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY },
			// The example ships with the credential a user would create; here it points at the sandbox.
			credentials: (s) => [lagoCredential('lagoE2eCredMain', 'Lago sandbox (e2e)', s.url, API_KEY), lagoCredential('lagoCredential01', 'Lago account', s.url, API_KEY)],
			workflows,
		}));
	}, 300_000);

	afterAll(() => stopAll({ sb, n8n }));

	beforeEach(() => sb.reset());

	const execute = (id) => executeChecked(n8n, id, API_KEY);

	// Send Batch first reads the billable metrics to check the events (metric-check.e2e.test.js); left out here.
	const lagoRequests = () => sb.requests.filter((r) => r.path.startsWith('/api/') && r.path !== '/api/v1/billable_metrics');

	test('Send Batch 250 events, then Get Many returns the same 250, newest first, in 3 pages', async () => {
		const res = await execute('lagoE2eRead0001');
		const reqs = lagoRequests();
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			'POST /api/v1/events/batch 200',
			'POST /api/v1/events/batch 200',
			'POST /api/v1/events/batch 200',
			'GET /api/v1/events 200',
			'GET /api/v1/events 200',
			'GET /api/v1/events 200',
		]);
		// Page 1 comes first (it says how many pages there are); pages 2 and 3 are then read in parallel and may reach
		// the sandbox in either order (a CI run saw 3 before 2), so they are compared by page number.
		expect(reqs[3].query.page).toBe('1');
		const byPage = reqs.slice(3).map((r) => r.query).sort((a, b) => Number(a.page) - Number(b.page));
		expect(byPage).toEqual(
			[1, 2, 3].map((page) => ({
				code: 'api_calls',
				external_subscription_id: 'sub_demo_1',
				timestamp_from: '2026-01-15T10:00:00.000Z',
				timestamp_to: '2026-01-15T10:04:09.000Z',
				page: String(page),
				per_page: '100',
			})),
		);
		const items = res.nodeItems('Get Many');
		expect(items).toHaveLength(250);
		expect(items.every((i) => i.pairedItem.item === 0)).toBe(true);
		expect(items.map((i) => i.json.transaction_id)).toEqual(Array.from({ length: 250 }, (_, i) => `e2e-read-${String(249 - i).padStart(3, '0')}`));
		const stored = new Map(sb.events.map((e) => [e.lago_id, e]));
		for (const { json } of items) expect(json).toEqual(stored.get(json.lago_id));
		expect(items[0].json.timestamp).toBe(new Date((TS + 249) * 1000).toISOString());
	}, 180_000);

	test('Estimate Instant Fees: 150 items over 3 subscriptions in 2 requests; every item out once, paired; 2 without instant charge', async () => {
		const res = await execute('lagoE2eRead0002');
		const reqs = lagoRequests();
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /api/v1/events/batch_estimate_instant_fees 200', 'POST /api/v1/events/batch_estimate_instant_fees 200']);
		expect(reqs.map((r) => r.body.events.length)).toEqual([100, 50]);
		expect(reqs[0].body.events[10]).toEqual({ transaction_id: 'plan-10', external_subscription_id: 'sub_demo_2', code: 'storage_gb', properties: { gb: 3 } });
		expect(sb.events).toHaveLength(0);

		const items = res.nodeItems('Estimate Instant Fees');
		expect(items).toHaveLength(150);
		expect(items.map((i) => i.pairedItem.item)).toEqual(Array.from({ length: 150 }, (_, i) => i));
		expect(items.map((i) => i.json.transaction_id)).toEqual(Array.from({ length: 150 }, (_, i) => `plan-${i}`));
		expect(items.filter((i) => i.json.instant_charge === false).map((i) => [i.json.transaction_id, i.json.metric_code])).toEqual([
			['plan-40', 'seats'],
			['plan-140', 'seats'],
		]);
		// storage_gb: 0.5 per GB, in advance, on the Scale plan of sub_demo_2.
		expect(items[10].json).toEqual({
			transaction_id: 'plan-10',
			external_subscription_id: 'sub_demo_2',
			external_customer_id: 'cus_demo_2',
			metric_code: 'storage_gb',
			metric_name: 'Storage (GB)',
			instant_charge: true,
			units: 3,
			amount_cents: 150,
			amount: 1.5,
			currency: 'EUR',
		});
		expect(items[1].json).toMatchObject({ transaction_id: 'plan-1', external_subscription_id: 'sub_demo_2', metric_code: 'api_calls', amount_cents: 2, amount: 0.02 });
		expect(items[2].json).toMatchObject({ transaction_id: 'plan-2', external_subscription_id: 'sub_demo_3', metric_code: 'api_calls', amount_cents: 1, amount: 0.01 });
	}, 180_000);

	describe('the over-limit alert example', () => {
		const seedCalls = (count) => {
			const now = new Date();
			// In the open billing period (the calendar month), even in the first minute of a month.
			const monthStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1) / 1000;
			const at = (i) => Math.max(monthStart, Math.floor(now.getTime() / 1000) - (i % 60));
			sb.seedEvents(Array.from({ length: count }, (_, i) => ({ transaction_id: `call-${i}`, external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: at(i) })));
		};

		test('over the limit: one alert with the units, the amount and the period', async () => {
			seedCalls(1200);
			const res = await execute('lagoE2eAlert001');
			const reqs = lagoRequests();
			expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /api/v1/customers/cus_demo_1/current_usage 200']);
			expect(reqs[0].query).toEqual({ external_subscription_id: 'sub_demo_1', apply_taxes: 'true', billable_metric_code: 'api_calls' });
			expect(res.items('Current usage')).toEqual([expect.objectContaining({ metric_code: 'api_calls', units: 1200, events_count: 1200, amount: 24, currency: 'EUR', external_customer_id: 'cus_demo_1', external_subscription_id: 'sub_demo_1' })]);
			// Simplify keeps ten fields: the amount in the currency's unit, not in cents.
			expect(Object.keys(res.items('Current usage')[0]).sort()).toEqual(['amount', 'currency', 'events_count', 'external_customer_id', 'external_subscription_id', 'from_datetime', 'metric_code', 'metric_name', 'to_datetime', 'units']);
			const alerts = res.items('Compose the alert (connect Slack or email here)');
			expect(alerts).toHaveLength(1);
			expect(alerts[0]).toMatchObject({ customer: 'cus_demo_1', units: 1200 });
			expect(alerts[0].text).toMatch(/^cus_demo_1 has used 1200 API Calls this period \(24 EUR so far, \d{4}-\d{2}-01T00:00:00Z to /);
		}, 180_000);

		test('under the limit: the IF node routes to false and no alert is composed', async () => {
			seedCalls(10);
			const res = await execute('lagoE2eAlert001');
			expect(res.items('Current usage')).toEqual([expect.objectContaining({ units: 10 })]);
			expect(res.nodeItems('Over 1,000 API calls?', { output: 1 })).toHaveLength(1);
			expect(res.runData['Compose the alert (connect Slack or email here)']).toBeUndefined();
		}, 180_000);
	});
});
