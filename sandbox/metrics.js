'use strict';

const catalog = require('./catalog');

/**
 * Billable metrics as Lago keeps them (aggregation_type, field_name, filters, expression), and the rules of Lago's
 * hourly `events.errors` report, written as lago-api's SQL view reads (`db/views/last_hour_events_mv_v04.sql`,
 * `Events::PostValidationService`). Written apart from the node's check on purpose: the differential test runs both
 * over one corpus.
 *
 * @typedef {{ key: string, values: string[] }} MetricFilter
 * @typedef {{ lago_id: string, name: string, code: string, description: string, aggregation_type: string,
 *   field_name: string | null, recurring: boolean, expression?: string | null, filters?: MetricFilter[] }} Metric
 */

const AGGREGATION_TYPES = ['count_agg', 'sum_agg', 'max_agg', 'unique_count_agg', 'weighted_sum_agg', 'latest_agg', 'custom_agg'];
/** The view's `numeric_field_mandatory`: aggregation_type IN (1, 2, 5, 6). */
const NUMERIC = new Set(['sum_agg', 'max_agg', 'weighted_sum_agg', 'latest_agg']);
const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

/**
 * Postgres `jsonb ->> key`: SQL NULL for an absent key or a JSON null, the string itself, a number in plain decimal
 * (jsonb keeps numeric, which never prints an exponent), true/false, or the JSON text of an object or array.
 * @param {Record<string, unknown> | null | undefined} properties @param {string | null} key
 * @returns {string | null}
 */
function arrowText(properties, key) {
	if (key === null || !properties || !Object.prototype.hasOwnProperty.call(properties, key)) return null;
	const value = properties[key];
	if (value === null || value === undefined) return null;
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return numericText(value);
	if (typeof value === 'boolean') return String(value);
	return JSON.stringify(value);
}

/** @param {number} n */
function numericText(n) {
	const text = String(n);
	if (!/e/.test(text)) return text;
	// Only huge or tiny numbers print with an exponent in JS; ICU prints the same shortest digits in plain decimal.
	return n.toLocaleString('en-US', { useGrouping: false, maximumSignificantDigits: 21 });
}

/** @param {Record<string, unknown> | null | undefined} properties @param {string} key */
const hasKey = (properties, key) => !!properties && Object.prototype.hasOwnProperty.call(properties, key);

/**
 * The three lists of an `events.errors` payload for these stored events against these metrics.
 * @param {Array<{ transaction_id: string, code: string, properties?: Record<string, unknown> }>} events
 * @param {Metric[]} metrics
 */
function eventsErrors(events, metrics) {
	const byCode = new Map(metrics.map((m) => [m.code, m]));
	/** @type {Set<string>} */ const invalidCode = new Set();
	/** @type {Set<string>} */ const missing = new Set();
	/** @type {Set<string>} */ const badFilter = new Set();
	for (const event of events) {
		const metric = byCode.get(event.code);
		// billable_metric_code IS NULL: the LEFT JOIN on live metrics found none.
		if (!metric) {
			invalidCode.add(event.transaction_id);
			continue;
		}
		// An expression overwrites properties[field_name] at ingestion, so the stored event has it.
		const computed = typeof metric.expression === 'string' && metric.expression.trim() !== '';
		const fieldMandatory = metric.aggregation_type !== 'count_agg';
		const numericMandatory = NUMERIC.has(metric.aggregation_type);
		const value = arrowText(event.properties, metric.field_name ?? null);
		if (!computed && ((fieldMandatory && value === null) || (numericMandatory && value !== null && !NUMERIC_TEXT.test(value)))) {
			missing.add(event.transaction_id);
		}
		for (const filter of metric.filters || []) {
			// properties ? key AND NOT (properties->>key = ANY(values)); a JSON null makes the comparison NULL.
			if (!hasKey(event.properties, filter.key)) continue;
			const text = arrowText(event.properties, filter.key);
			if (text !== null && !filter.values.includes(text)) badFilter.add(event.transaction_id);
		}
	}
	return {
		invalid_code: [...invalidCode],
		missing_aggregation_property: [...missing],
		missing_group_key: null,
		invalid_filter_values: [...badFilter],
	};
}

/**
 * A metric as given by a test or the control route, completed and checked as Lago's create service would.
 * @param {any} input @param {number} n
 * @returns {Metric}
 */
function normalizeMetric(input, n) {
	if (!input || typeof input.code !== 'string' || input.code === '') throw new TypeError(`metric ${n}: code is required`);
	const aggregation = input.aggregation_type ?? 'count_agg';
	if (!AGGREGATION_TYPES.includes(aggregation)) throw new TypeError(`metric ${input.code}: unknown aggregation_type ${aggregation}`);
	const filters = Array.isArray(input.filters) ? input.filters : [];
	return {
		lago_id: input.lago_id ?? `b1120000-0000-4000-8000-${String(n + 1).padStart(12, '0')}`,
		name: input.name ?? input.code,
		code: input.code,
		description: input.description ?? '',
		aggregation_type: aggregation,
		field_name: aggregation === 'count_agg' ? null : (input.field_name ?? null),
		recurring: !!input.recurring,
		expression: input.expression ?? null,
		// Lago serialises filter values sorted.
		filters: filters.map((/** @type {any} */ f) => ({ key: String(f.key), values: [...(f.values || [])].map(String).sort() })),
	};
}

/** The organisation's metrics: the catalog's unless a test or the demo sets others. */
class MetricBook {
	constructor(/** @type {unknown[] | undefined} */ initial) {
		/** @type {Metric[]} */
		this.metrics = [];
		this.set(initial);
	}

	/** @param {unknown[] | null | undefined} list null or undefined: the catalog's seeded metrics */
	set(list) {
		this.metrics = list === undefined || list === null ? catalog.METRICS.map((m) => ({ ...m, expression: null, filters: [] })) : list.map(normalizeMetric);
		return this.metrics;
	}

	/** @param {string} code */
	find(code) {
		return this.metrics.find((m) => m.code === code);
	}

	/** Case-insensitive match on name or code, like Lago's `search_term`. @param {string | null} term */
	search(term) {
		const needle = (term || '').toLowerCase();
		if (!needle) return this.metrics.slice();
		return this.metrics.filter((m) => m.name.toLowerCase().includes(needle) || m.code.toLowerCase().includes(needle));
	}
}

/** `V1::BillableMetricSerializer`. @param {Metric} m */
function serializeMetric(m) {
	return { ...catalog.serializeMetric(m), expression: m.expression ?? null, filters: (m.filters || []).map((f) => ({ key: f.key, values: f.values.slice() })) };
}

module.exports = { MetricBook, eventsErrors, arrowText, serializeMetric, normalizeMetric, AGGREGATION_TYPES };
