import type { IDataObject } from 'n8n-workflow';

import { RateLimiter } from '../../nodes/shared/rateLimiter';
import {
	CredentialError,
	DEFAULT_RETRY,
	networkErrorCode,
	rateLimitGate,
	rateLimitResetMs,
	resolveBaseUrl,
	retryPolicyFromOptions,
	runRateLimiter,
} from '../../nodes/shared/transport';

/** Edges of the transport that transport.test.ts and the engine tests do not reach (issue 23, mutation score). */

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
