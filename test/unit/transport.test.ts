import {
	CredentialError,
	backoffDelay,
	checkApiKey,
	isRetryableStatus,
	networkErrorCode,
	rateLimitResetMs,
	resolveBaseUrl,
	retryPolicyFromOptions,
} from '../../nodes/shared/transport';

describe('resolveBaseUrl', () => {
	test.each([
		['us', { region: 'us' }, 'https://api.getlago.com/api/v1'],
		['eu', { region: 'eu' }, 'https://api.eu.getlago.com/api/v1'],
		['missing region means us', {}, 'https://api.getlago.com/api/v1'],
		['bare host', { region: 'custom', baseUrl: 'https://lago.example.com' }, 'https://lago.example.com/api/v1'],
		['trailing slash', { region: 'custom', baseUrl: 'https://lago.example.com/' }, 'https://lago.example.com/api/v1'],
		['with /api/v1', { region: 'custom', baseUrl: 'https://lago.example.com/api/v1' }, 'https://lago.example.com/api/v1'],
		['with /api/v1/', { region: 'custom', baseUrl: 'https://lago.example.com/api/v1/' }, 'https://lago.example.com/api/v1'],
		['several slashes', { region: 'custom', baseUrl: 'https://lago.example.com///' }, 'https://lago.example.com/api/v1'],
		['http on a LAN with a port', { region: 'custom', baseUrl: 'http://10.0.0.5:3000' }, 'http://10.0.0.5:3000/api/v1'],
		['surrounding spaces', { region: 'custom', baseUrl: '  http://localhost:3000/api/v1  ' }, 'http://localhost:3000/api/v1'],
		['a sub-path behind a proxy', { region: 'custom', baseUrl: 'https://example.com/lago/' }, 'https://example.com/lago/api/v1'],
		['upper-case API path', { region: 'custom', baseUrl: 'https://lago.example.com/API/V1' }, 'https://lago.example.com/api/v1'],
	])('%s', (_name, credentials, expected) => {
		expect(resolveBaseUrl(credentials)).toBe(expected);
	});

	test.each([
		['empty', '', /is empty/],
		['ftp', 'ftp://x', /must start with http:\/\/ or https:\/\//],
		['not a url', 'not a url', /is not a URL/],
		['missing scheme', 'lago.example.com', /is not a URL/],
		['query string', 'https://lago.example.com/?x=1', /query string/],
		['empty query string', 'https://lago.example.com/?', /query string/],
		['fragment', 'https://lago.example.com/#top', /fragment/],
		['user info', 'https://user:pw@lago.example.com', /user name or password/],
	])('rejects %s', (_name, baseUrl, message) => {
		expect(() => resolveBaseUrl({ region: 'custom', baseUrl })).toThrow(CredentialError);
		expect(() => resolveBaseUrl({ region: 'custom', baseUrl })).toThrow(message);
	});
});

describe('checkApiKey', () => {
	test('accepts a normal key', () => {
		expect(() => checkApiKey({ apiKey: 'abc-123_XYZ' })).not.toThrow();
	});
	test.each([
		['empty', '', /is empty/],
		['blank', '   ', /is empty/],
		['missing', undefined, /is empty/],
		['newline', 'abc\ndef', /space or a line break/],
		['trailing newline', 'abc\n', /space or a line break/],
		['inner space', 'abc def', /space or a line break/],
	])('rejects %s without echoing it', (_name, apiKey, message) => {
		let caught: Error | undefined;
		try {
			checkApiKey({ apiKey });
		} catch (error) {
			caught = error as Error;
		}
		expect(caught?.message).toMatch(message);
		if (apiKey && apiKey.trim()) expect(caught?.message).not.toContain(apiKey.trim());
	});
});

describe('retry policy', () => {
	test('defaults allow at least 5 attempts within 2 minutes', () => {
		// The documented defaults (README, option descriptions), written out: not read back from the code.
		expect(retryPolicyFromOptions({})).toEqual({ maxAttempts: 8, maxRetryTimeMs: 120_000, initialDelayMs: 500 });
	});

	test('options override the defaults', () => {
		expect(retryPolicyFromOptions({ maxAttempts: 3, maxRetryTime: 10, initialRetryDelay: 5 })).toEqual({ maxAttempts: 3, maxRetryTimeMs: 10_000, initialDelayMs: 5 });
		expect(retryPolicyFromOptions({ maxAttempts: 0 }).maxAttempts).toBe(1);
	});

	test('back-off doubles, is capped, and jitters between half and full', () => {
		const policy = { maxAttempts: 8, maxRetryTimeMs: 120_000, initialDelayMs: 100 };
		expect(backoffDelay(1, policy, () => 1)).toBe(100);
		expect(backoffDelay(1, policy, () => 0)).toBe(50);
		expect(backoffDelay(3, policy, () => 1)).toBe(400);
		expect(backoffDelay(30, policy, () => 1)).toBe(30_000);
	});

	test('X-RateLimit-Reset is read in seconds', () => {
		expect(rateLimitResetMs({ 'x-ratelimit-reset': '1' })).toBe(1000);
		expect(rateLimitResetMs({ 'x-ratelimit-reset': '0.25' })).toBe(250);
		expect(rateLimitResetMs({ 'x-ratelimit-reset': 'soon' })).toBeUndefined();
		expect(rateLimitResetMs({})).toBeUndefined();
	});

	test.each([
		[429, true],
		[500, true],
		[502, true],
		[503, true],
		[400, false],
		[401, false],
		[403, false],
		[404, false],
		[422, false],
	])('status %d retryable: %p', (status, expected) => {
		expect(isRetryableStatus(status)).toBe(expected);
	});

	test.each([
		['code on the error', { code: 'ECONNRESET' }, 'ECONNRESET'],
		['code on the cause', { message: 'x', cause: { code: 'ECONNREFUSED' } }, 'ECONNREFUSED'],
		['socket hang up', { message: 'socket hang up' }, 'ECONNRESET'],
		['axios timeout', { message: 'timeout of 60000ms exceeded', code: 'ECONNABORTED' }, 'ECONNABORTED'],
		['timeout text', { message: 'connect ETIMEDOUT 1.2.3.4:443' }, 'ETIMEDOUT'],
		['not a network error', { message: 'Bad things' }, undefined],
	])('networkErrorCode: %s', (_name, error, expected) => {
		expect(networkErrorCode(error)).toBe(expected);
	});
});
