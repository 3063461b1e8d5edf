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

/**
 * Lago Cloud's published per-second budgets: 500 for event ingestion, 50 for the rest.
 * The sandbox only reports them; throttling is left to the seeded fault mode.
 */
class RateWindow {
	constructor() {
		this.windowStart = 0;
		/** @type {Record<string, number>} */
		this.counts = {};
	}

	/**
	 * @param {boolean} isIngestion
	 * @param {number} nowMs
	 * @returns {Record<string, string>}
	 */
	take(isIngestion, nowMs) {
		const second = Math.floor(nowMs / 1000) * 1000;
		if (second !== this.windowStart) {
			this.windowStart = second;
			this.counts = {};
		}
		const bucket = isIngestion ? 'ingestion' : 'other';
		const limit = isIngestion ? 500 : 50;
		this.counts[bucket] = (this.counts[bucket] || 0) + 1;
		return {
			'X-RateLimit-Limit': String(limit),
			'X-RateLimit-Remaining': String(Math.max(0, limit - this.counts[bucket])),
			'X-RateLimit-Reset': String(Math.max(1, Math.ceil((second + 1000 - nowMs) / 1000))),
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
	send,
};
