'use strict';
// End to end: the packed n8n-nodes-lago, installed as a community package in a real n8n (1.x on Node 22 and
// 2.x on Node 24), runs workflows from e2e/workflows/ with `n8n execute` against the Lago sandbox on 127.0.0.1.
// Prerequisite: node e2e/setup.js (installs both n8n versions, builds and packs the package).

const fs = require('fs');
const path = require('path');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll, executeChecked } = require('../n8n-harness/fixture');

const API_KEY = 'e2e-sandbox-key-0b7c5d1e';
const WRONG_KEY = 'e2e-WRONG-key-9f2a77c1';
const TS = 1768471200; // 2026-01-15T10:00:00Z

const WORKFLOW_DIR = path.join(__dirname, 'workflows');
const WORKFLOW_FILES = [
	'send.json',
	'get.json',
	'estimate-fees.json',
	'send-batch-1000.json',
	'continue-on-fail.json',
	'continue-on-fail-batch.json',
	'wrong-api-key.json',
	'base-url-forms.json',
	'demo.json',
];
const workflows = {};
for (const file of WORKFLOW_FILES) {
	const wf = JSON.parse(fs.readFileSync(path.join(WORKFLOW_DIR, file), 'utf8'));
	workflows[wf.id] = wf;
}

const BASE_URL_FORMS = [
	['origin', (sb) => `${sb.url}`],
	['slash', (sb) => `${sb.url}/`],
	['apiv1', (sb) => `${sb.url}/api/v1`],
	['apiv1slash', (sb) => `${sb.url}/api/v1/`],
];

function credentials(sb) {
	const cred = (id, name, baseUrl, apiKey = API_KEY) => lagoCredential(id, name, baseUrl, apiKey);
	return [
		cred('lagoE2eCredMain', 'Lago sandbox (e2e)', sb.url),
		cred('lagoE2eCredBad1', 'Lago sandbox, wrong key (e2e)', sb.url, WRONG_KEY),
		cred('lagoDemoCred0001', 'Lago sandbox (demo)', sb.url),
		...BASE_URL_FORMS.map(([, form], i) => cred(`lagoE2eCredUrl${i + 1}`, `base url form ${i + 1}`, form(sb))),
	];
}

const byTx = (records) => new Map(records.map((e) => [e.transaction_id, e]));
// Send and Send Batch first read the billable metrics (once per node run) to check the events; that read has its own
// e2e (metric-check.e2e.test.js), so the request lists here leave it out.
const METRIC_READ = '/api/v1/billable_metrics';
const lagoRequests = (sb) => sb.requests.filter((r) => r.path.startsWith('/api/') && r.path !== METRIC_READ);

describe.each(FLAVOURS)('Lago Events in %s', (label, key) => {
	let sb;
	let n8n;

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY, rejectTransactionIds: ['e2e-cof-reject', 'e2e-cofb-reject'] },
			credentials,
			workflows: Object.values(workflows),
		}));
	}, 300_000);

	afterAll(() => stopAll({ sb, n8n }));

	beforeEach(() => sb.reset());

	/** Execute a workflow, failed or not; the sandbox's real API key must never show up in anything n8n printed. */
	const execute = (id) => executeChecked(n8n, id, API_KEY, { ok: false });

	function expectOk(res) {
		if (!res.ok) throw new Error(`expected a successful run: ${res.describe()}`);
	}

	/** An "On Error: Continue" item: { error: '<message>', ...details }, never a stored event. */
	function expectErrorItem(item, pattern) {
		expect(typeof item.json.error).toBe('string');
		expect(item.json.error).toMatch(pattern);
		expect(item.json).not.toHaveProperty('lago_id');
	}

	function expectAuthorized(requests) {
		for (const r of requests) expect(r.headers.authorization).toBe(`Bearer ${API_KEY}`);
	}

	test('Send: one POST /api/v1/events with the exact body and bearer key; output is Lago\'s event', async () => {
		const res = await execute('lagoE2eSend0001');
		expectOk(res);

		const reqs = lagoRequests(sb);
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['POST /api/v1/events 200']);
		expectAuthorized(reqs);
		expect(reqs[0].headers['content-type']).toMatch(/^application\/json/);
		expect(JSON.parse(reqs[0].rawBody)).toEqual({
			event: {
				transaction_id: 'e2e-send-001',
				external_subscription_id: 'sub_demo_1',
				code: 'storage_gb',
				timestamp: TS + 0.25,
				precise_total_amount_cents: '1234.56',
				properties: { gb: '12.5', region: 'eu-west-1' },
			},
		});

		const items = res.nodeItems('Send');
		expect(items).toHaveLength(1);
		expect(items[0].pairedItem).toEqual({ item: 0 });
		expect(items[0].json).toEqual(sb.events[0]);
		expect(items[0].json).toMatchObject({
			transaction_id: 'e2e-send-001',
			external_subscription_id: 'sub_demo_1',
			code: 'storage_gb',
			timestamp: '2026-01-15T10:00:00.250Z',
			precise_total_amount_cents: '1234.56',
			properties: { gb: '12.5', region: 'eu-west-1' },
		});
		expect(items[0].json.lago_id).toMatch(/^[0-9a-f-]{36}$/);
		expect(items[0].json).not.toHaveProperty('already_ingested');
	}, 120_000);

	test('Get: an id with / # ? is URL-encoded into the path and the event comes back unwrapped', async () => {
		const [seeded] = sb.seedEvents([
			{ transaction_id: 'ord/2026#7?x', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: TS, properties: { seats: '3' } },
		]);
		const res = await execute('lagoE2eGet00001');
		expectOk(res);

		const reqs = lagoRequests(sb);
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /api/v1/events/ord%2F2026%237%3Fx 200']);
		expect(reqs[0].query).toEqual({});
		expectAuthorized(reqs);
		expect(res.items('Get')).toEqual([seeded]);
	}, 120_000);

	test('Estimate Fees: one simplified item per fee, paired to its input item', async () => {
		const res = await execute('lagoE2eEstim001');
		expectOk(res);

		const reqs = lagoRequests(sb);
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
			'POST /api/v1/events/estimate_fees 200',
			'POST /api/v1/events/estimate_fees 200',
		]);
		expectAuthorized(reqs);
		expect(reqs.map((r) => r.body)).toEqual([
			{ event: { code: 'storage_gb', external_subscription_id: 'sub_demo_1', properties: { gb: 4 } } },
			{ event: { code: 'storage_gb', external_subscription_id: 'sub_demo_2', properties: { gb: '12.5' } } },
		]);
		expect(sb.events).toHaveLength(0);

		const items = res.nodeItems('Estimate Fees');
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(items.map((i) => i.json)).toEqual([
			{ metric_code: 'storage_gb', metric_name: 'Storage (GB)', units: '4.0', amount_cents: 200, taxes_amount_cents: 0, taxes_rate: 0, total_amount_cents: 200, currency: 'EUR' },
			{ metric_code: 'storage_gb', metric_name: 'Storage (GB)', units: '12.5', amount_cents: 625, taxes_amount_cents: 125, taxes_rate: 20, total_amount_cents: 750, currency: 'EUR' },
		]);
	}, 120_000);

	test('Send Batch: 1,000 items go out as exactly 10 POST /api/v1/events/batch of consecutive items, 1,000 items back in input order', async () => {
		const res = await execute('lagoE2eBatch001');
		expectOk(res);

		const expectedIds = Array.from({ length: 1000 }, (_, i) => `e2e-batch-${String(i).padStart(4, '0')}`);
		// Up to 4 requests in flight (the default), so they may arrive in any order; sorted by their first item,
		// request k carries items 100k..100k+99.
		const first = (r) => r.body.events[0].transaction_id;
		const reqs = lagoRequests(sb).sort((x, y) => first(x).localeCompare(first(y)));
		expect(reqs).toHaveLength(10);
		expect(reqs.every((r) => r.method === 'POST' && r.path === '/api/v1/events/batch' && r.status === 200)).toBe(true);
		expectAuthorized(reqs);
		const sentIds = reqs.flatMap((r) => r.body.events.map((e) => e.transaction_id));
		expect(reqs.map((r) => r.body.events.length)).toEqual(Array(10).fill(100));
		expect(sentIds).toEqual(expectedIds);
		expect(reqs[7].body.events[3]).toEqual({
			transaction_id: 'e2e-batch-0703',
			external_subscription_id: 'sub_demo_2',
			code: 'api_calls',
			timestamp: TS,
			properties: { n: 703 },
		});

		expect(sb.events).toHaveLength(1000);
		expect(new Set(sb.events.map((e) => e.transaction_id))).toEqual(new Set(expectedIds));

		const items = res.nodeItems('Send Batch');
		expect(items).toHaveLength(1000);
		expect(items.map((i) => i.json.transaction_id)).toEqual(expectedIds);
		expect(items.map((i) => i.pairedItem.item)).toEqual(expectedIds.map((_, i) => i));
		const stored = byTx(sb.events);
		expect(items[999].json).toEqual(stored.get('e2e-batch-0999'));
	}, 180_000);

	test('Send Batch under 429s, 503 pages and dropped connections: retried with identical bodies, each event stored once', async () => {
		sb.setFaults({ seed: 7, rate429: 0.15, resetSeconds: 1, rate503: 0.15, rateReset: 0.15, firstAttemptsFail: 1 });
		let res;
		try {
			res = await execute('lagoE2eBatch001');
		} finally {
			sb.setFaults(null);
		}
		expectOk(res);

		const reqs = lagoRequests(sb);
		const faults = reqs.map((r) => r.fault).filter(Boolean);
		expect(faults).toContain('429');
		expect(faults).toContain('503');
		expect(faults).toContain('reset');
		expectAuthorized(reqs);
		// Each of the 10 chunks went out until it succeeded, always with the same bytes.
		const bodiesByChunk = new Map();
		for (const r of reqs) {
			const first = r.body.events[0].transaction_id;
			if (!bodiesByChunk.has(first)) bodiesByChunk.set(first, new Set());
			bodiesByChunk.get(first).add(r.rawBody);
		}
		expect(bodiesByChunk.size).toBe(10);
		for (const bodies of bodiesByChunk.values()) expect(bodies.size).toBe(1);
		expect(reqs.filter((r) => r.status === 200)).toHaveLength(10);

		expect(sb.events).toHaveLength(1000);
		expect(new Set(sb.events.map((e) => e.transaction_id)).size).toBe(1000);
		const items = res.items('Send Batch');
		expect(items).toHaveLength(1000);
		expect(items.every((i) => i.lago_id && !i.error)).toBe(true);
	}, 180_000);

	test('Continue On Fail (Send): a bad item becomes an error item, the others are still sent', async () => {
		const res = await execute('lagoE2eCof00001');
		expectOk(res);

		const items = res.nodeItems('Send');
		expect(items).toHaveLength(4);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[0].json.transaction_id).toBe('e2e-cof-good-1');
		expect(items[3].json.transaction_id).toBe('e2e-cof-good-2');
		expectErrorItem(items[1], /timestamp/i);
		expect(items[1].json.error).toContain('not a date');
		expectErrorItem(items[2], /rejected/i);

		// The bad timestamp is caught before sending; Lago rejected the third item.
		const reqs = lagoRequests(sb);
		expect(reqs.map((r) => `${r.body.event.transaction_id} ${r.status}`)).toEqual([
			'e2e-cof-good-1 200',
			'e2e-cof-reject 422',
			'e2e-cof-good-2 200',
		]);
		expectAuthorized(reqs);
		expect(sb.events.map((e) => e.transaction_id)).toEqual(['e2e-cof-good-1', 'e2e-cof-good-2']);
	}, 120_000);

	test('Continue On Fail (Send Batch): bad items become error items, the good ones of the batch are stored', async () => {
		const res = await execute('lagoE2eCofB0001');
		expectOk(res);

		const items = res.nodeItems('Send Batch');
		expect(items).toHaveLength(4);
		expect(items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }, { item: 3 }]);
		expect(items[0].json.transaction_id).toBe('e2e-cofb-good-1');
		expect(items[3].json.transaction_id).toBe('e2e-cofb-good-2');
		expectErrorItem(items[1], /timestamp/i);
		expectErrorItem(items[2], /rejected/i);

		const reqs = lagoRequests(sb);
		expect(reqs.every((r) => r.method === 'POST' && r.path === '/api/v1/events/batch')).toBe(true);
		expectAuthorized(reqs);
		// The batch Lago rejected is sent again once, without the bad event.
		expect(reqs.map((r) => `${r.body.events.map((e) => e.transaction_id).join(',')} ${r.status}`)).toEqual([
			'e2e-cofb-good-1,e2e-cofb-reject,e2e-cofb-good-2 422',
			'e2e-cofb-good-1,e2e-cofb-good-2 200',
		]);
		expect(sb.events.map((e) => e.transaction_id)).toEqual(['e2e-cofb-good-1', 'e2e-cofb-good-2']);
	}, 120_000);

	test('A wrong API key fails the execution, says the key was rejected, and never shows the key', async () => {
		const res = await execute('lagoE2eBadKey01');
		expect(res.ok).toBe(false);
		expect(res.exitCode).not.toBe(0);
		expect(res.error).toBeTruthy();
		expect(res.lastNodeExecuted).toBe('Send');
		const message = res.error.message;
		expect(message).toMatch(/api key/i);
		expect(message).toMatch(/reject/i);
		expect(res.nodeError('Send').message).toBe(message);

		const everything = `${res.stdout}\n${res.stderr}\n${fs.readFileSync(n8n.logFile, 'utf8')}`;
		expect(everything).not.toContain(WRONG_KEY);
		expect(everything).not.toContain(API_KEY);

		// 401 is never retried; with the check on, the metric read is the request that meets it, and nothing was sent.
		const reqs = sb.requests.filter((r) => r.path.startsWith('/api/'));
		expect(reqs.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual(['GET /api/v1/billable_metrics 401']);
		expect(reqs[0].headers.authorization).toBe(`Bearer ${WRONG_KEY}`);
		expect(sb.events).toHaveLength(0);
	}, 120_000);

	test('Self-hosted base URL works in every accepted form (origin, /, /api/v1, /api/v1/)', async () => {
		const res = await execute('lagoE2eUrls0001');
		expectOk(res);

		const reqs = lagoRequests(sb);
		expect(reqs).toHaveLength(BASE_URL_FORMS.length);
		expectAuthorized(reqs);
		const received = byTx(reqs.map((r) => ({ ...r, transaction_id: r.body && r.body.event && r.body.event.transaction_id })));
		const stored = byTx(sb.events);
		for (const [tag] of BASE_URL_FORMS) {
			const tx = `e2e-url-${tag}`;
			const req = received.get(tx);
			expect({ tx, method: req && req.method, path: req && req.path, status: req && req.status }).toEqual({ tx, method: 'POST', path: '/api/v1/events', status: 200 });
			const node = workflows.lagoE2eUrls0001.nodes.find((n) => n.parameters.transactionId === tx);
			expect(res.items(node.name)).toEqual([stored.get(tx)]);
			expect(stored.get(tx).code).toBe('api_calls');
		}
	}, 120_000);

	test('The demo workflow (e2e/workflows/demo.json) runs all four operations', async () => {
		const res = await execute('lagoDemoWorkflow');
		expectOk(res);

		const ids = ['demo-storage-0001', 'demo-storage-0002', 'demo-storage-0003'];
		expect(res.items('Send Batch').map((e) => e.transaction_id)).toEqual(ids);
		expect(res.items('Get Event').map((e) => e.transaction_id)).toEqual(ids);
		expect(res.items('Estimate Fees').map((f) => [f.metric_code, f.units, f.total_amount_cents, f.currency])).toEqual([
			['storage_gb', '12.5', 625, 'EUR'],
			['storage_gb', '4.0', 240, 'EUR'],
			['storage_gb', '0.75', 38, 'EUR'],
		]);
		// Send leaves Transaction ID empty: the node derives one, and it is in the output.
		const sent = res.items('Send');
		expect(sent).toHaveLength(1);
		expect(sent[0].transaction_id).toEqual(expect.any(String));
		expect(sent[0].transaction_id).not.toBe('');
		expect(sb.events.map((e) => e.transaction_id).sort()).toEqual([...ids, sent[0].transaction_id].sort());
	}, 120_000);
});
