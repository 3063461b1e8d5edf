'use strict';

const catalog = require('./catalog');
const { chargeAmount } = require('./instantFees');
const { isRubyFloat, rubyFloatValue, numberToPlainString } = require('./decimal');
const { iso8601 } = require('./time');

/**
 * Customer usage computed from the events the sandbox stored, per billing period, as lago-api's
 * `customers/usage#current` and `#past` answer on the Postgres store (usage is computed at query time, so it reflects a
 * send at once). Every seeded plan is monthly and billed on the calendar month, in UTC.
 *
 * @typedef {import('./catalog').Subscription} Subscription
 * @typedef {import('./catalog').Charge} Charge
 * @typedef {import('./catalog').Metric} Metric
 * @typedef {import('./store').StoredEvent} StoredEvent
 * @typedef {{ fromMs: number, toMs: number }} Period
 */

/** The calendar month holding `ms`, from its first millisecond to its last second. @param {number} ms @returns {Period} */
function monthOf(ms) {
	const d = new Date(ms);
	const fromMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
	const toMs = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) - 1000;
	return { fromMs, toMs };
}

/** The period open at `nowMs`; the first one starts when the subscription did. @param {Subscription} sub @param {number} nowMs */
function currentPeriod(sub, nowMs) {
	const month = monthOf(nowMs);
	return { fromMs: Math.max(month.fromMs, Date.parse(sub.startedAt)), toMs: month.toMs };
}

/** Closed periods, most recent first, back to the subscription's start. @param {Subscription} sub @param {number} nowMs */
function pastPeriods(sub, nowMs) {
	const started = Date.parse(sub.startedAt);
	/** @type {Period[]} */
	const periods = [];
	let month = monthOf(monthOf(nowMs).fromMs - 1);
	while (month.toMs >= started) {
		periods.push({ fromMs: Math.max(month.fromMs, started), toMs: month.toMs });
		month = monthOf(month.fromMs - 1);
	}
	return periods;
}

/** @param {unknown} v */
function numeric(v) {
	if (typeof v === 'number' && Number.isFinite(v)) return v;
	if (typeof v === 'string' && isRubyFloat(v)) return rubyFloatValue(v);
	return null;
}

/**
 * Units of one metric over events already narrowed to the subscription, metric and period, oldest first.
 * @param {Metric} metric @param {StoredEvent[]} events
 */
function aggregate(metric, events) {
	const values = metric.field_name ? events.map((e) => /** @type {Record<string, unknown>} */ (e.properties)[/** @type {string} */ (metric.field_name)]) : [];
	switch (metric.aggregation_type) {
		case 'count_agg':
			return events.length;
		case 'sum_agg':
			return values.reduce((/** @type {number} */ sum, v) => sum + (numeric(v) ?? 0), 0);
		case 'max_agg':
			return values.reduce((/** @type {number} */ max, v) => Math.max(max, numeric(v) ?? -Infinity), events.length ? -Infinity : 0);
		case 'latest_agg':
			return events.length ? (numeric(values[values.length - 1]) ?? 0) : 0;
		case 'unique_count_agg':
			return new Set(values.filter((v) => v !== undefined && v !== null).map((v) => JSON.stringify(v))).size;
		default:
			throw new Error(`the sandbox does not aggregate ${metric.aggregation_type}`);
	}
}

/**
 * One `V1::Customers::ChargeUsageSerializer` entry.
 * @param {Charge} charge @param {Metric} metric @param {StoredEvent[]} events @param {string} currency
 */
function chargeUsage(charge, metric, events, currency) {
	const rawUnits = aggregate(metric, events);
	const units = Number.isFinite(rawUnits) ? rawUnits : 0;
	const amountCents = Math.round(chargeAmount(charge, units, events.length) * 100);
	return {
		units: numberToPlainString(units),
		total_aggregated_units: numberToPlainString(units),
		events_count: events.length,
		amount_cents: amountCents,
		amount_currency: currency,
		pricing_unit_details: null,
		charge: {
			lago_id: charge.lago_id,
			code: charge.metricCode,
			charge_model: charge.chargeModel || 'standard',
			invoice_display_name: metric.name,
		},
		billable_metric: { lago_id: metric.lago_id, name: metric.name, code: metric.code, aggregation_type: metric.aggregation_type },
		filters: [],
		grouped_usage: [],
	};
}

/**
 * The usage object of one period (`V1::Customers::UsageSerializer`).
 * @param {Subscription} sub @param {Period} period @param {StoredEvent[]} stored @param {{ metricCode?: string | null, applyTaxes: boolean }} options
 */
function usageForPeriod(sub, period, stored, options) {
	/** @type {Map<string, StoredEvent[]>} */
	const byCode = new Map();
	for (const e of stored) {
		if (e.external_subscription_id !== sub.external_id) continue;
		const ts = Date.parse(e.timestamp);
		if (ts < period.fromMs || ts > period.toMs + 999) continue;
		const list = byCode.get(e.code) || [];
		list.push(e);
		byCode.set(e.code, list);
	}
	const currency = sub.plan.currency;
	const charges = sub.plan.charges.filter((c) => !options.metricCode || c.metricCode === options.metricCode);
	const chargesUsage = charges.map((c) => {
		const metric = /** @type {Metric} */ (catalog.findMetric(c.metricCode));
		const events = (byCode.get(c.metricCode) || []).slice().sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
		return chargeUsage(c, metric, events, currency);
	});
	const amountCents = chargesUsage.reduce((sum, c) => sum + c.amount_cents, 0);
	const rate = options.applyTaxes ? sub.taxes.reduce((sum, t) => sum + t.rate, 0) : 0;
	const taxesCents = Math.round((amountCents * rate) / 100);
	return {
		from_datetime: iso8601(period.fromMs, 0),
		to_datetime: iso8601(period.toMs, 0),
		issuing_date: iso8601(period.toMs + 1000, 0).slice(0, 10),
		lago_invoice_id: null,
		currency,
		amount_cents: amountCents,
		taxes_amount_cents: taxesCents,
		total_amount_cents: amountCents + taxesCents,
		charges_usage: chargesUsage,
	};
}

/** @param {string} externalCustomerId */
function customerExists(externalCustomerId) {
	return catalog.SUBSCRIPTIONS.some((s) => s.external_customer_id === externalCustomerId);
}

/**
 * GET /customers/:external_customer_id/current_usage.
 * @param {string} customerId @param {URLSearchParams} query @param {StoredEvent[]} stored @param {number} nowMs
 * @returns {{ status: number, body: object }}
 */
function currentUsage(customerId, query, stored, nowMs) {
	if (!customerExists(customerId)) return notFound('customer_not_found');
	const subId = query.get('external_subscription_id');
	const sub = catalog.SUBSCRIPTIONS.find((s) => s.external_id === subId && s.external_customer_id === customerId);
	if (!sub || sub.status !== 'active' || Date.parse(sub.startedAt) > nowMs) {
		return { status: 405, body: { status: 405, error: 'Method Not Allowed', code: 'no_active_subscription' } };
	}
	const metricCode = query.get('billable_metric_code') || query.get('filter_by_metric_code');
	if (metricCode && !catalog.findMetric(metricCode)) return notFound('billable_metric_not_found');
	const applyTaxes = query.get('apply_taxes') !== 'false';
	return { status: 200, body: { customer_usage: usageForPeriod(sub, currentPeriod(sub, nowMs), stored, { metricCode, applyTaxes }) } };
}

/**
 * GET /customers/:external_customer_id/past_usage: the closed periods, newest first, `periods_count` of them at most.
 * The caller paginates.
 * @param {string} customerId @param {URLSearchParams} query @param {StoredEvent[]} stored @param {number} nowMs
 * @returns {{ status: number, body: object } | { periods: object[] }}
 */
function pastUsage(customerId, query, stored, nowMs) {
	if (!customerExists(customerId)) return notFound('customer_not_found');
	const subId = query.get('external_subscription_id');
	if (!subId) {
		return { status: 422, body: { status: 422, error: 'Unprocessable Entity', code: 'validation_errors', error_details: { external_subscription_id: ['value_is_mandatory'] } } };
	}
	const sub = catalog.SUBSCRIPTIONS.find((s) => s.external_id === subId && s.external_customer_id === customerId);
	if (!sub) return notFound('subscription_not_found');
	const metricCode = query.get('billable_metric_code');
	if (metricCode && !catalog.findMetric(metricCode)) return notFound('billable_metric_not_found');
	const count = Number.parseInt(query.get('periods_count') || '', 10);
	const periods = pastPeriods(sub, nowMs).slice(0, Number.isFinite(count) && count > 0 ? count : undefined);
	return { periods: periods.map((p) => usageForPeriod(sub, p, stored, { metricCode, applyTaxes: true })) };
}

/** @param {string} code */
function notFound(code) {
	return { status: 404, body: { status: 404, error: 'Not Found', code } };
}

/**
 * GET /subscriptions: active ones unless `status[]` asks for others (Lago's default), optionally one customer's.
 * @param {URLSearchParams} query
 */
function listSubscriptions(query) {
	const customer = query.get('external_customer_id');
	const statuses = query.getAll('status[]');
	const wanted = new Set(statuses.length ? statuses : ['active']);
	return catalog.SUBSCRIPTIONS.filter((s) => wanted.has(s.status) && (customer === null || s.external_customer_id === customer)).map((s) => ({
		lago_id: s.lago_id,
		external_id: s.external_id,
		lago_customer_id: s.lago_customer_id,
		external_customer_id: s.external_customer_id,
		name: null,
		plan_code: s.plan.code,
		status: s.status,
		billing_time: 'calendar',
		subscription_at: s.startedAt,
		started_at: s.status === 'pending' ? null : s.startedAt,
		terminated_at: null,
		created_at: s.startedAt,
	}));
}

/**
 * GET /customers: the customers the catalog's subscriptions belong to, in Lago's list shape (fewer fields). Lago's
 * `search_term` matches name, first and last name, external ID and email, case-insensitively; here the external ID.
 * @param {URLSearchParams} query
 */
function listCustomers(query) {
	const term = (query.get('search_term') ?? '').trim().toLowerCase();
	/** @type {Map<string, object>} */
	const customers = new Map();
	for (const s of catalog.SUBSCRIPTIONS) {
		if (customers.has(s.external_customer_id)) continue;
		if (term && !s.external_customer_id.toLowerCase().includes(term)) continue;
		customers.set(s.external_customer_id, { lago_id: s.lago_customer_id, external_id: s.external_customer_id, name: null, firstname: null, lastname: null, email: null, currency: 'EUR' });
	}
	return Array.from(customers.values());
}

module.exports = { currentUsage, pastUsage, listSubscriptions, listCustomers, aggregate, monthOf, pastPeriods };
