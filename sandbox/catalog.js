'use strict';

/**
 * The fixed organisation the sandbox pretends to be: billable metrics, plans,
 * taxes and subscriptions. IDs are stable so tests and demos can assert them.
 */

const CREATED_AT = '2026-01-05T09:00:00Z';

/**
 * @typedef {{ lago_id: string, name: string, code: string, description: string,
 *   aggregation_type: string, field_name: string | null, recurring: boolean }} Metric
 * @typedef {{ metricCode: string, payInAdvance: boolean, invoiceable: boolean, unitAmount: string, lago_id: string,
 *   chargeModel?: 'standard' | 'percentage', rate?: string, fixedAmount?: string }} Charge
 *   chargeModel defaults to standard; a percentage charge bills rate % of the units plus fixedAmount per event.
 * @typedef {{ code: string, name: string, currency: string, charges: Charge[] }} Plan
 * @typedef {{ lago_id: string, name: string, code: string, rate: number, description: string }} Tax
 * @typedef {{ lago_id: string, external_id: string, external_customer_id: string, lago_customer_id: string,
 *   status: 'active' | 'terminated' | 'pending', startedAt: string, plan: Plan, taxes: Tax[] }} Subscription
 */

/** @param {string} prefix eight hex digits @param {number} n */
function fixedUuid(prefix, n) {
	return `${prefix}-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** @type {Array<[string, string, string, string | null, string]>} code, name, aggregation, field, description */
const METRIC_ROWS = [
	['api_calls', 'API Calls', 'count_agg', null, 'Requests made to the public API'],
	['storage_gb', 'Storage (GB)', 'sum_agg', 'gb', 'Gigabytes written to object storage'],
	['seats', 'Seats', 'unique_count_agg', 'user_id', 'Distinct active users (billed in arrears)'],
	['compute_hours', 'Compute Hours', 'sum_agg', 'hours', 'Hours of compute consumed'],
	['bandwidth_gb', 'Bandwidth (GB)', 'sum_agg', 'gb', 'Outbound transfer'],
	['emails_sent', 'Emails Sent', 'count_agg', null, 'Transactional emails delivered'],
	['sms_sent', 'SMS Sent', 'count_agg', null, 'Text messages delivered'],
	['peak_memory_gb', 'Peak Memory (GB)', 'max_agg', 'gb', 'Highest memory reservation in the period'],
	['active_projects', 'Active Projects', 'unique_count_agg', 'project_id', 'Distinct projects (no charge on any plan)'],
	['ai_tokens', 'AI Tokens', 'sum_agg', 'tokens', 'Model tokens processed'],
	['account_balance', 'Account Balance', 'latest_agg', 'balance', 'Last reported balance'],
	['webhook_deliveries', 'Webhook Deliveries', 'count_agg', null, 'Outgoing webhook calls'],
	['build_minutes', 'Build Minutes', 'sum_agg', 'minutes', 'CI minutes used'],
	['support_tickets', 'Support Tickets', 'count_agg', null, 'Tickets opened (billed in arrears)'],
	['payment_volume', 'Payment Volume', 'sum_agg', 'amount', 'Amounts paid through the marketplace (percentage fee)'],
];

/** @type {Metric[]} */
const METRICS = METRIC_ROWS.map(([code, name, aggregation, field, description], i) => ({
	lago_id: fixedUuid('b1110000', i + 1),
	name,
	code,
	description,
	aggregation_type: aggregation,
	field_name: field,
	recurring: false,
}));

// Unit prices in currency units (EUR), as Lago's standard charge model stores them.
/** @type {Record<string, { payInAdvance: boolean, unitAmount: string }>} */
const CHARGE_TABLE = {
	api_calls: { payInAdvance: true, unitAmount: '0.02' },
	storage_gb: { payInAdvance: true, unitAmount: '0.5' },
	seats: { payInAdvance: false, unitAmount: '9' },
	compute_hours: { payInAdvance: true, unitAmount: '1.2' },
	bandwidth_gb: { payInAdvance: true, unitAmount: '0.08' },
	emails_sent: { payInAdvance: true, unitAmount: '0.001' },
	sms_sent: { payInAdvance: true, unitAmount: '0.05' },
	peak_memory_gb: { payInAdvance: true, unitAmount: '2' },
	ai_tokens: { payInAdvance: true, unitAmount: '0.00002' },
	account_balance: { payInAdvance: true, unitAmount: '0.1' },
	webhook_deliveries: { payInAdvance: true, unitAmount: '0.001' },
	build_minutes: { payInAdvance: true, unitAmount: '0.008' },
	support_tickets: { payInAdvance: false, unitAmount: '15' },
};

/** @param {string} code @param {string} name @param {number} offset @returns {Plan} */
function buildPlan(code, name, offset) {
	const charges = Object.entries(CHARGE_TABLE).map(([metricCode, c], i) => ({
		lago_id: fixedUuid('c4a20000', offset + i + 1),
		metricCode,
		payInAdvance: c.payInAdvance,
		invoiceable: true,
		unitAmount: c.unitAmount,
	}));
	return { code, name, currency: 'EUR', charges };
}

const PLANS = {
	startup: buildPlan('startup', 'Startup', 0),
	scale: buildPlan('scale', 'Scale', 100),
	/** @type {Plan} A marketplace plan: a percentage fee in advance beside standard charges, in advance and in arrears. */
	marketplace: {
		code: 'marketplace',
		name: 'Marketplace',
		currency: 'EUR',
		charges: [
			{ lago_id: fixedUuid('c4a20000', 201), metricCode: 'api_calls', payInAdvance: true, invoiceable: true, unitAmount: '0.01' },
			{
				lago_id: fixedUuid('c4a20000', 202),
				metricCode: 'payment_volume',
				payInAdvance: true,
				invoiceable: true,
				unitAmount: '0',
				chargeModel: 'percentage',
				rate: '2.5',
				fixedAmount: '0.3',
			},
			{ lago_id: fixedUuid('c4a20000', 203), metricCode: 'seats', payInAdvance: false, invoiceable: true, unitAmount: '9' },
		],
	},
};

/** @type {Tax} */
const VAT_20 = {
	lago_id: fixedUuid('7a700000', 1),
	name: 'TVA',
	code: 'french_standard_vat',
	rate: 20.0,
	description: 'French standard VAT',
};

/** @type {Subscription[]} */
const SUBSCRIPTIONS = [
	{
		lago_id: fixedUuid('5b000000', 1),
		external_id: 'sub_demo_1',
		external_customer_id: 'cus_demo_1',
		lago_customer_id: fixedUuid('c0500000', 1),
		status: 'active',
		startedAt: '2026-01-01T00:00:00Z',
		plan: PLANS.startup,
		taxes: [],
	},
	{
		lago_id: fixedUuid('5b000000', 2),
		external_id: 'sub_demo_2',
		external_customer_id: 'cus_demo_2',
		lago_customer_id: fixedUuid('c0500000', 2),
		status: 'active',
		startedAt: '2026-01-01T00:00:00Z',
		plan: PLANS.scale,
		taxes: [VAT_20],
	},
	{
		lago_id: fixedUuid('5b000000', 3),
		external_id: 'sub_terminated',
		external_customer_id: 'cus_demo_1',
		lago_customer_id: fixedUuid('c0500000', 1),
		status: 'terminated',
		startedAt: '2025-01-01T00:00:00Z',
		plan: PLANS.startup,
		taxes: [],
	},
	{
		lago_id: fixedUuid('5b000000', 4),
		external_id: 'sub_pending',
		external_customer_id: 'cus_demo_2',
		lago_customer_id: fixedUuid('c0500000', 2),
		status: 'pending',
		startedAt: '2099-01-01T00:00:00Z',
		plan: PLANS.scale,
		taxes: [VAT_20],
	},
	{
		lago_id: fixedUuid('5b000000', 5),
		external_id: 'sub_demo_3',
		external_customer_id: 'cus_demo_3',
		lago_customer_id: fixedUuid('c0500000', 3),
		status: 'active',
		startedAt: '2026-01-01T00:00:00Z',
		plan: PLANS.marketplace,
		taxes: [VAT_20],
	},
];

/** @param {string} code */
function findMetric(code) {
	return METRICS.find((m) => m.code === code);
}

/**
 * Only a subscription running right now can be estimated (Lago: started_at <= now, not terminated).
 * @param {unknown} externalId
 * @param {number} nowMs
 */
function findActiveSubscription(externalId, nowMs) {
	if (typeof externalId !== 'string' || externalId.trim() === '') return undefined;
	const sub = SUBSCRIPTIONS.find((s) => s.external_id === externalId);
	if (!sub || sub.status !== 'active' || Date.parse(sub.startedAt) > nowMs) return undefined;
	return sub;
}

/**
 * Billable metrics as `V1::BillableMetricSerializer` renders them.
 * @param {Metric} m
 */
function serializeMetric(m) {
	return {
		lago_id: m.lago_id,
		name: m.name,
		code: m.code,
		description: m.description,
		aggregation_type: m.aggregation_type,
		weighted_interval: null,
		recurring: m.recurring,
		rounding_function: null,
		rounding_precision: null,
		created_at: CREATED_AT,
		field_name: m.field_name,
		expression: null,
		active_subscriptions_count: 0,
		draft_invoices_count: 0,
		plans_count: 0,
		filters: [],
	};
}

/**
 * Case-insensitive match on name or code, like Lago's `search_term`.
 * @param {string | null} term
 */
function searchMetrics(term) {
	const needle = (term || '').toLowerCase();
	if (!needle) return METRICS.slice();
	return METRICS.filter((m) => m.name.toLowerCase().includes(needle) || m.code.toLowerCase().includes(needle));
}

module.exports = {
	METRICS,
	PLANS,
	SUBSCRIPTIONS,
	VAT_20,
	findMetric,
	findActiveSubscription,
	serializeMetric,
	searchMetrics,
};
