'use strict';

const nodeHttp = require('node:http');
const http = require('./http');
const { matchRoute } = require('./api');
const { handleControl } = require('./control');

/**
 * @typedef {import('./state').SandboxState} SandboxState
 * @typedef {import('./state').RequestRecord} RequestRecord
 * @typedef {import('./http').Reply} Reply
 */

const MAX_BODY_BYTES = 10 * 1024 * 1024;
// Content types Rails registers for JSON; with any other type Rails leaves the body unparsed.
const JSON_MIME_TYPES = new Set(['application/json', 'text/x-json', 'application/jsonrequest']);

/** @param {import('node:http').IncomingMessage} req @returns {Promise<{ text: string, tooLarge: boolean }>} */
function readBody(req) {
	return new Promise((resolve, reject) => {
		/** @type {Buffer[]} */
		const chunks = [];
		let size = 0;
		req.on('data', (chunk) => {
			size += chunk.length;
			if (size <= MAX_BODY_BYTES) chunks.push(chunk);
		});
		req.on('end', () => resolve({ text: Buffer.concat(chunks).toString('utf8'), tooLarge: size > MAX_BODY_BYTES }));
		req.on('error', reject);
	});
}

/**
 * Request params as Rails would see them: JSON bodies only when the content type is JSON,
 * and a non-object root wrapped away under `_json` (so `event`/`events` are absent).
 * @param {string} text
 * @param {string | undefined} contentType
 * @returns {{ params: Record<string, unknown>, parsed: unknown, invalid: boolean }}
 */
function parseParams(text, contentType) {
	const mime = (contentType || '').split(';')[0].trim().toLowerCase();
	const parsed = tryParse(text);
	if (!JSON_MIME_TYPES.has(mime) || text.trim() === '') return { params: {}, parsed, invalid: false };
	if (parsed === undefined) return { params: {}, parsed, invalid: true };
	const isObject = typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed);
	return { params: isObject ? /** @type {Record<string, unknown>} */ (parsed) : { _json: parsed }, parsed, invalid: false };
}

/** @param {string} text */
function tryParse(text) {
	try {
		return text.trim() === '' ? undefined : JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * lago-api reads `Authorization` with `split(" ").second`: the scheme word is never checked.
 * @param {string | undefined} header
 */
function bearerToken(header) {
	if (typeof header !== 'string') return undefined;
	return header.trim().split(/\s+/)[1];
}

/**
 * Path segments without the leading "" and one trailing slash (Rails ignores it).
 * @param {string} rawPath
 */
function splitPath(rawPath) {
	const segments = rawPath.split('/').slice(1);
	if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
	return segments;
}

/**
 * @param {SandboxState} state
 * @param {import('node:http').IncomingMessage} req
 * @param {import('node:http').ServerResponse} res
 */
async function handle(state, req, res) {
	const at = Date.now();
	const rawUrl = req.url || '/';
	const queryStart = rawUrl.indexOf('?');
	const rawPath = queryStart === -1 ? rawUrl : rawUrl.slice(0, queryStart);
	const query = new URLSearchParams(queryStart === -1 ? '' : rawUrl.slice(queryStart + 1));
	const method = req.method || 'GET';
	const segments = splitPath(rawPath);
	const isControl = segments[0] === '_sandbox';

	/** @type {RequestRecord | undefined} */
	let record;
	if (!isControl) {
		record = {
			method,
			path: rawPath,
			query: Object.fromEntries(query),
			headers: req.headers,
			rawBody: '',
			body: undefined,
			status: null,
			fault: undefined,
			at,
			answeredAt: undefined,
		};
		state.requests.push(record);
	}

	const { text, tooLarge } = await readBody(req);
	const { params, parsed, invalid } = parseParams(text, req.headers['content-type']);
	if (record) {
		record.rawBody = text;
		record.body = parsed;
	}

	// Every answer carries the X-RateLimit headers; only API requests are limited.
	const rate = state.rate.take(http.rateClass(method, segments) ?? 'other', Date.now());
	const rateHeaders = rate.headers;

	/** @param {Reply} reply */
	const reply = (reply) => {
		if (record) record.status = reply.status;
		http.send(res, reply, rateHeaders);
		if (record) record.answeredAt = Date.now();
	};

	if (isControl) {
		const readJson = () => {
			if (text.trim() === '') return undefined;
			return JSON.parse(text);
		};
		return reply(await handleControl(method, segments.slice(1).join('/'), readJson, state));
	}

	// Lago Cloud's limits, when the sandbox enforces them: checked before authentication, as a rate limiter in front
	// of the app would.
	if (rate.limited && segments[0] === 'api') {
		if (record) record.rateLimited = true;
		return reply(http.tooManyRequests(rate.resetSeconds));
	}

	if (segments[0] === 'api' && segments[1] === 'v1' && (segments[2] === 'webhook_endpoints' || segments[2] === 'webhooks')) {
		if (bearerToken(req.headers.authorization) !== state.apiKey) return reply(http.unauthorized());
		if (invalid) return reply(http.badRequest());
		const webhookReply = state.webhooks.route(method, segments.slice(2).map((s) => decodeURIComponent(s)), params, query);
		if (webhookReply) return reply(webhookReply);
	}

	const match = segments[0] === 'api' && segments[1] === 'v1' ? matchRoute(method, segments.slice(2)) : null;
	if (match === 'bad_request') return reply(http.badRequest());
	if (!match) return reply(http.notFound('resource_not_found'));
	if (bearerToken(req.headers.authorization) !== state.apiKey) return reply(http.unauthorized());

	if (match.route.faultable) {
		const fault = state.faults.next();
		if (record) record.fault = fault;
		if (fault === 'reset') {
			res.socket?.destroy();
			return undefined;
		}
		if (fault === '429') return reply(http.tooManyRequests(state.faults.resetSeconds));
		if (fault === '503') return reply(http.serviceUnavailable());
	}

	if (tooLarge) return reply({ status: 413, body: { status: 413, error: 'Payload Too Large' } });
	if (invalid) return reply(http.badRequest());
	return reply(
		match.route.handler({
			params,
			query,
			routeParams: match.routeParams,
			nowMs: Date.now(),
			store: state.store,
			batchMaxLength: state.batchMaxLength,
			metrics: state.metrics,
			denied: (verb, resource) => state.webhooks.denied(verb, resource),
		}),
	);
}

/**
 * @param {SandboxState} state
 * @returns {import('node:http').Server}
 */
function createServer(state) {
	return nodeHttp.createServer((req, res) => {
		handle(state, req, res).catch((err) => {
			if (res.headersSent) return res.destroy();
			// Rails' public exceptions app body; the stack goes to stderr for whoever runs the sandbox.
			process.stderr.write(`lago sandbox: ${err && err.stack ? err.stack : err}\n`);
			const headers = state.rate.take(false, Date.now());
			http.send(res, { status: 500, body: { status: 500, error: 'Internal Server Error' } }, headers);
			return undefined;
		});
	});
}

module.exports = { createServer, bearerToken, splitPath };
