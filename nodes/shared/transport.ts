import { sleep } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	ICredentialsDecrypted,
	NodeApiError,
	IDataObject,
	IExecuteFunctions,
	IHookFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	IWebhookFunctions,
} from 'n8n-workflow';

import { describeLagoError, itemError, lagoApiError } from './errors';
import type { DescribedError, LagoErrorContext } from './errors';
import { RateLimiter, rateClassOf } from './rateLimiter';

/**
 * The one way this node talks to Lago: base URL and auth from the credential, the body serialised once (so every retry
 * is byte-identical), bounded retries on 429 / 5xx / network failures, and no retries on anything else.
 */

export const LAGO_CLOUD_US = 'https://api.getlago.com/api/v1';
export const LAGO_CLOUD_EU = 'https://api.eu.getlago.com/api/v1';

export interface LagoCredentials {
	region?: string;
	baseUrl?: string;
	apiKey?: string;
	/** `none` lifts Lago Cloud's limits for a self-hosted Lago (shown for region `custom` only). */
	rateLimits?: string;
}

/** Whether requests keep to Lago Cloud's limits: always on Lago Cloud, and on a self-hosted URL unless lifted. */
export const keepsLagoCloudLimits = (credentials: LagoCredentials): boolean => credentials.region !== 'custom' || credentials.rateLimits !== 'none';

export class CredentialError extends Error {}

/** `https://lago.example.com`, with or without a trailing `/` or `/api/v1`, all mean `https://lago.example.com/api/v1`. */
export function resolveBaseUrl(credentials: LagoCredentials): string {
	if (credentials.region === 'eu') return LAGO_CLOUD_EU;
	if (credentials.region !== 'custom') return LAGO_CLOUD_US;
	const raw = typeof credentials.baseUrl === 'string' ? credentials.baseUrl.trim() : '';
	if (raw === '') {
		throw new CredentialError('The Base URL in the Lago API credential is empty. Enter your Lago API URL, e.g. https://lago.example.com.');
	}
	if (!URL.canParse(raw)) {
		throw new CredentialError(`The Base URL "${raw}" in the Lago API credential is not a URL. Enter it with http:// or https://, e.g. https://lago.example.com.`);
	}
	const url = new URL(raw);
	if (url.protocol !== 'http:' && url.protocol !== 'https:') {
		throw new CredentialError(`The Base URL "${raw}" in the Lago API credential must start with http:// or https://.`);
	}
	// A non-empty url.search or url.hash implies a `?` or `#` in raw; raw also catches the empty `?` and `#` the URL drops.
	if (raw.includes('?') || raw.includes('#')) {
		throw new CredentialError(`The Base URL "${raw}" in the Lago API credential must not contain a query string or a #fragment.`);
	}
	if (url.username || url.password) {
		throw new CredentialError('The Base URL in the Lago API credential must not contain a user name or password; put the key in API Key.');
	}
	const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v1$/i, '');
	return `${url.origin}${path}/api/v1`;
}

export function checkApiKey(credentials: LagoCredentials): void {
	const key = credentials.apiKey;
	if (typeof key !== 'string' || key.trim() === '') {
		throw new CredentialError('The API Key in the Lago API credential is empty. Copy it from Lago › Developers › API keys.');
	}
	if (/\s/.test(key)) {
		throw new CredentialError('The API Key in the Lago API credential contains a space or a line break. Paste the key again without them.');
	}
}

export interface RetryPolicy {
	/** Total tries, the first included. */
	maxAttempts: number;
	/** Upper bound for the whole request, waits included. */
	maxRetryTimeMs: number;
	/** First back-off; doubles on each retry, with jitter. */
	initialDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 8, maxRetryTimeMs: 120_000, initialDelayMs: 500 };
const MAX_BACKOFF_MS = 30_000;
const REQUEST_TIMEOUT_MS = 60_000;

export function retryPolicyFromOptions(options: IDataObject): RetryPolicy {
	const num = (value: unknown, fallback: number) =>
		typeof value === 'number' && Number.isFinite(value) ? value : fallback;
	return {
		maxAttempts: Math.max(1, Math.floor(num(options.maxAttempts, DEFAULT_RETRY.maxAttempts))),
		maxRetryTimeMs: Math.max(0, num(options.maxRetryTime, DEFAULT_RETRY.maxRetryTimeMs / 1000) * 1000),
		initialDelayMs: Math.max(0, num(options.initialRetryDelay, DEFAULT_RETRY.initialDelayMs)),
	};
}

/** Exponential back-off with jitter between half and the full delay, so parallel workers do not retry in step. */
export function backoffDelay(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
	const full = Math.min(MAX_BACKOFF_MS, policy.initialDelayMs * 2 ** (retry - 1));
	return Math.round(full * (0.5 + random() / 2));
}

/** Seconds until the rate-limit window resets, from Lago's X-RateLimit-Reset header, as milliseconds. */
export function rateLimitResetMs(headers: IDataObject | undefined): number | undefined {
	const raw = headers?.['x-ratelimit-reset'];
	const seconds = Number(Array.isArray(raw) ? raw[0] : raw);
	// No header: Number(undefined) is NaN. null and '' would read as 0, so they are ruled out by name.
	if (raw === null || raw === '' || !Number.isFinite(seconds) || seconds < 0) return undefined;
	return Math.ceil(seconds * 1000);
}

const RETRYABLE_NETWORK_CODES = ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNABORTED', 'EPIPE', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'];

/** The network error code behind whatever n8n's request helper threw, or undefined when it is not a network error. */
export function networkErrorCode(error: unknown): string | undefined {
	const seen = new Set<unknown>();
	let current: unknown = error;
	while (current && typeof current === 'object' && !seen.has(current)) {
		seen.add(current);
		const candidate = current as { code?: unknown; httpCode?: unknown; message?: unknown; cause?: unknown; errorResponse?: unknown };
		// n8n's NodeApiError keeps the network code in httpCode and replaces the message with its own text.
		for (const code of [candidate.code, candidate.httpCode]) {
			if (typeof code === 'string' && RETRYABLE_NETWORK_CODES.includes(code)) return code;
		}
		if (typeof candidate.message === 'string') {
			if (/socket hang up/i.test(candidate.message)) return 'ECONNRESET';
			const code = RETRYABLE_NETWORK_CODES.find((c) => candidate.message && String(candidate.message).includes(c));
			if (code) return code;
			if (/timeout of \d+ms exceeded/i.test(candidate.message)) return 'ETIMEDOUT';
		}
		current = candidate.cause ?? candidate.errorResponse;
	}
	return undefined;
}

export const isRetryableStatus = (status: number) => status === 429 || status >= 500;

export interface LagoRequest {
	method: IHttpRequestMethods;
	/** Path below /api/v1, already URL-encoded. */
	path: string;
	body?: IDataObject;
	qs?: IDataObject;
}

export interface LagoResponse {
	status: number;
	body: unknown;
	headers: IDataObject;
	attempts: number;
	/** An earlier attempt may have reached Lago (5xx or a broken connection), so a duplicate now may be our own event. */
	ambiguous: boolean;
	/** Time spent on this request, retries and waits included. */
	elapsedMs: number;
}

type TransportContext = (IExecuteFunctions | ILoadOptionsFunctions | IHookFunctions | IWebhookFunctions) & { getExecutionCancelSignal?: () => AbortSignal | undefined };

/** The credential of one node run, checked once: where requests go and what n8n authenticates them with. */
type Connection = { baseURL: string; credentialsDecrypted: ICredentialsDecrypted; limited: boolean } | { problem: string };

// In n8n every getCredentials() reads and decrypts the credential; one node run needs it, checked, once.
const connectionsByRun = new WeakMap<object, Promise<Connection>>();

async function connect(ctx: TransportContext): Promise<Connection> {
	const credentials = (await ctx.getCredentials('lagoApi')) as LagoCredentials;
	try {
		checkApiKey(credentials);
		const data = credentials as ICredentialDataDecryptedObject;
		return { baseURL: resolveBaseUrl(credentials), credentialsDecrypted: { id: '', name: 'lagoApi', type: 'lagoApi', data }, limited: keepsLagoCloudLimits(credentials) };
	} catch (error) {
		return { problem: (error as Error).message };
	}
}

function loadConnection(ctx: TransportContext): Promise<Connection> {
	let connection = connectionsByRun.get(ctx);
	if (!connection) {
		connection = connect(ctx);
		connectionsByRun.set(ctx, connection);
	}
	return connection;
}

/**
 * One rate-limit gate per node run, shared by every request of the run (parallel senders included): a 429 closes it
 * until X-RateLimit-Reset, and no request of the run starts while it is closed. Otherwise the other senders would
 * keep sending into the limit, each earning its own 429.
 */
interface RateLimitGate {
	/** Date.now() at which requests may go out again. */
	openAt: number;
}
const gatesByRun = new WeakMap<object, RateLimitGate>();

export function rateLimitGate(ctx: object): RateLimitGate {
	let gate = gatesByRun.get(ctx);
	if (!gate) {
		gate = { openAt: 0 };
		gatesByRun.set(ctx, gate);
	}
	return gate;
}

/** One limiter per node run, shared by every request of the run, parallel ones included. */
const limitersByRun = new WeakMap<object, RateLimiter>();

export function runRateLimiter(ctx: object): RateLimiter {
	let limiter = limitersByRun.get(ctx);
	if (!limiter) {
		limiter = new RateLimiter();
		limitersByRun.set(ctx, limiter);
	}
	return limiter;
}

/** Waits while the run's gate is closed; false when the execution was cancelled meanwhile. */
async function passGate(gate: RateLimitGate, signal: AbortSignal | undefined): Promise<boolean> {
	for (let wait = gate.openAt - Date.now(); wait > 0; wait = gate.openAt - Date.now()) {
		await sleep(wait);
		if (signal?.aborted) return false;
	}
	return true;
}

function parseBody(raw: unknown): unknown {
	if (typeof raw !== 'string') return raw;
	const text = raw.trim();
	if (text === '') return undefined;
	try {
		return JSON.parse(text);
	} catch {
		return raw;
	}
}

/**
 * Sends one request with retries and returns Lago's final answer, whatever its status. Throws only for bad
 * credentials, or when the network failed on every attempt.
 */
export async function sendToLago(
	this: TransportContext,
	request: LagoRequest,
	policy: RetryPolicy = DEFAULT_RETRY,
	itemIndex?: number,
): Promise<LagoResponse> {
	const connection = await loadConnection(this);
	if ('problem' in connection) throw itemError(this.getNode(), connection.problem, itemIndex, 'Open the Lago API credential and correct it.');
	const { baseURL, credentialsDecrypted, limited } = connection;
	const options: IHttpRequestOptions = {
		method: request.method,
		baseURL,
		url: request.path,
		qs: request.qs,
		headers: { Accept: 'application/json' },
		// Lago's answer is parsed here, so a proxy's HTML page or an empty body cannot break the node.
		encoding: 'text',
		json: false,
		returnFullResponse: true,
		// Statuses come back to us: n8n's helper would otherwise re-send a 401 and turn every status into its own error.
		ignoreHttpStatusErrors: true,
		// A followed 301/302 turns POST /events into a GET that lists events with 200: the event would be lost while
		// the node reported success. A redirect comes back as a status and becomes an error that names the address.
		disableFollowRedirect: true,
		timeout: REQUEST_TIMEOUT_MS,
	};
	if (request.body !== undefined) {
		// A Buffer, not a string: axios re-parses a JSON string body to check it (about 0.3 ms per 100-event batch).
		options.body = Buffer.from(JSON.stringify(request.body));
		options.headers = { ...options.headers, 'Content-Type': 'application/json' };
	}
	const signal = this.getExecutionCancelSignal?.();
	const started = Date.now();
	const gate = rateLimitGate(this);
	const limiter = limited ? runRateLimiter(this) : undefined;
	const rateClass = rateClassOf(request.method, request.path);
	let ambiguous = false;
	for (let attempt = 1; ; attempt++) {
		let waitMs: number | undefined;
		// Every attempt counts against Lago's limit, retries included; a 429 that closed the gate while this request
		// waited for the limiter holds it too.
		do {
			if (!(await passGate(gate, signal)) || (limiter && !(await limiter.take(rateClass, () => signal?.aborted === true)))) {
				throw itemError(this.getNode(), `The execution was cancelled while waiting for Lago's rate limit to reset (${request.method} ${request.path})`, itemIndex);
			}
		} while (gate.openAt > Date.now());
		try {
			const response = (await this.helpers.httpRequestWithAuthentication.call(this, 'lagoApi', { ...options }, { credentialsDecrypted })) as {
				statusCode: number;
				body: unknown;
				headers: IDataObject;
			};
			const status = response.statusCode;
			const elapsed = Date.now() - started;
			const result: LagoResponse = { status, body: parseBody(response.body), headers: response.headers ?? {}, attempts: attempt, ambiguous, elapsedMs: elapsed };
			if (!isRetryableStatus(status)) return result;
			if (status >= 500) ambiguous = true;
			if (status === 429) waitMs = rateLimitResetMs(response.headers);
			const delay = waitMs ?? backoffDelay(attempt, policy);
			// Every request of this run holds until the limit resets, whether or not this one retries.
			if (status === 429) gate.openAt = Math.max(gate.openAt, Date.now() + delay);
			if (attempt >= policy.maxAttempts || elapsed + delay > policy.maxRetryTimeMs) {
				return result;
			}
			this.logger?.warn?.(`Lago answered ${status} to ${request.method} ${request.path}; retry ${attempt} of ${policy.maxAttempts - 1} in ${delay} ms`);
			waitMs = delay;
		} catch (error) {
			const code = networkErrorCode(error);
			const elapsed = Date.now() - started;
			const delay = backoffDelay(attempt, policy);
			if (!code || attempt >= policy.maxAttempts || elapsed + delay > policy.maxRetryTimeMs) {
				throw networkFailure(this.getNode(), baseURL, code, attempt, elapsed, itemIndex);
			}
			ambiguous = true;
			this.logger?.warn?.(`Request to Lago failed with ${code} (${request.method} ${request.path}); retry ${attempt} of ${policy.maxAttempts - 1} in ${delay} ms`);
			waitMs = delay;
		}
		// n8n-workflow 2.x has no sleepWithAbort, so a cancelled execution is noticed between attempts instead.
		await sleep(waitMs ?? 0);
		if (signal?.aborted) {
			throw itemError(this.getNode(), `The execution was cancelled while waiting to retry ${request.method} ${request.path}`, itemIndex);
		}
	}
}

function networkFailure(node: INode, baseURL: string, code: string | undefined, attempts: number, elapsedMs: number, itemIndex?: number): NodeApiError {
	const host = new URL(baseURL).host;
	const what = code === 'ECONNREFUSED'
		? `nothing is listening at ${host} (connection refused)`
		: code === 'ETIMEDOUT' || code === 'ECONNABORTED'
			? `${host} did not answer in time`
			: code
				? `the connection to ${host} broke (${code.toLowerCase()})`
				: `the request to ${host} failed`;
	const described: DescribedError = {
		message: `Could not reach Lago: ${what}, after ${attempts} attempt${attempts === 1 ? '' : 's'} over ${(elapsedMs / 1000).toFixed(1)} s`,
		description: `Check that Lago is running and that the Base URL in the Lago API credential is right (now ${baseURL}). Events already ingested are recognised by their transaction ID, so running the workflow again is safe.`,
		httpCode: code ?? 'none',
	};
	return lagoApiError(node, described, itemIndex);
}

/** The error for a final non-2xx answer, with the retry history when retries were spent. */
export function responseError(node: INode, response: LagoResponse, ctx: LagoErrorContext, itemIndex?: number): NodeApiError {
	const described = describeLagoError(response.status, response.body, ctx, response.headers);
	if (isRetryableStatus(response.status) && response.attempts > 1) {
		described.message += `, after ${response.attempts} attempts over ${(response.elapsedMs / 1000).toFixed(1)} s (last status ${response.status})`;
	}
	return lagoApiError(node, described, itemIndex);
}

/** Sends a request and returns Lago's JSON body, or throws the mapped error. */
export async function lagoRequest(
	this: TransportContext,
	request: LagoRequest,
	ctx: LagoErrorContext,
	policy: RetryPolicy = DEFAULT_RETRY,
	itemIndex?: number,
): Promise<IDataObject> {
	const response = await sendToLago.call(this, request, policy, itemIndex);
	if (response.status >= 200 && response.status < 300) {
		return response.body && typeof response.body === 'object' ? (response.body as IDataObject) : {};
	}
	throw responseError(this.getNode(), response, ctx, itemIndex);
}
