import { API_KEY, runNode } from '../helpers/harness';
import { lagoEvent, ok, useMockLago } from '../helpers/mockLago';

const mock = useMockLago((req) => ok({ event: lagoEvent(req.body.event) }));

// These tests script POST /events on a mock; the billable-metric check (which reads GET /billable_metrics first) has
// its own tests in metricCheck.test.ts, so here it is off.
const send = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({
		baseUrl: mock.url,
		parameters: { operation: 'create', externalSubscriptionId: 'sub_1', code: 'api_calls', ...parameters, options: { checkBillableMetrics: 'dontCheck', ...((parameters.options as object) ?? {}) } },
		...extra,
	});

const fast = { maxAttempts: 4, initialRetryDelay: 1 };

describe('Send: the request', () => {
	test('sends exactly one POST /api/v1/events with the event root, bearer key and JSON body', async () => {
		const result = await send({
			transactionId: 'tx-1',
			timestamp: '2026-11-01T10:00:00.123Z',
			properties: { property: [{ key: 'gb', value: '10.5' }, { key: 'region', value: 'eu' }] },
			additionalFields: { preciseTotalAmountCents: '1234.56' },
		});
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(1);
		const [request] = mock.requests;
		expect(request.method).toBe('POST');
		expect(request.path).toBe('/api/v1/events');
		expect(request.headers.authorization).toBe(`Bearer ${API_KEY}`);
		expect(request.headers['content-type']).toBe('application/json');
		expect(request.headers.accept).toBe('application/json');
		expect(request.rawBody).toBe(
			'{"event":{"transaction_id":"tx-1","external_subscription_id":"sub_1","code":"api_calls","timestamp":1793527200.123,"precise_total_amount_cents":"1234.56","properties":{"gb":"10.5","region":"eu"}}}',
		);
	});

	test("outputs Lago's event object, unwrapped, paired to its item", async () => {
		const result = await send({ transactionId: 'tx-1', timestamp: '1700000000' });
		expect(result.items).toEqual([
			{
				json: {
					lago_id: '00000000-0000-4000-8000-000000000001',
					transaction_id: 'tx-1',
					lago_customer_id: null,
					code: 'api_calls',
					timestamp: '2023-11-14T22:13:20.000Z',
					precise_total_amount_cents: null,
					properties: {},
					lago_subscription_id: null,
					external_subscription_id: 'sub_1',
					created_at: '2026-11-27T10:00:00Z',
				},
				pairedItem: { item: 0 },
			},
		]);
	});

	test("resolves expressions per item: each item's own event is sent, and the output is in input order", async () => {
		const result = await send(
			{
				externalSubscriptionId: '={{ $json.sub }}',
				code: '={{ $json.metric }}',
				transactionId: '={{ $json.id }}',
				timestamp: '={{ $json.at }}',
				properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
			},
			{
				items: [
					{ sub: 'sub_a', metric: 'storage_gb', id: 'a-1', at: 1700000000, gb: 1 },
					{ sub: 'sub_b', metric: 'storage_gb', id: 'b-1', at: '1700000001.5', gb: '2.5' },
					{ sub: 'sub_c', metric: 'api_calls', id: 'c-1', at: '2023-11-14T22:13:22Z', gb: 3 },
				],
			},
		);
		expect(result.error).toBeUndefined();
		// The three requests are in flight together (Parallel Requests defaults to 32) and may arrive in any order, so
		// they are compared by transaction id; the output below must still follow the input.
		const sent = mock.requests.map((r) => r.body.event).sort((x, y) => x.transaction_id.localeCompare(y.transaction_id));
		expect(sent).toEqual([
			{ transaction_id: 'a-1', external_subscription_id: 'sub_a', code: 'storage_gb', timestamp: 1700000000, properties: { gb: 1 } },
			{ transaction_id: 'b-1', external_subscription_id: 'sub_b', code: 'storage_gb', timestamp: 1700000001.5, properties: { gb: '2.5' } },
			{ transaction_id: 'c-1', external_subscription_id: 'sub_c', code: 'api_calls', timestamp: 1700000002, properties: { gb: 3 } },
		]);
		expect(result.items.map((i) => [i.json.transaction_id, i.pairedItem])).toEqual([
			['a-1', { item: 0 }],
			['b-1', { item: 1 }],
			['c-1', { item: 2 }],
		]);
	});

	test('JSON properties keep nested values and types', async () => {
		await send({ transactionId: 't', timestamp: '1700000000', propertiesInput: 'json', propertiesJson: '{"gb": 10, "meta": {"tags": ["a", "b"], "ok": true}, "id": "00123"}' });
		expect(mock.requests[0].body.event.properties).toEqual({ gb: 10, meta: { tags: ['a', 'b'], ok: true }, id: '00123' });
	});

	test('JSON properties from an expression that returns an object', async () => {
		await send({ transactionId: 't', timestamp: '1700000000', propertiesInput: 'json', propertiesJson: '={{ $json.props }}' }, { items: [{ props: { gb: 7 } }] });
		expect(mock.requests[0].body.event.properties).toEqual({ gb: 7 });
	});

	test('a Date from an expression is sent as seconds with milliseconds', async () => {
		await send({ transactionId: 't', timestamp: '={{ new Date(1700000000250) }}' });
		expect(mock.requests[0].body.event.timestamp).toBe(1700000000.25);
	});

	test('{{ $now }} (a Luxon DateTime) is accepted', async () => {
		const before = Date.now() / 1000;
		await send({ transactionId: 't', timestamp: '={{ $now }}' });
		const sent = mock.requests[0].body.event.timestamp;
		expect(sent).toBeGreaterThanOrEqual(Math.floor(before));
		expect(sent).toBeLessThanOrEqual(Date.now() / 1000 + 1);
	});
});

describe('Send: derived transaction id and timestamp', () => {
	test('an empty Transaction ID is derived from execution, node, run and item, and returned', async () => {
		const result = await send({ timestamp: '1700000000' }, { items: [{}, {}] });
		// The mock echoes each request's event, so output item i carries the id item i's request sent.
		const returned = result.json.map((j) => j.transaction_id as string);
		expect(returned[0]).toMatch(/^n8n-exec-1001-[0-9a-f]{8}-0-0$/);
		expect(returned[1]).toMatch(/^n8n-exec-1001-[0-9a-f]{8}-0-1$/);
		// The two requests are in flight together and may arrive in either order: the same ids, compared sorted.
		const sent = mock.requests.map((r) => r.body.event.transaction_id as string);
		expect([...sent].sort()).toEqual([...returned].sort());
	});

	test('the derived id is the same when the node runs again in the same execution run, and differs across runs and executions', async () => {
		await send({ timestamp: '1700000000' });
		await send({ timestamp: '1700000000' });
		await send({ timestamp: '1700000000' }, { runIndex: 1 });
		await send({ timestamp: '1700000000' }, { executionId: 'exec-1002' });
		await send({ timestamp: '1700000000' }, { nodeName: 'Meter storage' });
		const ids = mock.requests.map((r) => r.body.event.transaction_id);
		expect(ids[0]).toBe(ids[1]);
		expect(new Set([ids[0], ids[2], ids[3], ids[4]]).size).toBe(4);
		expect(ids[2]).toMatch(/-1-0$/);
	});

	test('an empty Timestamp is the time the node run started, with milliseconds', async () => {
		const before = Date.now();
		// A fresh execution: repeated runs of one execution, node and run index keep their first start time.
		await send({ transactionId: 't' }, { executionId: 'exec-timestamp-now' });
		const sent = mock.requests[0].body.event.timestamp as number;
		expect(sent * 1000).toBeGreaterThanOrEqual(before);
		expect(sent * 1000).toBeLessThanOrEqual(Date.now());
		expect(Math.round(sent * 1000) / 1000).toBe(sent);
	});
});

describe('Send: duplicates', () => {
	const duplicate = () => ({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { transaction_id: ['value_already_exist'] } } });

	test('On Duplicate = Succeed (default) outputs the event as sent with already_ingested', async () => {
		mock.handler = duplicate;
		const result = await send({ transactionId: 'tx-dup', timestamp: '1700000000' });
		expect(result.error).toBeUndefined();
		expect(result.items).toEqual([
			{ json: { transaction_id: 'tx-dup', external_subscription_id: 'sub_1', code: 'api_calls', timestamp: 1700000000, already_ingested: true }, pairedItem: { item: 0 } },
		]);
	});

	test('On Duplicate = Fail makes it an error that names the id and the item', async () => {
		mock.handler = duplicate;
		const result = await send({ transactionId: 'tx-dup', timestamp: '1700000000', options: { onDuplicate: 'fail' } });
		expect(result.error?.message).toBe('Transaction ID "tx-dup" was already ingested by Lago [item 0]');
		expect(result.error?.description).toContain('Lago error_details: {"transaction_id":["value_already_exist"]}');
		expect(mock.requests).toHaveLength(1);
	});

	test('a duplicate answered to a retry after a broken connection is our own event, even with Fail', async () => {
		mock.handler = (_req, i) => (i === 0 ? { destroy: true } : duplicate());
		const result = await send({ transactionId: 'tx-ours', timestamp: '1700000000', options: { onDuplicate: 'fail', ...fast } });
		expect(result.error).toBeUndefined();
		expect(result.json[0]).toMatchObject({ transaction_id: 'tx-ours', already_ingested: true });
		expect(mock.requests).toHaveLength(2);
	});
});

describe('Send: bad input and Continue On Fail', () => {
	test('a bad item fails the node before any request, naming the item and the field', async () => {
		const result = await send({ externalSubscriptionId: '={{ $json.sub }}', transactionId: '={{ $json.id }}', timestamp: '1700000000' }, { items: [{ sub: 'sub_a', id: 'a' }, { sub: '', id: 'b' }, { sub: 'sub_c', id: 'c' }] });
		expect(result.error?.message).toBe('External Subscription ID is empty [item 1]');
		expect(result.error?.description).toContain('Nothing was sent to Lago for this item.');
		expect(mock.requests).toHaveLength(0);
	});

	test('with Continue On Fail the bad item becomes an error item and the others are sent', async () => {
		const result = await send(
			{ transactionId: '={{ $json.id }}', timestamp: '={{ $json.at }}' },
			{ continueOnFail: true, items: [{ id: 'a', at: 1700000000 }, { id: 'b', at: 'yesterday' }, { id: 'c', at: 1700000002 }] },
		);
		expect(result.error).toBeUndefined();
		// Items 0 and 2 are in flight together and may arrive in either order.
		expect(mock.requests.map((r) => r.body.event.transaction_id).sort()).toEqual(['a', 'c']);
		expect(result.items.map((i) => i.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.json[1].error).toBe('Timestamp "yesterday" is not a date Lago can use [item 1]');
		expect(result.json[0].transaction_id).toBe('a');
		expect(result.json[2].transaction_id).toBe('c');
	});

	test('an expression that resolves to empty is an error, not a silent default', async () => {
		const result = await send({ transactionId: '={{ $json.id }}', timestamp: '1700000000' }, { items: [{ id: '' }] });
		expect(result.error?.message).toBe('Transaction ID is empty [item 0]');
		expect(mock.requests).toHaveLength(0);
	});

	test('a Lago error becomes an error item with its code and details under Continue On Fail', async () => {
		mock.handler = () => ({ status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: 'expression_evaluation_failed: Variable: b not found' } });
		const result = await send({ transactionId: 't', timestamp: '1700000000' }, { continueOnFail: true });
		expect(result.json[0]).toMatchObject({
			error: 'Lago rejected the event: expression_evaluation_failed: Variable: b not found [item 0]',
			http_code: '422',
			lago_code: 'validation_errors',
			error_details: 'expression_evaluation_failed: Variable: b not found',
		});
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
	});
});

describe('Send: retries', () => {
	test('429 waits for X-RateLimit-Reset and resends the identical body', async () => {
		// Reset 1 s, back-off 1 ms: only a node that reads the header waits about a second before the resend.
		const arrivals: number[] = [];
		mock.handler = (req, i) => {
			arrivals.push(Date.now());
			return i === 0 ? { status: 429, body: { status: 429, error: 'Too Many Requests' }, headers: { 'X-RateLimit-Reset': '1' } } : ok({ event: lagoEvent(req.body.event) });
		};
		const result = await send({ options: fast });
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(2);
		expect(mock.requests[1].rawBody).toBe(mock.requests[0].rawBody);
		const waited = arrivals[1] - arrivals[0];
		expect(waited).toBeGreaterThanOrEqual(1000);
		expect(waited).toBeLessThan(3000);
	});

	test('503 pages and dropped connections are retried with identical bodies, including the derived id and timestamp', async () => {
		mock.handler = (req, i) => (i === 0 ? { status: 503, raw: '<html>busy</html>' } : i === 1 ? { destroy: true } : ok({ event: lagoEvent(req.body.event) }));
		const result = await send({ options: fast });
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(3);
		expect(new Set(mock.requests.map((r) => r.rawBody)).size).toBe(1);
		expect(result.json[0].transaction_id).toBe(mock.requests[0].body.event.transaction_id);
	});

	test.each([400, 401, 403, 404, 422])('status %d is never retried', async (status) => {
		mock.handler = () => ({ status, body: { status, error: 'x', code: status === 404 ? 'resource_not_found' : undefined } });
		const result = await send({ transactionId: 't', timestamp: '1700000000', options: fast });
		expect(mock.requests).toHaveLength(1);
		expect(result.error?.httpCode).toBe(String(status));
	});

	test('when retries run out the error says how many attempts, over how long, and the last status', async () => {
		mock.handler = () => ({ status: 503, body: { status: 503, error: 'Service Unavailable' } });
		const result = await send({ transactionId: 't', timestamp: '1700000000', options: { maxAttempts: 3, initialRetryDelay: 1 } });
		expect(mock.requests).toHaveLength(3);
		expect(result.error?.message).toMatch(/^Lago had a server error \(503 Service Unavailable\), after 3 attempts over \d+\.\d s \(last status 503\) \[item 0\]$/);
	});

	test('Max Retry Time bounds the waits: a long X-RateLimit-Reset is not waited for', async () => {
		mock.handler = () => ({ status: 429, body: { status: 429, error: 'Too Many Requests' }, headers: { 'X-RateLimit-Reset': '30' } });
		const started = Date.now();
		const result = await send({ transactionId: 't', timestamp: '1700000000', options: { maxRetryTime: 2 } });
		expect(Date.now() - started).toBeLessThan(5000);
		expect(mock.requests).toHaveLength(1);
		expect(result.error?.message).toMatch(/rate limit was still exceeded/);
	});

	test('a server that refuses connections gives a clear error naming the host and the attempts', async () => {
		await mock.close();
		const result = await send({ transactionId: 't', timestamp: '1700000000', options: { maxAttempts: 2, initialRetryDelay: 1 } });
		expect(result.error?.message).toMatch(/^Could not reach Lago: nothing is listening at 127\.0\.0\.1:\d+ \(connection refused\), after 2 attempts over \d+\.\d s \[item 0\]$/);
		await mock.restart();
	});

	test("n8n's Retry On Fail re-runs the node with the same derived transaction id", async () => {
		mock.handler = (req, i) => (i === 0 ? { status: 401, body: { status: 401, error: 'Unauthorized' } } : ok({ event: lagoEvent(req.body.event) }));
		const result = await send({ timestamp: '1700000000' }, { retryOnFail: { maxTries: 2, waitBetweenTries: 0 } });
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(2);
		expect(mock.requests[1].body.event.transaction_id).toBe(mock.requests[0].body.event.transaction_id);
	});

	test("an empty Timestamp is the same on n8n's Retry On Fail attempt, 50 ms later", async () => {
		mock.handler = (req, i) => (i === 0 ? { status: 401, body: { status: 401, error: 'Unauthorized' } } : ok({ event: lagoEvent(req.body.event) }));
		const before = Date.now();
		const result = await send({}, { executionId: 'exec-retry-timestamp', retryOnFail: { maxTries: 2, waitBetweenTries: 50 } });
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(2);
		const [first, second] = mock.requests.map((r) => r.body.event.timestamp);
		expect(second).toBe(first);
		expect(first * 1000).toBeGreaterThanOrEqual(before);
		expect(first * 1000).toBeLessThan(before + 40);
	});
});

describe('Send: credential problems', () => {
	test.each([
		['ftp base URL', { region: 'custom', baseUrl: 'ftp://x', apiKey: API_KEY }, /Base URL "ftp:\/\/x" .* must start with http/],
		['query string', { region: 'custom', baseUrl: 'http://127.0.0.1:1/?a=1', apiKey: API_KEY }, /query string/],
		['empty key', { region: 'custom', baseUrl: 'http://127.0.0.1:1', apiKey: '' }, /API Key .* is empty/],
		['key with a newline', { region: 'custom', baseUrl: 'http://127.0.0.1:1', apiKey: `${API_KEY}\n` }, /line break/],
	])('%s fails before any request', async (_name, credentials, message) => {
		const result = await send({ transactionId: 't', timestamp: '1700000000' }, { credentials });
		expect(result.error?.message).toMatch(message);
		expect(result.error?.message).toMatch(/\[item 0\]$/);
		expect(result.error?.message).not.toContain(API_KEY);
		expect(mock.requests).toHaveLength(0);
	});

	test('a wrong key gives the 401 message, without the key', async () => {
		mock.handler = () => ({ status: 401, body: { status: 401, error: 'Unauthorized' } });
		const result = await send({ transactionId: 't', timestamp: '1700000000' });
		expect(result.error?.message).toBe('Lago rejected the API key (401 Unauthorized) [item 0]');
		expect(JSON.stringify(result.run)).not.toContain(API_KEY);
	});
});

describe('Send: a redirecting Base URL', () => {
	// A self-hosted Lago behind a proxy that sends http:// to https://. Following a 301/302 turns the POST into a
	// GET without a body; GET /api/v1/events lists events with 200, which would read as a successful send.
	test.each([301, 302, 307, 308])('%i is an error naming the new address, and nothing is followed', async (status) => {
		mock.handler = (req) =>
			req.method === 'POST' ? { status, headers: { Location: `${mock.url}/moved/api/v1/events` }, raw: '<html>Moved</html>' } : ok({ events: [], meta: {} });
		const result = await send({ transactionId: 't', timestamp: '1700000000' }, { continueOnFail: true });
		expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/events']);
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json.error).toBe(`Lago's address answered with a redirect (${status}) to ${mock.url}/moved/api/v1/events: the request did not reach Lago [item 0]`);
		expect(result.items[0].json.description).toContain('Set the Base URL in the Lago API credential to the address Lago is served at');
		expect(result.items[0].json.description).toContain('does not follow redirects');
	});

	test('Send Batch stops at the redirect and lists every item as not ingested', async () => {
		mock.handler = () => ({ status: 301, headers: { Location: 'https://lago.example.com/api/v1/events/batch' }, raw: 'Moved' });
		const result = await runNode({
			baseUrl: mock.url,
			items: [{ tx: 'a' }, { tx: 'b' }, { tx: 'c' }],
			parameters: { operation: 'createBatch', externalSubscriptionId: 'sub_1', code: 'api_calls', transactionId: '={{ $json.tx }}', timestamp: '1700000000', options: { checkBillableMetrics: 'dontCheck' } },
		});
		expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/events/batch']);
		expect(result.error?.message).toBe("Lago's address answered with a redirect (301) to https://lago.example.com/api/v1/events/batch: the request did not reach Lago [item 0]");
		expect(result.error?.description).toContain('No event of this run was ingested.');
	});
});
