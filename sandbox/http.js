'use strict';

/**
 * Response shapes and headers shared by every route. Error bodies match
 * lago-api's api_errors.rb / api_responses.rb and the Rails exception defaults.
 *
 * @typedef {{ status: number, body?: unknown, html?: string, headers?: Record<string, string> }} Reply
 */

/** @param {string} code @returns {Reply} */
function notFound(code) {
	return { status: 404, body: { status: 404, error: 'Not Found', code } };
}

/** @returns {Reply} */
function unauthorized() {
	return { status: 401, body: { status: 401, error: 'Unauthorized' } };
}

/** Rails' public exceptions app for an unparsable JSON body or a malformed URL. @returns {Reply} */
function badRequest() {
	return { status: 400, body: { status: 400, error: 'Bad Request' } };
}

/** `params.require(:event)` failing. @param {string} param @returns {Reply} */
function paramMissing(param) {
	return {
		status: 400,
		body: { status: 400, error: `BadRequest: param is missing or the value is empty or invalid: ${param}` },
	};
}

/** @param {unknown} details object, or a string for expression failures @returns {Reply} */
function validationErrors(details) {
	return {
		status: 422,
		body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: details },
	};
}

/** @param {number} resetSeconds @returns {Reply} */
function tooManyRequests(resetSeconds) {
	return {
		status: 429,
		body: { status: 429, error: 'Too Many Requests' },
		headers: { 'X-RateLimit-Remaining': '0', 'X-RateLimit-Reset': String(resetSeconds) },
	};
}

/** What a load balancer in front of Lago sends when the app is down: HTML, not JSON. @returns {Reply} */
function serviceUnavailable() {
	return {
		status: 503,
		html:
			'<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n' +
			'<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n' +
			'</body>\r\n</html>\r\n',
	};
}

/** Lago Cloud's published per-organisation budgets, requests per second (api-reference/rate-limits). */
const LAGO_CLOUD_LIMITS = { ingestion: 500, currentUsage: 200, other: 50 };

/**
 * Which of Lago Cloud's budgets a request counts against: event ingestion (POST /events and /events/batch), current
 * usage, or everything else (reads, estimates, past usage). undefined for what is not the API.
 * @param {string} method @param {string[]} segments
 * @returns {'ingestion' | 'currentUsage' | 'other' | undefined}
 */
function rateClass(method, segments) {
	if (segments[0] !== 'api' || segments[1] !== 'v1') return undefined;
	if (method === 'POST' && segments[2] === 'events' && (segments.length === 3 || (segments.length === 4 && segments[3] === 'batch'))) return 'ingestion';
	if (segments[2] === 'customers' && segments[4] === 'current_usage') return 'currentUsage';
	return 'other';
}

/**
 * Lago Cloud's per-second windows, one per budget. They always fill the X-RateLimit headers; with `enforce` on, a
 * request over its budget is answered 429 like Lago Cloud does (X-RateLimit-Remaining 0, X-RateLimit-Reset the seconds
 * left in the window), so a client's 429s can be counted.
 */
class RateWindow {
	constructor() {
		this.windowStart = 0;
		/** @type {Record<string, number>} */
		this.counts = {};
		this.enforce = false;
	}

	/**
	 * @param {'ingestion' | 'currentUsage' | 'other'} bucket
	 * @param {number} nowMs
	 * @returns {{ headers: Record<string, string>, limited: boolean, resetSeconds: number }}
	 */
	take(bucket, nowMs) {
		const second = Math.floor(nowMs / 1000) * 1000;
		if (second !== this.windowStart) {
			this.windowStart = second;
			this.counts = {};
		}
		const limit = LAGO_CLOUD_LIMITS[bucket];
		this.counts[bucket] = (this.counts[bucket] || 0) + 1;
		const resetSeconds = Math.max(1, Math.ceil((second + 1000 - nowMs) / 1000));
		return {
			headers: {
				'X-RateLimit-Limit': String(limit),
				'X-RateLimit-Remaining': String(Math.max(0, limit - this.counts[bucket])),
				'X-RateLimit-Reset': String(resetSeconds),
			},
			limited: this.enforce && this.counts[bucket] > limit,
			resetSeconds,
		};
	}
}

/**
 * @param {import('node:http').ServerResponse} res
 * @param {Reply} reply
 * @param {Record<string, string>} rateHeaders
 */
function send(res, reply, rateHeaders) {
	const isHtml = reply.html !== undefined;
	const payload = isHtml ? String(reply.html) : JSON.stringify(reply.body);
	res.writeHead(reply.status, {
		'Content-Type': isHtml ? 'text/html; charset=utf-8' : 'application/json; charset=utf-8',
		'Content-Length': Buffer.byteLength(payload),
		...rateHeaders,
		...(reply.headers || {}),
	});
	res.end(payload);
}

module.exports = {
	notFound,
	unauthorized,
	badRequest,
	paramMissing,
	validationErrors,
	tooManyRequests,
	serviceUnavailable,
	RateWindow,
	rateClass,
	LAGO_CLOUD_LIMITS,
	send,
};
