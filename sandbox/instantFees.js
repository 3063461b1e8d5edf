'use strict';

const catalog = require('./catalog');
const { isRubyFloat, rubyFloatValue, numberToPlainString } = require('./decimal');
const { isPlainObject, permitScalar } = require('./store');

/**
 * POST /events/estimate_instant_fees and POST /events/batch_estimate_instant_fees (lago-api
 * `Fees::EstimateInstant::PayInAdvanceService` and `BatchPayInAdvanceService`). Only pay-in-advance charges whose model
 * is standard or percentage give a fee; nothing is stored; taxes are not applied (taxes_amount_cents is always 0).
 *
 * @typedef {import('./catalog').Metric} Metric
 * @typedef {import('./catalog').Charge} Charge
 * @typedef {import('./catalog').Subscription} Subscription
 */

const INSTANT_MODELS = new Set(['standard', 'percentage']);
const NUMERIC_FIELD_AGGREGATIONS = new Set(['sum_agg', 'max_agg', 'latest_agg']);

/** @param {unknown} v */
function isValidNumber(v) {
	if (v === undefined || v === null) return true;
	if (typeof v === 'number') return Number.isFinite(v);
	if (typeof v === 'string') return isRubyFloat(v);
	return false;
}

/** Units one event adds: 1 for counts, the field's value for sums. @param {Metric} metric @param {Record<string, unknown>} properties */
function eventUnits(metric, properties) {
	if (!metric.field_name || metric.aggregation_type === 'unique_count_agg' || metric.aggregation_type === 'count_agg') return 1;
	const v = properties[metric.field_name];
	if (typeof v === 'number') return v;
	if (typeof v === 'string' && isRubyFloat(v)) return rubyFloatValue(v);
	return 0;
}

/**
 * What a charge bills for `units` over `eventsCount` events, in currency units.
 * @param {Charge} charge @param {number} units @param {number} eventsCount
 */
function chargeAmount(charge, units, eventsCount) {
	if (charge.chargeModel === 'percentage') {
		return (units * Number(charge.rate || 0)) / 100 + eventsCount * Number(charge.fixedAmount || 0);
	}
	return units * Number(charge.unitAmount);
}

/** @param {Subscription} sub @param {string} code */
function instantCharges(sub, code) {
	return sub.plan.charges.filter((c) => c.metricCode === code && c.payInAdvance && INSTANT_MODELS.has(c.chargeModel || 'standard'));
}

/**
 * One fee as `Fees::EstimateInstant::BaseService` renders it.
 * @param {Subscription} sub @param {Metric} metric @param {Charge} charge @param {number} units @param {string | null} transactionId
 */
function buildInstantFee(sub, metric, charge, units, transactionId) {
	const amount = chargeAmount(charge, units, 1);
	const amountCents = Math.round(amount * 100);
	return {
		lago_id: null,
		lago_charge_id: charge.lago_id,
		lago_charge_filter_id: null,
		lago_subscription_id: sub.lago_id,
		external_subscription_id: sub.external_id,
		lago_customer_id: sub.lago_customer_id,
		external_customer_id: sub.external_customer_id,
		item: {
			type: 'charge',
			code: metric.code,
			name: metric.name,
			invoice_display_name: metric.name,
			filters: null,
			filter_invoice_display_name: null,
			lago_item_id: metric.lago_id,
			item_type: 'BillableMetric',
		},
		pay_in_advance: true,
		amount_cents: amountCents,
		amount_currency: sub.plan.currency,
		precise_amount: numberToPlainString(amount),
		units: numberToPlainString(units),
		precise_unit_amount: units === 0 ? '0.0' : numberToPlainString(amount / units),
		taxes_amount_cents: 0,
		total_amount_cents: amountCents,
		total_amount_currency: sub.plan.currency,
		events_count: 1,
		event_transaction_id: transactionId,
	};
}

/** @param {Record<string, unknown>} input */
function readEvent(input) {
	const code = permitScalar(input.code);
	const transactionId = permitScalar(input.transaction_id);
	return {
		subscriptionId: permitScalar(input.external_subscription_id),
		code: typeof code === 'string' || typeof code === 'number' ? String(code) : '',
		transactionId: transactionId === undefined || transactionId === null ? null : String(transactionId),
		properties: isPlainObject(input.properties) ? /** @type {Record<string, unknown>} */ (input.properties) : {},
	};
}

/**
 * POST /events/estimate_instant_fees.
 * @param {Record<string, unknown>} input the `event` object
 * @param {number} nowMs
 * @returns {{ notFound?: string, errors?: Record<string, string[]>, fees?: object[] }}
 */
function estimateInstantFees(input, nowMs) {
	const event = readEvent(input);
	const sub = catalog.findActiveSubscription(event.subscriptionId, nowMs);
	if (!sub) return { notFound: 'subscription_not_found' };
	const metric = catalog.findMetric(event.code);
	if (!metric) return { notFound: 'billable_metric_not_found' };
	if (NUMERIC_FIELD_AGGREGATIONS.has(metric.aggregation_type) && metric.field_name && !isValidNumber(event.properties[metric.field_name])) {
		return { errors: { properties: ['value_is_not_valid_number'] } };
	}
	const charges = instantCharges(sub, metric.code);
	if (!charges.length) return { errors: { code: ['does_not_match_an_instant_charge'] } };
	const units = eventUnits(metric, event.properties);
	return { fees: charges.map((c) => buildInstantFee(sub, metric, c, units, event.transactionId)) };
}

/**
 * POST /events/batch_estimate_instant_fees. The controller groups events by subscription and calls the batch service
 * with `call!` per group: an event whose code matches no instant charge is skipped, but a group that fails (no active
 * subscription, a property that is not a number) raises, and nothing rescues it: the whole request is a 500.
 * @param {unknown[]} rawEvents
 * @param {number} nowMs
 * @returns {{ serverError?: true, fees?: object[] }}
 */
function batchEstimateInstantFees(rawEvents, nowMs) {
	/** @type {Map<unknown, ReturnType<typeof readEvent>[]>} */
	const groups = new Map();
	for (const raw of rawEvents) {
		const event = readEvent(isPlainObject(raw) ? /** @type {Record<string, unknown>} */ (raw) : {});
		const group = groups.get(event.subscriptionId) || [];
		group.push(event);
		groups.set(event.subscriptionId, group);
	}
	/** @type {object[]} */
	const fees = [];
	for (const [subscriptionId, events] of groups) {
		const sub = catalog.findActiveSubscription(subscriptionId, nowMs);
		if (!sub) return { serverError: true };
		for (const event of events) {
			const metric = catalog.findMetric(event.code);
			if (!metric) continue;
			const charges = instantCharges(sub, metric.code);
			if (!charges.length) continue;
			if (NUMERIC_FIELD_AGGREGATIONS.has(metric.aggregation_type) && metric.field_name && !isValidNumber(event.properties[metric.field_name])) {
				return { serverError: true };
			}
			const units = eventUnits(metric, event.properties);
			for (const charge of charges) fees.push(buildInstantFee(sub, metric, charge, units, event.transactionId));
		}
	}
	return { fees };
}

module.exports = { estimateInstantFees, batchEstimateInstantFees, chargeAmount, eventUnits };
