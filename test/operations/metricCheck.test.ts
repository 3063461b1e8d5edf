import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';
import type { RunResult } from '../helpers/harness';
import { lagoEvent, ok, startMock } from '../helpers/mockLago';
import type { Handler, MockLago, Recorded } from '../helpers/mockLago';

/**
 * Check Against Billable Metrics, through n8n-core's engine: every rule of Lago's events.errors report, the three
 * modes, Continue On Fail, and every way reading GET /billable_metrics can fail.
 */

const sandbox = useSandbox('metric-check-key');

const METRICS = [
	{ code: 'api_calls', aggregation_type: 'count_agg' },
	{ code: 'storage_gb', aggregation_type: 'sum_agg', field_name: 'gb' },
	{ code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
	{ code: 'requests', aggregation_type: 'count_agg', filters: [{ key: 'region', values: ['us', 'eu'] }] },
	{ code: 'computed', aggregation_type: 'sum_agg', field_name: 'total', expression: 'event.properties.a * 2' },
];

beforeEach(() => sandbox().setBillableMetrics(METRICS));
afterEach(() => sandbox().webhooks.configure({ deniedResources: [] }));

/** One item per row: [transaction id, code, properties]. */
type Row = [string, string, Record<string, unknown>];
const MIXED: Row[] = [
	['ok-count', 'api_calls', {}],
	['bad-code', 'storage_gbb', { gb: 1 }],
	['ok-sum', 'storage_gb', { gb: '10.5' }],
	['no-gb', 'storage_gb', {}],
	['text-gb', 'storage_gb', { gb: 'abc' }],
	['null-user', 'seats', { user_id: null }],
	['ok-unique', 'seats', { user_id: 'u1' }],
	['bad-region', 'requests', { region: 'asia' }],
	['no-region', 'requests', {}],
	['ok-computed', 'computed', { a: 2 }],
];
const EXPECTED: Record<string, string | undefined> = {
	'bad-code': 'invalid_code',
	'no-gb': 'missing_aggregation_property',
	'text-gb': 'missing_aggregation_property',
	'null-user': 'missing_aggregation_property',
	'bad-region': 'invalid_filter_values',
};
const items = (rows: Row[]) => rows.map(([id, code, properties]) => ({ id, code, properties }));
const parameters = (operation: 'create' | 'createBatch', options: Record<string, unknown> = {}) => ({
	operation,
	externalSubscriptionId: 'sub_demo_1',
	code: '={{ $json.code }}',
	transactionId: '={{ $json.id }}',
	timestamp: '1700000000',
	propertiesInput: 'json',
	propertiesJson: '={{ $json.properties }}',
	options,
});

const storedIds = () => sandbox().events.map((e) => e.transaction_id).sort();
const metricReads = (requests: Array<{ method: string; path: string }>) => requests.filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/billable_metrics')).length;
const hints = (result: RunResult) => result.taskData.flatMap((t) => (t as { hints?: Array<{ message: string }> }).hints ?? []).map((h) => h.message);

describe.each(['create', 'createBatch'] as const)('%s', (operation) => {
	const run = (options: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
		runNode({ items: items(MIXED) as never, parameters: parameters(operation, options) as never, credentials: sandboxCredentials(sandbox()), ...extra });

	test("Don't Send (the default): billable events are stored once, the others are error items with the rule and the fix", async () => {
		const result = await run({}, { continueOnFail: true });
		expect(result.error).toBeUndefined();
		const good = MIXED.map(([id]) => id).filter((id) => !EXPECTED[id]);
		expect(storedIds()).toEqual([...good].sort());
		expect(metricReads(sandbox().requests)).toBe(1);
		expect(result.items).toHaveLength(MIXED.length);
		result.items.forEach((item, i) => {
			const [id] = MIXED[i];
			expect(item.pairedItem).toEqual({ item: i });
			const kind = EXPECTED[id];
			if (!kind) {
				expect(item.json.error).toBeUndefined();
				expect(item.json.transaction_id).toBe(id);
				expect(item.json.lago_id).toEqual(expect.any(String));
				return;
			}
			expect(item.json.error).toMatch(new RegExp(`^Not sent: .*\\(${kind}\\) \\[item ${i}\\]$`));
			expect(item.json.description).toMatch(/Nothing was sent to Lago for this item\.$/);
			expect(item.json.transaction_id).toBe(id);
			expect((item.json.events_errors as Array<{ error: string }>).map((p) => p.error)).toEqual([kind]);
		});
		const byId = Object.fromEntries(result.items.map((item, i) => [MIXED[i][0], item.json]));
		expect(byId['bad-code'].error).toBe(`Not sent: No billable metric in Lago has the code "storage_gbb" (invalid_code) [item 1]`);
		expect(byId['bad-code'].description).toContain('Create the metric "storage_gbb" in Lago or pick the code from the list (did you mean "storage_gb"?)');
		expect(byId['bad-code'].description).toContain('"Send and Flag"');
		expect(byId['no-gb'].description).toContain('Add the property "gb" (a number)');
		expect(byId['text-gb'].error).toBe('Not sent: Property "gb" is "abc", not a number, and billable metric "storage_gb" sums it (missing_aggregation_property) [item 4]');
		expect(byId['bad-region'].description).toContain('"region" must be one of eu, us, or left out.');
	});

	test("Don't Send without Continue On Fail: the run stops before any event is sent, naming the first bad item", async () => {
		const result = await run({});
		expect(result.error?.message).toBe('Not sent: No billable metric in Lago has the code "storage_gbb" (invalid_code) [item 1]');
		expect(sandbox().events).toHaveLength(0);
		expect(sandbox().requests.map((r) => r.method)).toEqual(['GET']);
	});

	test('Send and Flag: every event is sent; the unbillable ones carry events_errors', async () => {
		const result = await run({ checkBillableMetrics: 'sendAndFlag' });
		expect(result.error).toBeUndefined();
		expect(storedIds()).toEqual(MIXED.map(([id]) => id).sort());
		result.items.forEach((item, i) => {
			const kind = EXPECTED[MIXED[i][0]];
			expect(item.json.error).toBeUndefined();
			if (kind) expect((item.json.events_errors as Array<{ error: string; field: string; fix: string }>)[0]).toMatchObject({ error: kind, fix: expect.any(String) });
			else expect(item.json.events_errors).toBeUndefined();
		});
	});

	test("Don't Check: no metric read, everything sent as it is", async () => {
		const result = await run({ checkBillableMetrics: 'dontCheck' });
		expect(result.error).toBeUndefined();
		expect(metricReads(sandbox().requests)).toBe(0);
		expect(storedIds()).toHaveLength(MIXED.length);
		expect(result.json.every((j) => j.events_errors === undefined)).toBe(true);
	});

	test('403 on the metric list: sent unchecked, and the run says so once', async () => {
		sandbox().webhooks.configure({ deniedResources: ['billable_metric'] });
		const result = await run({});
		expect(result.error).toBeUndefined();
		expect(storedIds()).toHaveLength(MIXED.length);
		expect(metricReads(sandbox().requests)).toBe(1);
		const said = hints(result);
		expect(said).toHaveLength(1);
		expect(said[0]).toMatch(/^Events were sent without the billable-metric check: the API key may not read billable metrics \(403 read_action_not_allowed_for_billable_metric\); give it read access to Billable metrics/);
	});
});

describe('reading the metric list', () => {
	const many = Array.from({ length: 250 }, (_, i) => ({ code: `metric_${i}`, aggregation_type: 'sum_agg', field_name: 'v', filters: [{ key: 'region', values: ['eu', 'us'] }] }));

	test('250 metrics: every page is read, once per node run, 100 at a time', async () => {
		sandbox().setBillableMetrics(many);
		const rows = Array.from({ length: 300 }, (_, i) => ({ id: `m-${i}`, code: `metric_${i % 260}`, properties: { v: i } }));
		const result = await runNode({ items: rows as never, parameters: parameters('createBatch') as never, credentials: sandboxCredentials(sandbox()), continueOnFail: true });
		const reads = sandbox().requests.filter((r) => r.path === '/api/v1/billable_metrics');
		expect(reads.map((r) => r.query)).toEqual([
			{ page: '1', per_page: '100' },
			{ page: '2', per_page: '100' },
			{ page: '3', per_page: '100' },
		]);
		// metric_250 to metric_259 do not exist: 10 codes, on items 250-259.
		const refused = result.json.map((j, i) => (j.error ? i : -1)).filter((i) => i >= 0);
		expect(refused).toEqual(Array.from({ length: 10 }, (_, i) => 250 + i));
		expect(sandbox().events).toHaveLength(290);
	});

	test('a run with no event to send reads nothing', async () => {
		const result = await runNode({
			items: [{ id: 'x', code: 'api_calls', properties: {}, sub: '' }] as never,
			parameters: { ...parameters('createBatch'), externalSubscriptionId: '={{ $json.sub }}' } as never,
			credentials: sandboxCredentials(sandbox()),
			continueOnFail: true,
		});
		expect(result.json[0].error).toMatch(/External Subscription ID is empty/);
		expect(sandbox().requests).toHaveLength(0);
	});
});

describe('when the metric list cannot be read', () => {
	let mock: MockLago;
	let metricsReply: Handler;
	beforeEach(async () => {
		mock = await startMock((req: Recorded, i) => {
			if (req.path.startsWith('/api/v1/billable_metrics')) return metricsReply(req, i);
			if (req.path === '/api/v1/events/batch') return ok({ events: req.body.events.map(lagoEvent) });
			return ok({ event: lagoEvent(req.body.event) });
		});
	});
	afterEach(async () => mock.close());

	const run = (operation: 'create' | 'createBatch', options: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
		runNode({ baseUrl: mock.url, items: items(MIXED.slice(0, 3)) as never, parameters: parameters(operation, { maxAttempts: 3, initialRetryDelay: 1, ...options }) as never, ...extra });
	const posts = () => mock.requests.filter((r) => r.method === 'POST');

	test.each(['create', 'createBatch'] as const)('%s: 401 fails the run as any 401 does, and nothing is sent', async (operation) => {
		metricsReply = () => ({ status: 401, body: { status: 401, error: 'Unauthorized' } });
		const result = await run(operation, { checkBillableMetrics: 'sendAndFlag' });
		expect(result.error?.message).toBe('Lago rejected the API key (401 Unauthorized) [item 0]');
		expect(mock.requests.map((r) => r.method)).toEqual(['GET']);
	});

	test('401 with Continue On Fail: every item is an error item, nothing is sent', async () => {
		metricsReply = () => ({ status: 401, body: { status: 401, error: 'Unauthorized' } });
		const result = await run('createBatch', {}, { continueOnFail: true });
		expect(result.json.map((j) => j.error)).toEqual([0, 1, 2].map((i) => `Lago rejected the API key (401 Unauthorized) [item ${i}]`));
		expect(result.json.map((j) => j.transaction_id)).toEqual(['ok-count', 'bad-code', 'ok-sum']);
		expect(posts()).toHaveLength(0);
	});

	test('404 (not a Lago API): the run fails, nothing is sent', async () => {
		metricsReply = () => ({ status: 404, body: { status: 404, error: 'Not Found', code: 'resource_not_found' } });
		const result = await run('createBatch', {});
		expect(result.error?.message).toMatch(/^Lago answered 404 resource_not_found: the Base URL does not look like a Lago API \[item 0\]$/);
		expect(posts()).toHaveLength(0);
	});

	test('a 200 without a billable_metrics list: the run fails, nothing is sent', async () => {
		metricsReply = () => ok({ something: 'else' });
		const result = await run('create', {});
		expect(result.error?.message).toBe('Lago answered GET /billable_metrics without a billable_metrics list [item 0]');
		expect(posts()).toHaveLength(0);
	});

	describe.each([
		['a dropped connection', (): ReturnType<Handler> => ({ destroy: true }), /^Could not reach Lago: the connection to 127\.0\.0\.1:\d+ broke \(econnreset\), after 3 attempts/],
		['503 on every attempt', (): ReturnType<Handler> => ({ status: 503, body: { status: 503, error: 'Service Unavailable' } }), /^Lago had a server error \(503 Service Unavailable\), after 3 attempts/],
		['429 on every attempt', (): ReturnType<Handler> => ({ status: 429, body: { status: 429, error: 'Too Many Requests' }, headers: { 'X-RateLimit-Reset': '0' } }), /rate limit was still exceeded/],
	])('%s, retried like any read', (_name, reply, message) => {
		beforeEach(() => {
			metricsReply = reply;
		});

		test.each(['create', 'createBatch'] as const)("%s, Don't Send: the run fails after the retries; nothing is sent", async (operation) => {
			const result = await run(operation, {});
			expect(result.error?.message).toMatch(message);
			expect(result.error?.message).toMatch(/\[item 0\]$/);
			expect(result.error?.description).toContain('so the events were not checked and not sent. Run again once Lago answers; to send unchecked when the metrics cannot be read, set Options › Check Against Billable Metrics to "Send and Flag".');
			expect(mock.requests.map((r) => r.method)).toEqual(['GET', 'GET', 'GET']);
		});

		test.each(['create', 'createBatch'] as const)('%s, Send and Flag: sent unchecked, and the run says so once', async (operation) => {
			const result = await run(operation, { checkBillableMetrics: 'sendAndFlag' });
			expect(result.error).toBeUndefined();
			expect(result.json.map((j) => j.transaction_id)).toEqual(['ok-count', 'bad-code', 'ok-sum']);
			expect(posts().flatMap((r) => (r.body.events ?? [r.body.event]).map((e: { transaction_id: string }) => e.transaction_id)).sort()).toEqual(['bad-code', 'ok-count', 'ok-sum']);
			const said = hints(result);
			expect(said).toHaveLength(1);
			expect(said[0]).toMatch(/^Events were sent without the billable-metric check: Lago's billable metrics could not be read/);
		});
	});

	test("with Continue On Fail, Don't Send makes every item an error item that says it was not sent", async () => {
		metricsReply = () => ({ destroy: true });
		const result = await run('createBatch', {}, { continueOnFail: true });
		expect(result.json).toHaveLength(3);
		for (const [i, json] of result.json.entries()) {
			expect(json.error).toMatch(new RegExp(`^Could not reach Lago: .*\\[item ${i}\\]$`));
			expect(json.description).toContain('so the events were not checked and not sent');
		}
		expect(posts()).toHaveLength(0);
	});
});
