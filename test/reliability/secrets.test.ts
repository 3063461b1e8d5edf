import { ExecuteContext } from 'n8n-core';

import { API_KEY, runNode } from '../helpers/harness';
import { startMock } from '../helpers/mockLago';
import type { Reply } from '../helpers/mockLago';

/**
 * A recognisable API key goes through every operation and every error path; it must never appear in output items,
 * error messages, error descriptions, the run data n8n stores, or anything written to the logs.
 */

const KEY_FRAGMENT = API_KEY.slice(5, 25);

const errorReplies: Array<[string, Reply]> = [
	['400', { status: 400, body: { status: 400, error: 'BadRequest: param is missing or the value is empty or invalid: event' } }],
	['401', { status: 401, body: { status: 401, error: 'Unauthorized' } }],
	['403', { status: 403, body: { status: 403, error: 'Forbidden', code: 'write_action_not_allowed_for_event' } }],
	['404', { status: 404, body: { status: 404, error: 'Not Found', code: 'event_not_found' } }],
	['422', { status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { timestamp: ['invalid_format'] } } }],
	['429 until retries run out', { status: 429, body: { status: 429, error: 'Too Many Requests' }, headers: { 'X-RateLimit-Reset': '0' } }],
	['500 until retries run out', { status: 500, body: { status: 500, error: 'Internal Server Error' } }],
	['502 HTML page', { status: 502, raw: '<html><body>Bad gateway</body></html>' }],
	['dropped connection', { destroy: true }],
];

const operations: Array<[string, Record<string, unknown>]> = [
	['create', { operation: 'create', externalSubscriptionId: 'sub_1', code: 'api_calls', transactionId: 't1', timestamp: '1700000000' }],
	['createBatch', { operation: 'createBatch', externalSubscriptionId: 'sub_1', code: 'api_calls', transactionId: '={{ "t" + $json.n }}', timestamp: '1700000000' }],
	['estimateFees', { operation: 'estimateFees', externalSubscriptionId: 'sub_1', code: 'api_calls' }],
	['get', { operation: 'get', transactionId: 't1' }],
];

let written: string[] = [];
const capture = (chunk: unknown) => {
	written.push(String(chunk));
	return true;
};
beforeEach(() => {
	written = [];
	jest.spyOn(process.stdout, 'write').mockImplementation(capture as never);
	jest.spyOn(process.stderr, 'write').mockImplementation(capture as never);
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) jest.spyOn(console, method).mockImplementation((...args) => void written.push(args.map(String).join(' ')));
	// Everything the node logs goes through the logger n8n hands it (this.logger): record every call.
	const record = (message: string, meta?: object) => void written.push(`${message} ${JSON.stringify(meta ?? {})}`);
	jest.spyOn(ExecuteContext.prototype, 'logger', 'get').mockReturnValue({ error: record, warn: record, info: record, debug: record } as never);
});
afterEach(() => jest.restoreAllMocks());

describe('the API key never leaks', () => {
	const matrix = operations.flatMap(([op, parameters]) => errorReplies.map(([name, reply]) => [op, name, parameters, reply] as const));

	test.each(matrix)('%s, %s', async (_op, _name, parameters, reply) => {
		const mock = await startMock(() => reply);
		try {
			for (const continueOnFail of [false, true]) {
				const result = await runNode({
					baseUrl: mock.url,
					parameters: { ...parameters, options: { maxAttempts: 2, initialRetryDelay: 1 } } as never,
					items: [{ n: 1 }, { n: 2 }],
					continueOnFail,
				});
				if (continueOnFail) {
					expect(result.json.length).toBeGreaterThan(0);
					expect(result.json.every((j) => typeof j.error === 'string')).toBe(true);
				} else {
					expect(result.error?.message).toEqual(expect.any(String));
				}
				const everything = JSON.stringify({ items: result.items, run: result.run, message: result.error?.message, description: result.error?.description, context: result.error?.context });
				expect(everything).not.toContain(KEY_FRAGMENT);
			}
			// The key did reach the server, so the check above is not vacuous.
			expect(mock.requests[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
		} finally {
			await mock.close();
		}
		expect(written.join('\n')).not.toContain(KEY_FRAGMENT);
	});

	test('the logs are captured (retries are logged) and carry no key', async () => {
		const mock = await startMock((_req, i) => (i === 0 ? { status: 503, body: { status: 503, error: 'x' } } : { status: 200, body: { event: { transaction_id: 't1' } } }));
		try {
			const result = await runNode({ baseUrl: mock.url, parameters: { ...operations[0][1], options: { initialRetryDelay: 1, checkBillableMetrics: 'dontCheck' } } as never });
			expect(result.error).toBeUndefined();
		} finally {
			await mock.close();
		}
		const log = written.join('\n');
		expect(log).toContain('Lago answered 503 to POST /events; retry 1 of 7');
		expect(log).not.toContain(KEY_FRAGMENT);
	});
});
