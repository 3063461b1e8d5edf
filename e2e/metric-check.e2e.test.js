'use strict';
// End to end in real n8n 1.x and 2.x, with the packed package against the Lago sandbox on 127.0.0.1:
// - Check Against Billable Metrics (default Don't Send): a mixed Send Batch stores the billable events once, turns the
//   unbillable ones into error items with the rule and the fix, and reads the metric list once;
// - a Send Batch that fails halfway (Lago down past the retry budget), retried from n8n's REST API as the editor's
//   "Retry with original workflow" does: Lago ends up with every event once.
// Prerequisite: node e2e/setup.js (builds and packs the package).

const fs = require('fs');
const path = require('path');
const { FLAVOURS, lagoCredential, startWithSandbox, stopAll, executeChecked } = require('../n8n-harness/fixture');
const { freePort } = require('../n8n-harness/proc');
const { N8nRest } = require('../n8n-harness/rest');

const API_KEY = 'e2e-metric-check-key-7b2e61';
const CRED_ID = 'lagoE2eCredChk1';
const OWNER = { email: 'e2e-check@example.com', password: 'Lago-E2e-Check-2026', firstName: 'E2E', lastName: 'Owner' };
const load = (name) => JSON.parse(fs.readFileSync(path.join(__dirname, 'workflows', name), 'utf8'));
const MIXED_WF = load('metric-check-mixed.json');
const RETRY_WF = load('retry-execution.json');

const METRICS = [
	{ code: 'api_calls', aggregation_type: 'count_agg' },
	{ code: 'storage_gb', aggregation_type: 'sum_agg', field_name: 'gb' },
	{ code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
	{ code: 'requests', aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['eu', 'us'] }] },
];

describe.each(FLAVOURS)('Billable-metric check and retried executions in %s', (_label, key) => {
	let sb;
	let n8n;

	beforeAll(async () => {
		({ sb, n8n } = await startWithSandbox(key, {
			sandbox: { apiKey: API_KEY, billableMetrics: METRICS },
			credentials: (s) => [lagoCredential(CRED_ID, 'Lago sandbox, metric check (e2e)', s.url, API_KEY)],
			workflows: [MIXED_WF, RETRY_WF],
		}));
	}, 300_000);

	afterAll(() => stopAll({ sb, n8n }));

	beforeEach(() => {
		sb.reset();
		sb.setFaults(null);
	});

	test("a mixed run: billable events stored once, unbillable ones are error items with the fix, metrics read once", async () => {
		const res = await executeChecked(n8n, MIXED_WF.id, API_KEY);
		const reads = sb.requests.filter((r) => r.path === '/api/v1/billable_metrics');
		expect(reads.map((r) => `${r.method} ${r.status} ${r.query.page}/${r.query.per_page}`)).toEqual(['GET 200 1/100']);
		expect(sb.events.map((e) => e.transaction_id).sort()).toEqual(['chk-ok-count', 'chk-ok-region', 'chk-ok-sum', 'chk-ok-unique']);
		// One batch: the unbillable events never left n8n.
		const batches = sb.requests.filter((r) => r.path === '/api/v1/events/batch');
		expect(batches.map((r) => r.body.events.map((e) => e.transaction_id))).toEqual([['chk-ok-count', 'chk-ok-sum', 'chk-ok-unique', 'chk-ok-region']]);

		const items = res.nodeItems('Send Batch');
		expect(items.map((i) => i.pairedItem.item)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
		const byId = Object.fromEntries(items.map((i) => [i.json.transaction_id, i.json]));
		for (const id of ['chk-ok-count', 'chk-ok-sum', 'chk-ok-unique', 'chk-ok-region']) expect(byId[id]).toMatchObject({ lago_id: expect.any(String), code: expect.any(String) });
		expect(byId['chk-bad-code'].error).toBe('Not sent: No billable metric in Lago has the code "storage_gbb" (invalid_code) [item 1]');
		expect(byId['chk-bad-code'].description).toContain('Create the metric "storage_gbb" in Lago or pick the code from the list (did you mean "storage_gb"?)');
		expect(byId['chk-no-gb'].error).toBe('Not sent: The event has no property "gb", which billable metric "storage_gb" sums (missing_aggregation_property) [item 3]');
		expect(byId['chk-no-gb'].description).toContain('Add the property "gb" (a number)');
		expect(byId['chk-text-gb'].error).toBe('Not sent: Property "gb" is "abc", not a number, and billable metric "storage_gb" sums it (missing_aggregation_property) [item 4]');
		expect(byId['chk-bad-region'].error).toBe('Not sent: Property "region" is "asia", not a value billable metric "requests" filters on (invalid_filter_values) [item 6]');
		expect(byId['chk-bad-region'].description).toContain('"region" must be one of eu, us, or left out.');
		for (const id of ['chk-bad-code', 'chk-no-gb', 'chk-text-gb', 'chk-bad-region']) expect(byId[id].description).toContain('Nothing was sent to Lago for this item.');
	}, 180_000);

	test('an execution that failed halfway, retried from the executions list, leaves every event in Lago once', async () => {
		const port = await freePort();
		const baseUrl = `http://127.0.0.1:${port}`;
		await n8n.start({ port });
		const rest = new N8nRest(baseUrl, { timeoutMs: 120_000 });
		await rest.setupOwnerOrLogin(OWNER);
		const flattedFrom = n8n.flavour.dir;

		// Lago answers 503 from the 6th batch on; Max Attempts 1 spends the retry budget at once.
		sb.setFaults({ failRequests: [6, 7, 8, 9, 10] });
		const workflow = await rest.getWorkflow(RETRY_WF.id);
		const failedId = await rest.runWorkflow(workflow, 'Start');
		const failed = await rest.waitForExecution(failedId, { flattedFrom });
		expect(failed.status).toBe('error');
		expect(sb.events).toHaveLength(50);
		const firstTimestamps = new Map(sb.events.map((e) => [e.transaction_id, e.timestamp]));

		// Lago is back; Retry (with the original workflow), as the editor's executions list sends it.
		sb.setFaults(null);
		const { json } = await rest.request('POST', `/rest/executions/${encodeURIComponent(failedId)}/retry`, { loadWorkflow: false });
		const retriedId = json.data.id;
		expect(String(retriedId)).not.toBe(String(failedId));
		const retried = await rest.waitForExecution(retriedId, { flattedFrom });
		expect(retried.status).toBe('success');
		expect(retried.raw.mode).toBe('retry');

		// What Lago stored: 100 events, each once; the first 50 kept their id and timestamp.
		expect(sb.events).toHaveLength(100);
		const ids = sb.events.map((e) => e.transaction_id);
		expect(new Set(ids).size).toBe(100);
		expect(ids.every((id) => id.startsWith(`n8n-${failedId}-`))).toBe(true);
		for (const [id, timestamp] of firstTimestamps) expect(sb.events.find((e) => e.transaction_id === id).timestamp).toBe(timestamp);
		const items = retried.runData['Send Batch'][0].data.main[0];
		expect(items).toHaveLength(100);
		expect(items.filter((i) => i.json.already_ingested === true)).toHaveLength(50);
		await n8n.stop();
	}, 300_000);
});
