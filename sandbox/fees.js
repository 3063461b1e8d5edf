'use strict';

const { randomUUID } = require('node:crypto');
const catalog = require('./catalog');
const { isRubyFloat, rubyFloatValue, numberToPlainString } = require('./decimal');
const { iso8601 } = require('./time');
const { isPlainObject, permitScalar } = require('./store');
const { chargeAmount } = require('./instantFees');

const NUMERIC_FIELD_AGGREGATIONS = new Set(['sum_agg', 'max_agg', 'latest_agg']);

/**
 * @typedef {import('./catalog').Metric} Metric
 * @typedef {import('./catalog').Charge} Charge
 * @typedef {import('./catalog').Subscription} Subscription
 * @typedef {{ notFound?: string, errors?: Record<string, string[]>, fees?: object[] }} EstimateResult
 */

/**
 * Ruby `Float(value)` acceptance for values already through strong parameters.
 * @param {unknown} v
 */
function isValidNumber(v) {
	if (v === undefined || v === null) return true;
	if (typeof v === 'number') return true;
	if (typeof v === 'string') return isRubyFloat(v);
	return false;
}

/** @param {unknown} v ActiveSupport blank? for a permitted scalar */
function isBlankScalar(v) {
	return v === undefined || v === null || v === false || (typeof v === 'string' && v.trim() === '');
}

/** Current calendar-month boundaries, the charge period of a monthly plan. @param {number} nowMs */
function chargePeriod(nowMs) {
	const now = new Date(nowMs);
	const from = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1);
	const to = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1) - 1000;
	return { from: iso8601(from, 0), to: iso8601(to, 0) };
}

/**
 * Units the charge would bill for one event: 1 per event for counts, the field value otherwise.
 * @param {Metric | undefined} metric
 * @param {Record<string, unknown>} properties
 */
function unitsFor(metric, properties) {
	if (!metric || !metric.field_name || metric.aggregation_type === 'unique_count_agg') return 1;
	const v = properties[metric.field_name];
	if (typeof v === 'number') return v;
	if (typeof v === 'string' && isRubyFloat(v)) return rubyFloatValue(v);
	return 0;
}

/**
 * Builds one `V1::FeeSerializer` fee (with applied_taxes) for a pay-in-advance charge.
 * Amounts use Lago's standard charge model: units x unit amount, rounded to cents.
 * @param {Subscription} sub
 * @param {Metric} metric
 * @param {Charge} charge
 * @param {number} units
 * @param {number} nowMs
 */
function buildFee(sub, metric, charge, units, nowMs) {
	const currency = sub.plan.currency;
	const amount = chargeAmount(charge, units, 1);
	const amountCents = Math.round(amount * 100);
	const taxesRate = sub.taxes.reduce((sum, t) => sum + t.rate, 0);
	const appliedTaxes = sub.taxes.map((t) => {
		const taxCents = Math.round((amountCents * t.rate) / 100);
		return {
			lago_id: null,
			lago_fee_id: null,
			lago_tax_id: t.lago_id,
			tax_name: t.name,
			tax_code: t.code,
			tax_rate: t.rate,
			tax_description: t.description,
			amount_cents: taxCents,
			amount_currency: currency,
			created_at: null,
		};
	});
	const taxesCents = appliedTaxes.reduce((sum, t) => sum + t.amount_cents, 0);
	const taxesPrecise = (amount * taxesRate) / 100;
	const period = chargePeriod(nowMs);
	return {
		lago_id: null,
		lago_charge_id: charge.lago_id,
		lago_charge_filter_id: null,
		lago_invoice_id: null,
		lago_true_up_fee_id: null,
		lago_true_up_parent_fee_id: null,
		lago_subscription_id: sub.lago_id,
		external_subscription_id: sub.external_id,
		lago_customer_id: sub.lago_customer_id,
		external_customer_id: sub.external_customer_id,
		item: {
			type: 'charge',
			code: metric.code,
			name: metric.name,
			description: metric.description,
			invoice_display_name: metric.name,
			filter_invoice_display_name: null,
			filters: null,
			lago_item_id: metric.lago_id,
			item_type: 'BillableMetric',
			grouped_by: {},
		},
		pay_in_advance: true,
		invoiceable: charge.invoiceable,
		amount_cents: amountCents,
		precise_amount: numberToPlainString(amount),
		precise_total_amount: numberToPlainString(amount + taxesPrecise),
		amount_currency: currency,
		taxes_amount_cents: taxesCents,
		taxes_precise_amount: numberToPlainString(taxesPrecise),
		taxes_rate: taxesRate,
		total_amount_cents: amountCents + taxesCents,
		total_amount_currency: currency,
		units: numberToPlainString(units),
		precise_unit_amount: units === 0 ? '0.0' : numberToPlainString(amount / units),
		total_aggregated_units: numberToPlainString(units),
		events_count: 1,
		description: null,
		precise_coupons_amount_cents: '0.0',
		sub_total_excluding_taxes_amount_cents: amountCents,
		sub_total_excluding_taxes_precise_amount_cents: numberToPlainString(amount * 100),
		payment_status: 'pending',
		created_at: null,
		succeeded_at: null,
		failed_at: null,
		refunded_at: null,
		from_date: period.from,
		to_date: period.to,
		event_transaction_id: randomUUID(),
		amount_details: {},
		self_billed: false,
		applied_taxes: appliedTaxes,
	};
}

/**
 * POST /events/estimate_fees. Checks run in the order of Lago's ValidateCreationService,
 * then the pay-in-advance charge lookup. Nothing is stored.
 * @param {Record<string, unknown>} input the `event` object
 * @param {number} nowMs
 * @returns {EstimateResult}
 */
function estimateFees(input, nowMs) {
	const sub = catalog.findActiveSubscription(permitScalar(input.external_subscription_id), nowMs);
	if (!sub) return { notFound: 'subscription_not_found' };

	const timestamp = permitScalar(input.timestamp);
	if (!isBlankScalar(timestamp) && !isValidNumber(timestamp)) {
		return { errors: { timestamp: ['invalid_format'] } };
	}

	const code = permitScalar(input.code);
	const metric = typeof code === 'string' || typeof code === 'number' ? catalog.findMetric(String(code)) : undefined;
	if (!metric) return { notFound: 'billable_metric_not_found' };

	const properties = isPlainObject(input.properties) ? /** @type {Record<string, unknown>} */ (input.properties) : {};
	if (NUMERIC_FIELD_AGGREGATIONS.has(metric.aggregation_type) && metric.field_name) {
		if (!isValidNumber(properties[metric.field_name])) {
			return { errors: { properties: ['value_is_not_valid_number'] } };
		}
	}

	const charges = sub.plan.charges.filter((c) => c.metricCode === metric.code && c.payInAdvance);
	if (!charges.length) return { errors: { code: ['does_not_match_an_instant_charge'] } };

	const units = unitsFor(metric, properties);
	return { fees: charges.map((c) => buildFee(sub, metric, c, units, nowMs)) };
}

module.exports = { estimateFees };
