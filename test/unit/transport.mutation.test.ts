import { sleep } from 'n8n-workflow';
import type { IDataObject, IHttpRequestOptions, INode } from 'n8n-workflow';

import { RateLimiter } from '../../nodes/shared/rateLimiter';
import {
	CredentialError,
	DEFAULT_RETRY,
	lagoRequest,
	networkErrorCode,
	rateLimitGate,
	rateLimitResetMs,
	resolveBaseUrl,
	responseError,
	retryPolicyFromOptions,
	runRateLimiter,
	sendToLago,
} from '../../nodes/shared/transport';
import type { LagoRequest, LagoResponse, RetryPolicy } from '../../nodes/shared/transport';

/**
 * Edges of the transport that transport.test.ts and the engine tests do not reach (issue 23, mutation score): exact
 * retry counts, waits and messages, the run's rate-limit gate, cancellation, and what n8n's request helper is handed.
 * sendToLago runs against a stand-in for n8n's context here: n8n-workflow's sleep is replaced by one that records each
 * wait and moves a pinned clock on by it, and Math.random is pinned, so every delay and elapsed time is exact.
 */

jest.mock('n8n-workflow', () => ({ ...jest.requireActual('n8n-workflow'), sleep: jest.fn() }));

const START = 1_800_000_000_000;
let clock: number;
let nowCalls: number;
let slept: number[];
/** Called inside each recorded sleep (e.g. to cancel the execution while it waits). */
let duringSleep: (() => void) | undefined;

beforeEach(() => {
	clock = START;
	nowCalls = 0;
	slept = [];
	duringSleep = undefined;
	// A mutant that loops without sleeping would starve the event loop (and jest's timeout): fail it instead.
	jest.spyOn(Date, 'now').mockImplementation(() => {
		if (++nowCalls > 20_000) throw new Error('runaway: Date.now() read 20,000 times');
		return clock;
	});
	jest.mocked(sleep).mockImplementation(async (ms: number) => {
		slept.push(ms);
		if (slept.length > 60) throw new Error('runaway: 60 sleeps');
		clock += ms;
		duringSleep?.();
	});
	// Jitter in the middle: a back-off delay is three quarters of the full one.
	jest.spyOn(Math, 'random').mockReturnValue(0.5);
});

afterEach(() => jest.restoreAllMocks());

const messageOf = (fn: () => unknown): string | undefined => {
	try {
		fn();
	} catch (error) {
		return (error as Error).message;
	}
	return undefined;
};

describe('resolveBaseUrl: edges', () => {
	const EMPTY = 'The Base URL in the Lago API credential is empty. Enter your Lago API URL, e.g. https://lago.example.com.';
	const USER_INFO = 'The Base URL in the Lago API credential must not contain a user name or password; put the key in API Key.';

	test.each([
		['missing', undefined],
		['blank', '   '],
		['a tab and a line break', '\t\n'],
	])('a %s Base URL is empty, not "not a URL"', (_name, baseUrl) => {
		expect(() => resolveBaseUrl({ region: 'custom', baseUrl })).toThrow(CredentialError);
		expect(messageOf(() => resolveBaseUrl({ region: 'custom', baseUrl }))).toBe(EMPTY);
	});

	test.each([
		['a user name alone', 'https://user@lago.example.com'],
		['a password alone', 'https://:pw@lago.example.com'],
	])('%s is refused', (_name, baseUrl) => {
		expect(messageOf(() => resolveBaseUrl({ region: 'custom', baseUrl }))).toBe(USER_INFO);
	});

	test('an empty #fragment is refused like an empty query string (the URL itself drops both)', () => {
		expect(messageOf(() => resolveBaseUrl({ region: 'custom', baseUrl: 'https://lago.example.com/#' }))).toBe(
			'The Base URL "https://lago.example.com/#" in the Lago API credential must not contain a query string or a #fragment.',
		);
	});

	test('only a path that ends in /api/v1 loses it', () => {
		expect(resolveBaseUrl({ region: 'custom', baseUrl: 'https://example.com/api/v10' })).toBe('https://example.com/api/v10/api/v1');
		expect(resolveBaseUrl({ region: 'custom', baseUrl: 'https://example.com/api/v1/lago/' })).toBe('https://example.com/api/v1/lago/api/v1');
	});

	test('messages quote the Base URL trimmed', () => {
		expect(messageOf(() => resolveBaseUrl({ region: 'custom', baseUrl: '  ftp://x ' }))).toBe('The Base URL "ftp://x" in the Lago API credential must start with http:// or https://.');
	});
});

describe('retryPolicyFromOptions: values that are not finite numbers fall back to the defaults', () => {
	test.each([[Number.NaN], [Number.POSITIVE_INFINITY], ['5'], [null]])('%p', (value) => {
		expect(retryPolicyFromOptions({ maxAttempts: value, maxRetryTime: value, initialRetryDelay: value } as IDataObject)).toEqual(DEFAULT_RETRY);
	});

	test('fractional tries round down; negative times are 0', () => {
		expect(retryPolicyFromOptions({ maxAttempts: 2.9, maxRetryTime: -1, initialRetryDelay: -5 })).toEqual({ maxAttempts: 2, maxRetryTimeMs: 0, initialDelayMs: 0 });
	});
});

describe('rateLimitResetMs: edges', () => {
	test.each([
		['no headers at all', undefined, undefined],
		['a null header', { 'x-ratelimit-reset': null }, undefined],
		['an empty header', { 'x-ratelimit-reset': '' }, undefined],
		['a negative reset', { 'x-ratelimit-reset': '-1' }, undefined],
		['an infinite reset', { 'x-ratelimit-reset': 'Infinity' }, undefined],
		['a reset of 0 (now)', { 'x-ratelimit-reset': '0' }, 0],
		['a number rather than a string', { 'x-ratelimit-reset': 3 }, 3000],
		['a part of a millisecond, rounded up', { 'x-ratelimit-reset': '0.0001' }, 1],
		['a repeated header: the first value', { 'x-ratelimit-reset': ['2', '5'] }, 2000],
	])('%s', (_name, headers, expected) => {
		expect(rateLimitResetMs(headers as IDataObject | undefined)).toBe(expected);
	});
});

describe('networkErrorCode: edges', () => {
	const CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];

	test.each(CODES)('%s is a network error, as code, as httpCode and in the message', (code) => {
		expect(networkErrorCode({ code })).toBe(code);
		// n8n's NodeApiError keeps the code in httpCode and words the message its own way.
		expect(networkErrorCode({ httpCode: code, message: 'The service was not reachable' })).toBe(code);
		expect(networkErrorCode(new Error(`request to lago failed, reason: ${code}`))).toBe(code);
	});

	test.each([
		['a code not retried', { code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND lago.example.com' }, undefined],
		['a number as code', { code: 500, httpCode: 502 }, undefined],
		['null', null, undefined],
		['a thrown string', 'ECONNRESET', undefined],
		['a function carrying a code', Object.assign(() => undefined, { code: 'ECONNRESET' }), undefined],
		["axios's timeout text alone", { message: 'timeout of 60000ms exceeded' }, 'ETIMEDOUT'],
		['a timeout without a number', { message: 'timeout of ms exceeded' }, undefined],
		['the code on errorResponse', { message: 'x', errorResponse: { code: 'EPIPE' } }, 'EPIPE'],
		['cause before errorResponse', { message: 'x', cause: { code: 'ECONNREFUSED' }, errorResponse: { code: 'EPIPE' } }, 'ECONNREFUSED'],
		['a null cause falls back to errorResponse', { message: 'x', cause: null, errorResponse: { message: 'socket hang up' } }, 'ECONNRESET'],
	])('%s', (_name, error, expected) => {
		expect(networkErrorCode(error)).toBe(expected);
	});

	test('a cause chain that loops ends, each error read once', () => {
		let reads = 0;
		const a: IDataObject = { message: 'a' };
		const b = {
			message: 'b',
			get cause() {
				// Without the seen-set the loop would come back here for ever.
				if (++reads > 1) throw new Error('the chain was walked twice');
				return a;
			},
		};
		a.cause = b;
		expect(networkErrorCode(a)).toBeUndefined();
		expect(reads).toBe(1);
	});
});

describe('the run-wide gate and limiter', () => {
	test('one of each per run, the same object for every request of the run, the gate open at first', () => {
		const run = {};
		const gate = rateLimitGate(run);
		expect(gate).toEqual({ openAt: 0 });
		expect(rateLimitGate(run)).toBe(gate);
		expect(rateLimitGate({})).not.toBe(gate);
		const limiter = runRateLimiter(run);
		expect(limiter).toBeInstanceOf(RateLimiter);
		expect(runRateLimiter(run)).toBe(limiter);
		expect(runRateLimiter({})).not.toBe(limiter);
	});
});

const NODE: INode = { id: 'n1', name: 'Lago Events', type: 'n8n-nodes-lago.lagoEvents', typeVersion: 1, position: [0, 0], parameters: {} };
const BASE_URL = 'http://127.0.0.1:9/api/v1';
/** Self-hosted with the limits lifted: no rate limiter, so the only waits are the transport's own. */
const UNLIMITED = { region: 'custom', baseUrl: 'http://127.0.0.1:9', apiKey: 'lago_key_1', rateLimits: 'none' };
const LIMITED = { region: 'custom', baseUrl: 'http://127.0.0.1:9', apiKey: 'lago_key_1' };
const POST: LagoRequest = { method: 'POST', path: '/events', body: { event: { transaction_id: 'tx-1', code: 'seats' } } };
const POLICY_3: RetryPolicy = { maxAttempts: 3, maxRetryTimeMs: 120_000, initialDelayMs: 1000 };

type Answer = { statusCode: number; body?: unknown; headers?: IDataObject } | Error;
const status = (statusCode: number, headers?: IDataObject, body: unknown = JSON.stringify({ status: statusCode, error: 'x' })): Answer => ({ statusCode, body, headers });
const netError = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:9`), { code });

interface FakeOptions {
	credentials?: IDataObject;
	signal?: AbortSignal;
	/** 'recording' (default), 'none' (a context without a logger) or 'withoutWarn' (a logger lacking warn). */
	logger?: 'recording' | 'none' | 'withoutWarn';
}

/** n8n's context as sendToLago uses it, answering each request with the next answer (the last one repeats). */
function fakeContext(answers: Answer[], { credentials = UNLIMITED, signal, logger = 'recording' }: FakeOptions = {}) {
	const sent: Array<{ credentialType: string; options: IHttpRequestOptions; extra: unknown }> = [];
	const warnings: string[] = [];
	const ctx = {
		getCredentials: jest.fn(async () => credentials),
		getNode: () => NODE,
		...(signal ? { getExecutionCancelSignal: () => signal } : {}),
		...(logger === 'none' ? {} : { logger: logger === 'withoutWarn' ? {} : { warn: (message: string) => warnings.push(message) } }),
		helpers: {
			httpRequestWithAuthentication: jest.fn(async (credentialType: string, options: IHttpRequestOptions, extra: unknown) => {
				sent.push({ credentialType, options, extra });
				const answer = answers[Math.min(sent.length - 1, answers.length - 1)];
				if (answer instanceof Error) throw answer;
				return answer;
			}),
		},
	};
	const send = (request: LagoRequest = POST, policy?: RetryPolicy, itemIndex?: number) => sendToLago.call(ctx as never, request, policy, itemIndex);
	const request = (request: LagoRequest = POST, policy?: RetryPolicy, itemIndex?: number) =>
		lagoRequest.call(ctx as never, request, { operation: 'create' }, policy, itemIndex);
	return { ctx, sent, warnings, send, request };
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { description?: string; httpCode?: string }> {
	try {
		await promise;
	} catch (error) {
		return error as Error;
	}
	throw new Error('expected a rejection');
}

describe('sendToLago: what n8n is asked', () => {
	test('a POST: the credential, the Base URL, the serialised body and every request option, exactly', async () => {
		const fake = fakeContext([status(200, {}, '{"event":{}}')]);
		await fake.send();
		expect(fake.ctx.getCredentials).toHaveBeenCalledWith('lagoApi');
		expect(fake.sent).toHaveLength(1);
		const [{ credentialType, options, extra }] = fake.sent;
		expect(credentialType).toBe('lagoApi');
		expect(extra).toEqual({ credentialsDecrypted: { id: '', name: 'lagoApi', type: 'lagoApi', data: UNLIMITED } });
		const { body, ...rest } = options;
		expect(rest).toStrictEqual({
			method: 'POST',
			baseURL: BASE_URL,
			url: '/events',
			qs: undefined,
			headers: { Accept: 'application/json', 'Content-Type': 'application/json' },
			encoding: 'text',
			json: false,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			timeout: 60_000,
		});
		expect(Buffer.isBuffer(body)).toBe(true);
		expect(String(body)).toBe('{"event":{"transaction_id":"tx-1","code":"seats"}}');
	});

	test('a GET: no body and no Content-Type, the query string as given', async () => {
		const fake = fakeContext([status(200, {}, '{}')]);
		await fake.send({ method: 'GET', path: '/billable_metrics', qs: { page: 2 } });
		const { options } = fake.sent[0];
		expect('body' in options).toBe(false);
		expect(options.headers).toStrictEqual({ Accept: 'application/json' });
		expect(options.qs).toStrictEqual({ page: 2 });
	});

	test('every retry sends the same bytes', async () => {
		const fake = fakeContext([status(503), status(200, {}, '{}')]);
		await fake.send(POST, POLICY_3);
		expect(fake.sent).toHaveLength(2);
		expect(String(fake.sent[1].options.body)).toBe(String(fake.sent[0].options.body));
		expect(fake.sent[1].options).toStrictEqual(fake.sent[0].options);
	});

	test('the credential is read once per run, whatever the number of requests', async () => {
		const fake = fakeContext([status(200, {}, '{}')]);
		await fake.send();
		await fake.send();
		expect(fake.ctx.getCredentials).toHaveBeenCalledTimes(1);
		expect(fake.sent).toHaveLength(2);
	});

	test('a bad credential fails every request of the run with its fix, and nothing is sent', async () => {
		const fake = fakeContext([status(200)], { credentials: { region: 'custom', baseUrl: 'http://127.0.0.1:9', apiKey: '' } });
		for (const itemIndex of [3, 4]) {
			const error = await rejection(fake.send(POST, DEFAULT_RETRY, itemIndex));
			expect(error.message).toBe(`The API Key in the Lago API credential is empty. Copy it from Lago › Developers › API keys. [item ${itemIndex}]`);
			expect(error.description).toBe('Open the Lago API credential and correct it.');
		}
		expect(fake.sent).toHaveLength(0);
		expect(fake.ctx.getCredentials).toHaveBeenCalledTimes(1);
	});
});

describe("sendToLago: Lago's answer", () => {
	test('a 200 on the first try: parsed body, headers, one attempt, not ambiguous, no time spent', async () => {
		const fake = fakeContext([status(201, { 'x-request-id': 'r1' }, ' {"event":{"lago_id":"l1"}}\n')]);
		expect(await fake.send()).toStrictEqual({ status: 201, body: { event: { lago_id: 'l1' } }, headers: { 'x-request-id': 'r1' }, attempts: 1, ambiguous: false, elapsedMs: 0 });
		expect(slept).toEqual([]);
	});

	test.each([
		['an empty body', '', undefined],
		['a body of white space', ' \r\n ', undefined],
		["a proxy's HTML page, as it came", '<html>busy</html>', '<html>busy</html>'],
		['JSON null', 'null', null],
		['a body that is not a string, as it came', { a: 1 }, { a: 1 }],
	])('%s', async (_name, body, expected) => {
		const result = await fakeContext([status(400, undefined, body)]).send();
		expect(result.body).toStrictEqual(expected);
		// No headers from the helper: an empty object.
		expect(result.headers).toStrictEqual({});
	});

	test.each([400, 401, 404, 422, 301])('%d is not retried', async (code) => {
		const fake = fakeContext([status(code)]);
		const result = await fake.send();
		expect(result.status).toBe(code);
		expect(result.attempts).toBe(1);
		expect(fake.sent).toHaveLength(1);
		expect(slept).toEqual([]);
	});
});

describe('sendToLago: retries', () => {
	test('5xx: back-off that doubles (jitter pinned), up to Max Attempts, ambiguous, each retry logged, the gate left open', async () => {
		// X-RateLimit-Reset on a 503 is not a rate limit: the back-off applies.
		const fake = fakeContext([status(503, { 'x-ratelimit-reset': '9' })]);
		const result = await fake.send(POST, POLICY_3);
		expect(fake.sent).toHaveLength(3);
		expect(result).toMatchObject({ status: 503, attempts: 3, ambiguous: true, elapsedMs: 2250 });
		expect(slept).toEqual([750, 1500]);
		expect(fake.warnings).toEqual([
			'Lago answered 503 to POST /events; retry 1 of 2 in 750 ms',
			'Lago answered 503 to POST /events; retry 2 of 2 in 1500 ms',
		]);
		expect(rateLimitGate(fake.ctx).openAt).toBe(0);
	});

	test('a 500 (the lowest 5xx) is retried and makes the answer ambiguous', async () => {
		const fake = fakeContext([status(500), status(200, {}, '{}')]);
		expect(await fake.send(POST, POLICY_3)).toMatchObject({ status: 200, attempts: 2, ambiguous: true, elapsedMs: 750 });
	});

	test('a 429 waits X-RateLimit-Reset, closes the run\'s gate until then, and is not ambiguous', async () => {
		const fake = fakeContext([status(429, { 'x-ratelimit-reset': '2' }), status(200, {}, '{}')]);
		const result = await fake.send();
		expect(result).toMatchObject({ status: 200, attempts: 2, ambiguous: false, elapsedMs: 2000 });
		// One wait of exactly the reset: the gate opens as it ends, so passing it takes no second wait.
		expect(slept).toEqual([2000]);
		expect(rateLimitGate(fake.ctx).openAt).toBe(START + 2000);
		expect(fake.warnings).toEqual(['Lago answered 429 to POST /events; retry 1 of 7 in 2000 ms']);
	});

	test('a 429 without X-RateLimit-Reset backs off like a 5xx, and closes the gate as long', async () => {
		const fake = fakeContext([status(429), status(200, {}, '{}')]);
		await fake.send();
		expect(slept).toEqual([375]);
		expect(rateLimitGate(fake.ctx).openAt).toBe(START + 375);
	});

	test('a 429 on the last attempt still closes the gate for the rest of the run', async () => {
		const fake = fakeContext([status(429, { 'x-ratelimit-reset': '4' })]);
		const result = await fake.send(POST, { maxAttempts: 1, maxRetryTimeMs: 120_000, initialDelayMs: 1000 });
		expect(result).toMatchObject({ status: 429, attempts: 1 });
		expect(slept).toEqual([]);
		expect(rateLimitGate(fake.ctx).openAt).toBe(START + 4000);
	});

	test('a retry whose wait would end exactly at Max Retry Time still happens; the next one, past it, does not', async () => {
		// Attempt 1: 0 ms spent + 1000 ms wait = the 1000 ms bound, so it retries; attempt 2: 1000 + 2000 > 1000.
		jest.spyOn(Math, 'random').mockReturnValue(1);
		const policy = { maxAttempts: 8, maxRetryTimeMs: 1000, initialDelayMs: 1000 };
		const fake = fakeContext([status(503)]);
		expect(await fake.send(POST, policy)).toMatchObject({ status: 503, attempts: 2, elapsedMs: 1000 });
		expect(slept).toEqual([1000]);
	});

	test('a long X-RateLimit-Reset past Max Retry Time is not waited for', async () => {
		const fake = fakeContext([status(429, { 'x-ratelimit-reset': '5' })]);
		const result = await fake.send(POST, { maxAttempts: 8, maxRetryTimeMs: 4999, initialDelayMs: 100 });
		expect(result).toMatchObject({ status: 429, attempts: 1, elapsedMs: 0 });
		expect(slept).toEqual([]);
	});

	test.each([
		['without a logger', 'none'],
		['with a logger lacking warn', 'withoutWarn'],
	] as const)('retries %s', async (_name, logger) => {
		const fake = fakeContext([status(503), netError('ECONNRESET'), status(200, {}, '{}')], { logger });
		expect(await fake.send(POST, POLICY_3)).toMatchObject({ status: 200, attempts: 3 });
	});
});

describe('sendToLago: network failures', () => {
	test('retried up to Max Attempts, then one error with the cause, the tries, the time and the Base URL', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(1);
		const fake = fakeContext([netError('ECONNREFUSED')]);
		const error = await rejection(fake.send(POST, POLICY_3, 0));
		expect(fake.sent).toHaveLength(3);
		expect(slept).toEqual([1000, 2000]);
		expect(error.message).toBe('Could not reach Lago: nothing is listening at 127.0.0.1:9 (connection refused), after 3 attempts over 3.0 s [item 0]');
		expect(error.description).toBe(
			`Check that Lago is running and that the Base URL in the Lago API credential is right (now ${BASE_URL}). Events already ingested are recognised by their transaction ID, so running the workflow again is safe.`,
		);
		expect(error.httpCode).toBe('ECONNREFUSED');
		expect(fake.warnings).toEqual([
			'Request to Lago failed with ECONNREFUSED (POST /events); retry 1 of 2 in 1000 ms',
			'Request to Lago failed with ECONNREFUSED (POST /events); retry 2 of 2 in 2000 ms',
		]);
	});

	test.each([
		['ETIMEDOUT', '127.0.0.1:9 did not answer in time'],
		['ECONNABORTED', '127.0.0.1:9 did not answer in time'],
		['ECONNRESET', 'the connection to 127.0.0.1:9 broke (econnreset)'],
		['EPIPE', 'the connection to 127.0.0.1:9 broke (epipe)'],
	])('%s on the only attempt', async (code, what) => {
		const error = await rejection(fakeContext([netError(code)]).send(POST, { ...POLICY_3, maxAttempts: 1 }));
		expect(error.message).toBe(`Could not reach Lago: ${what}, after 1 attempt over 0.0 s`);
		expect(error.httpCode).toBe(code);
	});

	test('an error that is not a network error is not retried', async () => {
		const fake = fakeContext([new Error('Bad things')]);
		const error = await rejection(fake.send(POST, DEFAULT_RETRY, 1));
		expect(fake.sent).toHaveLength(1);
		expect(slept).toEqual([]);
		expect(error.message).toBe('Could not reach Lago: the request to 127.0.0.1:9 failed, after 1 attempt over 0.0 s [item 1]');
		expect(error.httpCode).toBe('none');
	});

	test('a broken connection then an answer: ambiguous (the first try may have reached Lago)', async () => {
		const fake = fakeContext([netError('ECONNRESET'), status(200, {}, '{}')]);
		expect(await fake.send(POST, POLICY_3)).toMatchObject({ status: 200, attempts: 2, ambiguous: true, elapsedMs: 750 });
	});

	test('the wait that would end exactly at Max Retry Time still happens, the next does not', async () => {
		jest.spyOn(Math, 'random').mockReturnValue(1);
		const fake = fakeContext([netError('ECONNRESET')]);
		const error = await rejection(fake.send(POST, { maxAttempts: 8, maxRetryTimeMs: 1000, initialDelayMs: 1000 }));
		expect(fake.sent).toHaveLength(2);
		expect(error.message).toBe('Could not reach Lago: the connection to 127.0.0.1:9 broke (econnreset), after 2 attempts over 1.0 s');
	});
});

describe("sendToLago: the run's rate-limit gate and cancellation", () => {
	test('a request of a run whose gate is closed waits until it opens, then goes out', async () => {
		const fake = fakeContext([status(200, {}, '{}')], { signal: new AbortController().signal });
		rateLimitGate(fake.ctx).openAt = START + 5000;
		expect(await fake.send()).toMatchObject({ status: 200, attempts: 1, elapsedMs: 5000 });
		expect(slept).toEqual([5000]);
	});

	test('no cancel signal at all (e.g. a load-options context): the gate is waited for all the same', async () => {
		const fake = fakeContext([status(200, {}, '{}')]);
		rateLimitGate(fake.ctx).openAt = START + 1;
		await fake.send();
		expect(slept).toEqual([1]);
	});

	test('cancelled while waiting for the gate: nothing is sent', async () => {
		const controller = new AbortController();
		const fake = fakeContext([status(200, {}, '{}')], { signal: controller.signal });
		rateLimitGate(fake.ctx).openAt = START + 5000;
		duringSleep = () => controller.abort();
		const error = await rejection(fake.send(POST, DEFAULT_RETRY, 2));
		expect(error.message).toBe("The execution was cancelled while waiting for Lago's rate limit to reset (POST /events) [item 2]");
		expect(fake.sent).toHaveLength(0);
	});

	test('cancelled while waiting to retry: no further attempt', async () => {
		const controller = new AbortController();
		const fake = fakeContext([status(503), status(200, {}, '{}')], { signal: controller.signal });
		duringSleep = () => controller.abort();
		const error = await rejection(fake.send(POST, POLICY_3, 0));
		expect(error.message).toBe('The execution was cancelled while waiting to retry POST /events [item 0]');
		expect(fake.sent).toHaveLength(1);
	});

	test("with Lago Cloud's limits each attempt takes a slot of its class; the limiter is told when the execution is cancelled", async () => {
		const controller = new AbortController();
		const take = jest.spyOn(RateLimiter.prototype, 'take').mockResolvedValue(true);
		const fake = fakeContext([status(503), status(200, {}, '{}')], { credentials: LIMITED, signal: controller.signal });
		await fake.send(POST, POLICY_3);
		expect(take.mock.calls.map(([rateClass]) => rateClass)).toEqual(['events', 'events']);
		expect(take.mock.contexts[0]).toBe(runRateLimiter(fake.ctx));
		const cancelled = take.mock.calls[0][1] as () => boolean;
		expect(cancelled()).toBe(false);
		controller.abort();
		expect(cancelled()).toBe(true);
	});

	test('without a cancel signal the limiter is told the execution is not cancelled', async () => {
		const take = jest.spyOn(RateLimiter.prototype, 'take').mockResolvedValue(true);
		await fakeContext([status(200, {}, '{}')], { credentials: LIMITED }).send({ method: 'GET', path: '/billable_metrics' });
		expect(take.mock.calls[0][0]).toBe('other');
		expect((take.mock.calls[0][1] as () => boolean)()).toBe(false);
	});

	test('with the limits lifted no limiter is used', async () => {
		const take = jest.spyOn(RateLimiter.prototype, 'take');
		await fakeContext([status(200, {}, '{}')]).send();
		expect(take).not.toHaveBeenCalled();
	});

	test('cancelled while waiting for the limiter: nothing is sent', async () => {
		jest.spyOn(RateLimiter.prototype, 'take').mockResolvedValue(false);
		const fake = fakeContext([status(200, {}, '{}')], { credentials: LIMITED });
		const error = await rejection(fake.send({ method: 'GET', path: '/billable_metrics' }, DEFAULT_RETRY, 0));
		expect(error.message).toBe("The execution was cancelled while waiting for Lago's rate limit to reset (GET /billable_metrics) [item 0]");
		expect(fake.sent).toHaveLength(0);
	});

	test('a 429 that closes the gate while this request waited for the limiter holds this request too', async () => {
		const fake = fakeContext([status(200, {}, '{}')], { credentials: LIMITED });
		let takes = 0;
		jest.spyOn(RateLimiter.prototype, 'take').mockImplementation(async () => {
			// Another request of the run meets a 429 while this one waits for its slot.
			if (++takes === 1) rateLimitGate(fake.ctx).openAt = Date.now() + 3000;
			return true;
		});
		expect(await fake.send()).toMatchObject({ status: 200, attempts: 1, elapsedMs: 3000 });
		expect(slept).toEqual([3000]);
		// The gate was passed again, and a slot taken again, after the wait.
		expect(takes).toBe(2);
	});
});

describe('responseError: the retry history', () => {
	const response = (status: number, attempts: number, elapsedMs = 2340): LagoResponse => ({
		status,
		body: { status, error: status === 503 ? 'Service Unavailable' : 'Bad Request' },
		headers: {},
		attempts,
		ambiguous: false,
		elapsedMs,
	});

	test('added after retries spent on a retryable status, with the tries, the time and the last status', () => {
		expect(responseError(NODE, response(503, 3), { operation: 'create' }, 1).message).toBe(
			'Lago had a server error (503 Service Unavailable), after 3 attempts over 2.3 s (last status 503) [item 1]',
		);
	});

	test('not added when there was one attempt, or when the status is not retried', () => {
		expect(responseError(NODE, response(503, 1), { operation: 'create' }).message).toBe('Lago had a server error (503 Service Unavailable)');
		expect(responseError(NODE, response(400, 3), { operation: 'create' }).message).not.toContain('attempts');
	});
});

describe("lagoRequest: 2xx is success, and only an object body is Lago's answer", () => {
	test.each([
		['a JSON object', 200, '{"event":{"lago_id":"l1"}}', { event: { lago_id: 'l1' } }],
		['299', 299, '{"a":1}', { a: 1 }],
		['an empty body', 204, '', {}],
		['JSON null', 200, 'null', {}],
		['text', 200, 'OK', {}],
	])('%s', async (_name, code, body, expected) => {
		expect(await fakeContext([status(code, {}, body)]).request()).toStrictEqual(expected);
	});

	test.each([199, 300])('%d is an error', async (code) => {
		const error = await rejection(fakeContext([status(code, {}, '{"a":1}')]).request(POST, DEFAULT_RETRY, 0));
		expect(error.httpCode).toBe(String(code));
		expect(error.message).toMatch(/\[item 0\]$/);
	});
});
