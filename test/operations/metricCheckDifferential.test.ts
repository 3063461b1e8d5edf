import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';
import { MetricIndex } from '../../nodes/LagoEvents/shared/metricCheck';
import type { BillableMetric } from '../../nodes/LagoEvents/shared/metricCheck';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { eventsErrors } = require('../../sandbox/metrics') as { eventsErrors: (events: object[], metrics: object[]) => Record<string, string[] | null> };

/**
 * The node's check (nodes/LagoEvents/shared/metricCheck.ts) and the sandbox's events.errors generator
 * (sandbox/metrics.js, written from lago-api's SQL view) are two implementations of one set of rules. Over one corpus
 * of events x metrics they must flag exactly the same events for the same reasons. The one documented difference:
 * Lago's report flags every custom_agg event (the metric has no field_name), which Lago still bills; the node does not.
 */

const sandbox = useSandbox('differential-key');

const METRICS = [
	{ code: 'count', aggregation_type: 'count_agg' },
	{ code: 'sum', aggregation_type: 'sum_agg', field_name: 'v' },
	{ code: 'max', aggregation_type: 'max_agg', field_name: 'v' },
	{ code: 'latest', aggregation_type: 'latest_agg', field_name: 'v' },
	{ code: 'weighted', aggregation_type: 'weighted_sum_agg', field_name: 'v' },
	{ code: 'unique', aggregation_type: 'unique_count_agg', field_name: 'v' },
	{ code: 'computed', aggregation_type: 'sum_agg', field_name: 'v', expression: 'event.properties.a * 2' },
	{
		code: 'filtered',
		aggregation_type: 'sum_agg',
		field_name: 'v',
		filters: [
			{ key: 'region', values: ['us', 'eu'] },
			{ key: 'tier', values: ['gold', '10', 'true', '1.5'] },
			{ key: 'plan', values: ['a'] },
		],
	},
	{ code: 'unicode_é', aggregation_type: 'unique_count_agg', field_name: 'größe', filters: [{ key: 'région', values: ['île-de-france', '北京'] }] },
	{ code: 'legacy', aggregation_type: 'custom_agg' },
];
const CUSTOM = new Set(['legacy']);

const ABSENT = Symbol('absent');
const VALUES: unknown[] = [
	10, -5, 0, 10.5, 1.5, 1e-7, -0.25, 123456789,
	'10', '-5', '0', '10.5', '10.0', '007', 'abc', '1e3', '+5', '.5', '5.', '', ' 5', '5 ', '1,5', '٣', 'gold', 'eu', 'EU', 'true',
	true, false, null, { a: 1 }, { v: 2 }, [1, 2], [], {}, [null], ABSENT,
];

/** Every metric (and a few unknown codes) with every value in its field, and every value under each filter key. */
function corpus(): Array<{ transaction_id: string; code: string; properties: Record<string, unknown> }> {
	const events: Array<{ transaction_id: string; code: string; properties: Record<string, unknown> }> = [];
	const add = (code: string, properties: Record<string, unknown>) => events.push({ transaction_id: `d-${events.length}`, code, properties });
	const withValue = (base: Record<string, unknown>, key: string, value: unknown) => (value === ABSENT ? { ...base } : { ...base, [key]: value });
	for (const code of ['nope', 'SUM', 'summ', 'unicode_e']) add(code, { v: 1 });
	for (const metric of METRICS) {
		const field = metric.field_name ?? 'v';
		for (const value of VALUES) add(metric.code, withValue({}, field, value));
		for (const filter of metric.filters ?? []) {
			for (const value of VALUES) add(metric.code, withValue({ [field]: 1 }, filter.key, value));
		}
	}
	// Several filters on one event: all good, one bad, two bad, and the field missing as well.
	add('filtered', { v: 1, region: 'eu', tier: 'gold', plan: 'a' });
	add('filtered', { v: 1, region: 'asia', tier: 'gold', plan: 'a' });
	add('filtered', { v: 1, region: 'asia', tier: 'silver', plan: null });
	add('filtered', { region: 'asia', tier: 10 });
	add('unicode_é', { größe: 'x', région: '北京' });
	add('unicode_é', { région: 'paris' });
	return events;
}

type Flags = Record<'invalid_code' | 'missing_aggregation_property' | 'invalid_filter_values', string[]>;
const KINDS = ['invalid_code', 'missing_aggregation_property', 'invalid_filter_values'] as const;
const sorted = (flags: Flags) => Object.fromEntries(KINDS.map((k) => [k, [...flags[k]].sort()]));

function nodeFlags(metrics: BillableMetric[], events: Array<{ transaction_id: string; code: string; properties?: Record<string, unknown> }>): Flags {
	const index = new MetricIndex(metrics);
	const flags: Flags = { invalid_code: [], missing_aggregation_property: [], invalid_filter_values: [] };
	for (const event of events) {
		for (const kind of new Set(index.check(event).map((p) => p.error))) flags[kind].push(event.transaction_id);
	}
	return flags;
}

/** Lago's report, minus the custom_agg events the node deliberately does not flag (asserted on their own below). */
function withoutCustom(report: Record<string, string[] | null>, events: Array<{ transaction_id: string; code: string }>): Flags {
	const custom = new Set(events.filter((e) => CUSTOM.has(e.code)).map((e) => e.transaction_id));
	return Object.fromEntries(KINDS.map((k) => [k, (report[k] ?? []).filter((id) => !(k === 'missing_aggregation_property' && custom.has(id)))])) as Flags;
}

test('the corpus covers every rule, in both directions', () => {
	sandbox().setBillableMetrics(METRICS);
	const events = corpus();
	const report = eventsErrors(events, sandbox().billableMetrics);
	for (const kind of KINDS) expect((report[kind] ?? []).length).toBeGreaterThan(3);
	const flagged = new Set(KINDS.flatMap((k) => report[k] ?? []));
	expect(events.length - flagged.size).toBeGreaterThan(100);
	expect(events.length).toBeGreaterThan(400);
});

test('pure: the node check and the sandbox generator flag the same events for the same reasons', () => {
	sandbox().setBillableMetrics(METRICS);
	// What Lago stores is the JSON the node sends: undefined keys vanish, numbers stay numbers.
	const events = JSON.parse(JSON.stringify(corpus()));
	// Numbers jsonb prints without an exponent (1e21, 1.5e-9) only reach the pure level: the node refuses a whole
	// number above 2^53 before sending.
	events.push({ transaction_id: 'big', code: 'sum', properties: { v: 1e21 } }, { transaction_id: 'tiny', code: 'filtered', properties: { v: 1, tier: 1.5e-9 } });
	const metrics = sandbox().billableMetrics as unknown as BillableMetric[];
	expect(sorted(nodeFlags(metrics, events))).toEqual(sorted(withoutCustom(eventsErrors(events, metrics), events)));
});

test('custom_agg: Lago reports every event of the metric; the node flags none (documented choice)', () => {
	sandbox().setBillableMetrics(METRICS);
	const events = corpus().filter((e) => e.code === 'legacy');
	const report = eventsErrors(JSON.parse(JSON.stringify(events)), sandbox().billableMetrics);
	expect([...(report.missing_aggregation_property ?? [])].sort()).toEqual(events.map((e) => e.transaction_id).sort());
	expect(nodeFlags(sandbox().billableMetrics as unknown as BillableMetric[], events).missing_aggregation_property).toEqual([]);
});

test('through n8n and the wire: Send and Flag sends the corpus; its flags equal the sandbox events.errors over what it stored', async () => {
	sandbox().setBillableMetrics(METRICS);
	const events = corpus();
	const result = await runNode({
		items: events.map((e) => ({ id: e.transaction_id, code: e.code, properties: e.properties })) as never,
		parameters: {
			operation: 'createBatch',
			externalSubscriptionId: 'sub_demo_1',
			code: '={{ $json.code }}',
			transactionId: '={{ $json.id }}',
			timestamp: '1700000000',
			propertiesInput: 'json',
			propertiesJson: '={{ $json.properties }}',
			options: { checkBillableMetrics: 'sendAndFlag' },
		} as never,
		credentials: sandboxCredentials(sandbox()),
	});
	expect(result.error).toBeUndefined();
	expect(sandbox().events).toHaveLength(events.length);
	const fromNode: Flags = { invalid_code: [], missing_aggregation_property: [], invalid_filter_values: [] };
	result.json.forEach((json) => {
		const problems = (json.events_errors ?? []) as Array<{ error: keyof Flags }>;
		for (const kind of new Set(problems.map((p) => p.error))) fromNode[kind].push(json.transaction_id as string);
	});
	const { events_errors: report } = await sandbox().webhooks.sendEventsErrors(sandbox().events);
	expect(sorted(fromNode)).toEqual(sorted(withoutCustom(report as Record<string, string[] | null>, sandbox().events)));
});
