/**
 * Would Lago bill this event? Lago answers 200 to an event it will never bill and reports it, at best an hour later,
 * in the `events.errors` webhook. These are the rules of that report (lago-api `db/views/last_hour_events_mv_v04.sql`
 * and `Events::PostValidationService`), applied before the event is sent. Pure: no n8n, no network.
 *
 * - invalid_code: no live billable metric has the event's code.
 * - missing_aggregation_property: every aggregation but count_agg needs `properties[field_name]`, JSON null counting
 *   as missing; sum, max, latest and weighted sum also need its text to match ^-?\d+(\.\d+)?$.
 * - invalid_filter_values: the event has a property a metric filter is keyed on, and its text is not one of the
 *   filter's values. An absent key or a JSON null is not flagged.
 * Two choices of ours, where Lago's report is not what Lago bills:
 * - expression metrics compute their field at ingestion, so a missing field is not flagged;
 * - custom_agg (deprecated) has no field_name and aggregates the raw properties; Lago's report flags every one of its
 *   events, all of which it bills, so the node does not.
 */

export type EventsErrorKind = 'invalid_code' | 'missing_aggregation_property' | 'invalid_filter_values';

export type CheckMode = 'dontSend' | 'sendAndFlag' | 'dontCheck';

export const CHECK_MODES: CheckMode[] = ['dontSend', 'sendAndFlag', 'dontCheck'];

/** A billable metric as GET /billable_metrics renders it (the fields the rules need). */
export interface BillableMetric {
	code: string;
	aggregation_type: string;
	field_name?: string | null;
	expression?: string | null;
	filters?: Array<{ key: string; values: string[] }> | null;
}

/** One reason Lago would not bill the event, named as in `events.errors`. */
export interface MetricProblem {
	error: EventsErrorKind;
	/** `code`, or the property name. */
	field: string;
	message: string;
	fix: string;
}

export interface CheckedEvent {
	code: string;
	properties?: Record<string, unknown>;
}

/** Aggregations whose value Lago casts to a number (view: `numeric_field_mandatory`, types 1, 2, 5, 6). */
const NUMERIC_AGGREGATIONS = new Set(['sum_agg', 'max_agg', 'latest_agg', 'weighted_sum_agg']);
const NUMERIC_TEXT = /^-?\d+(\.\d+)?$/;

// A Map: an aggregation type Lago adds later may be any text, "toString" included.
const AGGREGATION_VERBS = new Map([
	['sum_agg', 'sums'],
	['max_agg', 'takes the maximum of'],
	['latest_agg', 'takes the latest'],
	['weighted_sum_agg', 'sums (weighted)'],
	['unique_count_agg', 'counts the distinct values of'],
]);

interface CompiledFilter {
	key: string;
	values: Set<string>;
	list: string[];
}

interface CompiledMetric {
	code: string;
	aggregation: string;
	/** The property that must be present, or undefined when none is checked. */
	field: string | undefined;
	numeric: boolean;
	filters: CompiledFilter[];
}

const NO_PROBLEMS: readonly MetricProblem[] = Object.freeze([]);

export function parseCheckMode(value: unknown): CheckMode {
	if (value === undefined || value === null || value === '') return 'dontSend';
	if ((CHECK_MODES as unknown[]).includes(value)) return value as CheckMode;
	throw new RangeError(`Check Against Billable Metrics must be one of ${CHECK_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

/** Does the metric need `properties[field_name]`, and as a number? */
export function fieldRule(metric: BillableMetric): { field: string | undefined; numeric: boolean } {
	const aggregation = metric.aggregation_type;
	const hasExpression = typeof metric.expression === 'string' && metric.expression.trim() !== '';
	if (aggregation === 'count_agg' || aggregation === 'custom_agg' || hasExpression) return { field: undefined, numeric: false };
	const field = typeof metric.field_name === 'string' ? metric.field_name : '';
	return { field, numeric: NUMERIC_AGGREGATIONS.has(aggregation) };
}

function compile(metric: BillableMetric): CompiledMetric {
	const { field, numeric } = fieldRule(metric);
	// Stryker disable next-line ArrayDeclaration: a stand-in entry in this empty list has no string key and is dropped by the next line
	const filters = (Array.isArray(metric.filters) ? metric.filters : [])
		.filter((f) => f && typeof f.key === 'string')
		.map((f) => {
			const list = (Array.isArray(f.values) ? f.values : []).map(String);
			return { key: f.key, values: new Set(list), list };
		});
	return { code: metric.code, aggregation: metric.aggregation_type, field, numeric, filters };
}

/**
 * The text Postgres' `properties->>key` gives for a JSON value, or undefined for JSON null. Numbers in jsonb print
 * in plain decimal (1e21 prints as 1000000000000000000000), so every finite number is numeric text.
 */
export function jsonText(value: unknown): string | undefined {
	if (value == null) return undefined;
	if (typeof value === 'string') return value;
	if (typeof value === 'number') return Number.isFinite(value) ? plainDecimal(value) : undefined;
	return JSON.stringify(value);
}

/**
 * A finite number in plain decimal notation, as Postgres prints a jsonb number. JavaScript writes a number with an
 * exponent only below 1e-6 (exponent -7 or less) and from 1e21 (more places than its at most 17 digits), so the point
 * falls before all the digits or after them, never among them.
 */
export function plainDecimal(n: number): string {
	const text = String(n);
	if (!text.includes('e')) return text;
	const sign = text.startsWith('-') ? '-' : '';
	const [mantissa, exponentText] = text.slice(sign.length).split('e');
	const [whole, fraction = ''] = mantissa.split('.');
	const digits = whole + fraction;
	const point = whole.length + Number(exponentText);
	return sign + (exponentText.startsWith('-') ? `0.${'0'.repeat(-point)}${digits}` : digits + '0'.repeat(point - digits.length));
}

/** What Lago receives for a property: JSON turns undefined into an absent key and NaN or Infinity into null. */
function sentValue(value: unknown): unknown {
	if (typeof value === 'number' && !Number.isFinite(value)) return null;
	return value;
}

const quote = (text: string) => `"${text}"`;
const shown = (value: unknown) => (typeof value === 'string' ? quote(value) : JSON.stringify(value));

/** Edit distance, for "did you mean"; only computed for an unknown code, once per code. */
export function distance(a: string, b: string): number {
	const row = Array.from({ length: b.length + 1 }, (_, j) => j);
	for (let i = 1; i <= a.length; i++) {
		let diagonal = row[0];
		row[0] = i;
		for (let j = 1; j <= b.length; j++) {
			const above = row[j];
			row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
			diagonal = above;
		}
	}
	return row[b.length];
}

/** The metrics of one organisation, indexed by code, checked against events. */
export class MetricIndex {
	private readonly byCode = new Map<string, CompiledMetric>();
	private readonly unknownCodes = new Map<string, MetricProblem>();

	constructor(metrics: readonly BillableMetric[]) {
		for (const metric of metrics) {
			if (metric && typeof metric.code === 'string') this.byCode.set(metric.code, compile(metric));
		}
	}

	get size(): number {
		return this.byCode.size;
	}

	/** Every reason Lago would not bill the event; an empty (shared, frozen) array when it would. */
	check(event: CheckedEvent): readonly MetricProblem[] {
		const metric = this.byCode.get(event.code);
		if (metric === undefined) return [this.unknownCode(event.code)];
		const properties = event.properties;
		let problems: MetricProblem[] | undefined;
		if (metric.field !== undefined) {
			const value = properties && Object.prototype.hasOwnProperty.call(properties, metric.field) ? sentValue(properties[metric.field]) : undefined;
			if (value === undefined || value === null) {
				(problems ??= []).push(missingProperty(metric, value === null));
			} else if (metric.numeric && !NUMERIC_TEXT.test(jsonText(value) as string)) {
				(problems ??= []).push(notANumber(metric, value));
			}
		}
		if (properties !== undefined) {
			for (const filter of metric.filters) {
				if (!Object.prototype.hasOwnProperty.call(properties, filter.key)) continue;
				const text = jsonText(sentValue(properties[filter.key]));
				if (text !== undefined && !filter.values.has(text)) (problems ??= []).push(badFilterValue(metric, filter, properties[filter.key]));
			}
		}
		return problems ?? NO_PROBLEMS;
	}

	private unknownCode(code: string): MetricProblem {
		let problem = this.unknownCodes.get(code);
		if (problem) return problem;
		// The first closest known code, ignoring case, at most a third of the code's length away (at least 1).
		const limit = Math.max(1, Math.floor(code.length / 3));
		let best: string | undefined;
		let bestDistance = limit + 1;
		for (const known of this.byCode.keys()) {
			if (Math.abs(known.length - code.length) > 3) continue;
			const d = distance(code.toLowerCase(), known.toLowerCase());
			if (d < bestDistance) [best, bestDistance] = [known, d];
		}
		const suggestion = best === undefined ? '' : ` (did you mean ${quote(best)}?)`;
		problem = {
			error: 'invalid_code',
			field: 'code',
			message: `No billable metric in Lago has the code ${quote(code)} (invalid_code)`,
			fix:
				`Create the metric ${quote(code)} in Lago or pick the code from the list${suggestion}. ` +
				'Lago would store this event but bill it only if a metric with this code exists when the period is billed: if you create the metric after sending, set Options › Check Against Billable Metrics to "Send and Flag".',
		};
		if (this.unknownCodes.size < 1000) this.unknownCodes.set(code, problem);
		return problem;
	}
}

const verbOf = (aggregation: string) => AGGREGATION_VERBS.get(aggregation) ?? 'aggregates';

function missingProperty(metric: CompiledMetric, isNull: boolean): MetricProblem {
	const field = metric.field as string;
	const verb = verbOf(metric.aggregation);
	const kind = metric.numeric ? ' (a number)' : '';
	return {
		error: 'missing_aggregation_property',
		field,
		message: isNull
			? `Property ${quote(field)} is null, and billable metric ${quote(metric.code)} ${verb} it (missing_aggregation_property)`
			: `The event has no property ${quote(field)}, which billable metric ${quote(metric.code)} ${verb} (missing_aggregation_property)`,
		fix: `Add the property ${quote(field)}${kind}${metric.numeric ? ', e.g. 10 or "10.5"' : ''}. Lago would store the event and never bill it.`,
	};
}

function notANumber(metric: CompiledMetric, value: unknown): MetricProblem {
	const field = metric.field as string;
	const verb = verbOf(metric.aggregation);
	return {
		error: 'missing_aggregation_property',
		field,
		message: `Property ${quote(field)} is ${shown(value)}, not a number, and billable metric ${quote(metric.code)} ${verb} it (missing_aggregation_property)`,
		fix: `Send ${quote(field)} as a number: 10, -5 or "10.5" (digits, an optional minus sign and decimal point; not "1e3", "+5" or ".5"). Lago would store the event and never bill it.`,
	};
}

function badFilterValue(metric: CompiledMetric, filter: CompiledFilter, value: unknown): MetricProblem {
	return {
		error: 'invalid_filter_values',
		field: filter.key,
		message: `Property ${quote(filter.key)} is ${shown(value)}, not a value billable metric ${quote(metric.code)} filters on (invalid_filter_values)`,
		fix: `${quote(filter.key)} must be one of ${filter.list.join(', ')}, or left out. Or add ${shown(value)} to the metric's filter in Lago.`,
	};
}

/** The error text for an event that is not sent: the first problem, and every fix. */
export function describeProblems(problems: readonly MetricProblem[]): { message: string; fix: string } {
	const more = problems.length > 1 ? `, and ${problems.length - 1} more problem${problems.length > 2 ? 's' : ''}` : '';
	return {
		message: `Not sent: ${problems[0].message}${more}`,
		fix: problems.map((p) => p.fix).join('\n'),
	};
}
