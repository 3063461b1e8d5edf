'use strict';

const { serializeMetric } = require('./metrics');
const { estimateFees } = require('./fees');
const { isPlainObject } = require('./store');
const http = require('./http');
const { queryEvents } = require('./eventsList');
const { estimateInstantFees, batchEstimateInstantFees } = require('./instantFees');
const usage = require('./usage');

/**
 * The authenticated Lago routes. Handlers are pure: (context) -> Reply.
 *
 * @typedef {import('./http').Reply} Reply
 * @typedef {import('./store').EventStore} EventStore
 * @typedef {{ params: Record<string, unknown>, query: URLSearchParams, routeParams: Record<string, string>,
 *   nowMs: number, store: EventStore, batchMaxLength: number, metrics: import('./metrics').MetricBook,
 *   denied: (method: string, resource: string) => Reply | null }} Context
 * @typedef {{ method: string, pattern: string[], handler: (ctx: Context) => Reply, faultable: boolean }} Route
 */

const DEFAULT_PER_PAGE = 100;

/** @param {string | null} v @param {number} fallback */
function positiveInt(v, fallback) {
	const n = Number.parseInt(v || '', 10);
	return Number.isFinite(n) && n > 0 ? n : fallback;
}

/**
 * Kaminari-style page slice plus the `meta` block of lago-api's pagination concern.
 * @template T
 * @param {T[]} items
 * @param {URLSearchParams} query
 */
function paginate(items, query) {
	const page = positiveInt(query.get('page'), 1);
	const perPage = positiveInt(query.get('per_page'), DEFAULT_PER_PAGE);
	const totalPages = Math.ceil(items.length / perPage);
	const outOfRange = page > totalPages;
	return {
		slice: items.slice((page - 1) * perPage, page * perPage),
		meta: {
			current_page: page,
			next_page: page < totalPages ? page + 1 : null,
			prev_page: page > 1 && !outOfRange ? page - 1 : null,
			total_pages: totalPages,
			total_count: items.length,
		},
	};
}

/**
 * `params.require(:event)`: a missing, empty or non-hash root is a 400.
 * @param {Record<string, unknown>} params
 * @returns {Record<string, unknown> | null}
 */
function requireEvent(params) {
	const event = params.event;
	if (!isPlainObject(event) || Object.keys(/** @type {object} */ (event)).length === 0) return null;
	return /** @type {Record<string, unknown>} */ (event);
}

/** @param {Context} ctx @returns {Reply} */
function createEvent(ctx) {
	const input = requireEvent(ctx.params);
	if (!input) return http.paramMissing('event');
	const result = ctx.store.create(input, ctx.nowMs);
	if ('errors' in result) return http.validationErrors(result.errors);
	return { status: 200, body: { event: result.event } };
}

/** @param {Context} ctx @returns {Reply} */
function createBatch(ctx) {
	const events = ctx.params.events;
	// Batch uses permit without require, so a bad root is a 422, never a 400.
	if (!Array.isArray(events) || events.length === 0) return http.validationErrors({ events: ['no_events'] });
	if (events.length > ctx.batchMaxLength) return http.validationErrors({ events: ['too_many_events'] });
	const result = ctx.store.createBatch(events, ctx.nowMs);
	if ('errors' in result) return http.validationErrors(result.errors);
	return { status: 200, body: { events: result.events } };
}

/** @param {Context} ctx @returns {Reply} */
function estimate(ctx) {
	const input = requireEvent(ctx.params);
	if (!input) return http.paramMissing('event');
	const result = estimateFees(input, ctx.nowMs);
	if (result.notFound) return http.notFound(result.notFound);
	if (result.errors) return http.validationErrors(result.errors);
	return { status: 200, body: { fees: result.fees } };
}

/** @param {Context} ctx @returns {Reply} */
function showEvent(ctx) {
	const event = ctx.store.find(ctx.routeParams.id);
	if (!event) return http.notFound('event_not_found');
	return { status: 200, body: { event } };
}

/** Newest first, with Lago's index filters (sandbox/eventsList.js). @param {Context} ctx @returns {Reply} */
function listEvents(ctx) {
	const result = queryEvents(ctx.store.events, ctx.query);
	if ('errors' in result) return http.validationErrors(result.errors);
	const { slice, meta } = paginate(result.matching, ctx.query);
	return { status: 200, body: { events: slice, meta } };
}

/** @param {Context} ctx @returns {Reply} */
function estimateInstant(ctx) {
	const input = requireEvent(ctx.params);
	if (!input) return http.paramMissing('event');
	const result = estimateInstantFees(input, ctx.nowMs);
	if (result.notFound) return http.notFound(result.notFound);
	if (result.errors) return http.validationErrors(result.errors);
	return { status: 200, body: { fees: result.fees } };
}

/** @param {Context} ctx @returns {Reply} */
function batchEstimateInstant(ctx) {
	const events = ctx.params.events;
	if (!Array.isArray(events)) return http.paramMissing('events');
	const result = batchEstimateInstantFees(events, ctx.nowMs);
	if (result.serverError) return { status: 500, body: { status: 500, error: 'Internal Server Error' } };
	return { status: 200, body: { fees: result.fees } };
}

/** @param {Context} ctx @returns {Reply} */
function currentUsage(ctx) {
	return usage.currentUsage(ctx.routeParams.customer, ctx.query, ctx.store.events, ctx.nowMs);
}

/** @param {Context} ctx @returns {Reply} */
function pastUsage(ctx) {
	const result = usage.pastUsage(ctx.routeParams.customer, ctx.query, ctx.store.events, ctx.nowMs);
	if (!('periods' in result)) return result;
	const { slice, meta } = paginate(result.periods, ctx.query);
	return { status: 200, body: { usage_periods: slice, meta } };
}

/** @param {Context} ctx @returns {Reply} */
function listSubscriptions(ctx) {
	const { slice, meta } = paginate(usage.listSubscriptions(ctx.query), ctx.query);
	return { status: 200, body: { subscriptions: slice, meta } };
}

/** @param {Context} ctx @returns {Reply} */
function listCustomers(ctx) {
	const { slice, meta } = paginate(usage.listCustomers(ctx.query), ctx.query);
	return { status: 200, body: { customers: slice, meta } };
}

/** @param {Context} ctx @returns {Reply} */
function listBillableMetrics(ctx) {
	const forbidden = ctx.denied('GET', 'billable_metric');
	if (forbidden) return forbidden;
	const { slice, meta } = paginate(ctx.metrics.search(ctx.query.get('search_term')), ctx.query);
	return { status: 200, body: { billable_metrics: slice.map(serializeMetric), meta } };
}

/** @type {Route[]} Order matters: literal segments win over `:id`, as in lago-api's routes.rb. */
const ROUTES = [
	{ method: 'POST', pattern: ['events'], handler: createEvent, faultable: true },
	{ method: 'POST', pattern: ['events', 'batch'], handler: createBatch, faultable: true },
	{ method: 'POST', pattern: ['events', 'estimate_fees'], handler: estimate, faultable: true },
	{ method: 'GET', pattern: ['events'], handler: listEvents, faultable: true },
	{ method: 'GET', pattern: ['events', ':id'], handler: showEvent, faultable: true },
	{ method: 'GET', pattern: ['billable_metrics'], handler: listBillableMetrics, faultable: false },
	{ method: 'POST', pattern: ['events', 'estimate_instant_fees'], handler: estimateInstant, faultable: true },
	{ method: 'POST', pattern: ['events', 'batch_estimate_instant_fees'], handler: batchEstimateInstant, faultable: true },
	{ method: 'GET', pattern: ['customers', ':customer', 'current_usage'], handler: currentUsage, faultable: false },
	{ method: 'GET', pattern: ['customers', ':customer', 'past_usage'], handler: pastUsage, faultable: false },
	{ method: 'GET', pattern: ['subscriptions'], handler: listSubscriptions, faultable: false },
	{ method: 'GET', pattern: ['customers'], handler: listCustomers, faultable: false },
];

/**
 * Matches raw (still percent-encoded) segments below /api/v1. A `:id` segment is decoded,
 * so an encoded "/" belongs to the id while a literal "/" makes a different path.
 * @param {string} method
 * @param {string[]} segments
 * @returns {{ route: Route, routeParams: Record<string, string> } | null | 'bad_request'}
 */
function matchRoute(method, segments) {
	const verb = method === 'HEAD' ? 'GET' : method;
	for (const route of ROUTES) {
		if (route.method !== verb || route.pattern.length !== segments.length) continue;
		/** @type {Record<string, string>} */
		const routeParams = {};
		let ok = true;
		for (let i = 0; i < segments.length && ok; i++) {
			const want = route.pattern[i];
			if (want.startsWith(':')) {
				try {
					routeParams[want.slice(1)] = decodeURIComponent(segments[i]);
				} catch {
					return 'bad_request';
				}
			} else {
				ok = want === segments[i];
			}
		}
		if (ok) return { route, routeParams };
	}
	return null;
}

module.exports = { matchRoute, paginate };
