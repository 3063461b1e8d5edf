import { CHECK_MODES, MetricIndex, describeProblems, fieldRule, jsonText, parseCheckMode, plainDecimal } from '../../nodes/LagoEvents/shared/metricCheck';
import type { BillableMetric } from '../../nodes/LagoEvents/shared/metricCheck';

const metrics: BillableMetric[] = [
	{ code: 'api_calls', aggregation_type: 'count_agg', field_name: null },
	{ code: 'storage_gb', aggregation_type: 'sum_agg', field_name: 'gb' },
	{ code: 'peak_gb', aggregation_type: 'max_agg', field_name: 'gb' },
	{ code: 'balance', aggregation_type: 'latest_agg', field_name: 'balance' },
	{ code: 'gb_seconds', aggregation_type: 'weighted_sum_agg', field_name: 'gb' },
	{ code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
	{ code: 'legacy', aggregation_type: 'custom_agg', field_name: null },
	{ code: 'computed', aggregation_type: 'sum_agg', field_name: 'total', expression: 'event.properties.a * event.properties.b' },
	{
		code: 'requests',
		aggregation_type: 'count_agg',
		field_name: null,
		filters: [
			{ key: 'region', values: ['eu', 'us'] },
			{ key: 'tier', values: ['10', 'true', 'gold'] },
		],
	},
	{ code: 'données', aggregation_type: 'sum_agg', field_name: 'größe' },
];
const index = new MetricIndex(metrics);
const check = (code: string, properties?: Record<string, unknown>) => index.check({ code, properties }).map((p) => `${p.error}:${p.field}`);

describe('invalid_code', () => {
	test.each([
		['an unknown code', 'storage_gbb'],
		['a code in another case', 'API_CALLS'],
		['a code with a trailing space', 'api_calls '],
	])('%s is flagged', (_name, code) => {
		expect(check(code)).toEqual(['invalid_code:code']);
	});

	test('the fix names the code, suggests a close one, and points at Send and Flag', () => {
		const [problem] = index.check({ code: 'storage_gbb' });
		expect(problem.message).toBe('No billable metric in Lago has the code "storage_gbb" (invalid_code)');
		expect(problem.fix).toBe(
			'Create the metric "storage_gbb" in Lago or pick the code from the list (did you mean "storage_gb"?). Lago would store this event but bill it only if a metric with this code exists when the period is billed: if you create the metric after sending, set Options › Check Against Billable Metrics to "Send and Flag".',
		);
		expect(index.check({ code: 'zzzzzzzzzzzz' })[0].fix).not.toContain('did you mean');
	});

	test('an empty metric list flags every code', () => {
		expect(new MetricIndex([]).check({ code: 'api_calls' }).map((p) => p.error)).toEqual(['invalid_code']);
	});
});

describe('missing_aggregation_property', () => {
	test.each([
		// [code, properties, flagged]
		['storage_gb', { gb: 10 }, false],
		['storage_gb', { gb: '10' }, false],
		['storage_gb', { gb: -5 }, false],
		['storage_gb', { gb: '-5' }, false],
		['storage_gb', { gb: '10.5' }, false],
		['storage_gb', { gb: 1e21 }, false],
		['storage_gb', { gb: 0 }, false],
		['storage_gb', { gb: 'abc' }, true],
		['storage_gb', { gb: '1e3' }, true],
		['storage_gb', { gb: '+5' }, true],
		['storage_gb', { gb: '.5' }, true],
		['storage_gb', { gb: '5.' }, true],
		['storage_gb', { gb: ' 5' }, true],
		['storage_gb', { gb: '' }, true],
		['storage_gb', { gb: true }, true],
		['storage_gb', { gb: { v: 1 } }, true],
		['storage_gb', { gb: [1] }, true],
		['storage_gb', { gb: null }, true],
		['storage_gb', { gb: undefined }, true],
		['storage_gb', { gb: Number.NaN }, true],
		['storage_gb', { gb: Infinity }, true],
		['storage_gb', {}, true],
		['storage_gb', undefined, true],
		['storage_gb', { GB: 10 }, true],
		['peak_gb', { gb: 'x' }, true],
		['balance', { balance: '1,5' }, true],
		['gb_seconds', { gb: '٣' }, true],
		['peak_gb', { gb: '3' }, false],
		['seats', { user_id: 'u1' }, false],
		['seats', { user_id: '' }, false],
		['seats', { user_id: 'abc' }, false],
		['seats', { user_id: { nested: true } }, false],
		['seats', { user_id: null }, true],
		['seats', {}, true],
		['api_calls', {}, false],
		['api_calls', undefined, false],
		['legacy', {}, false],
		['computed', {}, false],
		['computed', { total: 'abc' }, false],
		['données', { größe: '2' }, false],
		['données', { grosse: '2' }, true],
	])('%s with %p: flagged %p', (code, properties, flagged) => {
		expect(check(code, properties as Record<string, unknown> | undefined)).toEqual(flagged ? [`missing_aggregation_property:${code === 'seats' ? 'user_id' : code === 'balance' ? 'balance' : code === 'données' ? 'größe' : 'gb'}`] : []);
	});

	test('a property inherited from Object.prototype is not a property', () => {
		const idx = new MetricIndex([{ code: 'c', aggregation_type: 'unique_count_agg', field_name: 'constructor' }]);
		expect(idx.check({ code: 'c', properties: {} }).map((p) => p.error)).toEqual(['missing_aggregation_property']);
	});

	test('the texts say what is wrong and how to fix it', () => {
		expect(index.check({ code: 'storage_gb', properties: {} })[0]).toEqual({
			error: 'missing_aggregation_property',
			field: 'gb',
			message: 'The event has no property "gb", which billable metric "storage_gb" sums (missing_aggregation_property)',
			fix: 'Add the property "gb" (a number), e.g. 10 or "10.5". Lago would store the event and never bill it.',
		});
		expect(index.check({ code: 'storage_gb', properties: { gb: '1e3' } })[0].message).toBe(
			'Property "gb" is "1e3", not a number, and billable metric "storage_gb" sums it (missing_aggregation_property)',
		);
		expect(index.check({ code: 'seats', properties: { user_id: null } })[0].message).toBe(
			'Property "user_id" is null, and billable metric "seats" counts the distinct values of it (missing_aggregation_property)',
		);
		expect(index.check({ code: 'seats', properties: {} })[0].fix).toBe('Add the property "user_id". Lago would store the event and never bill it.');
	});
});

describe('invalid_filter_values', () => {
	test.each([
		[{ region: 'eu' }, []],
		[{ region: 'us', tier: 'gold' }, []],
		[{}, []],
		[undefined, []],
		[{ region: null }, []],
		[{ region: undefined }, []],
		[{ tier: 10 }, []],
		[{ tier: '10' }, []],
		[{ tier: true }, []],
		[{ tier: 10.0 }, []],
		[{ tier: 10.5 }, ['tier']],
		[{ tier: '10.0' }, ['tier']],
		[{ region: 'EU' }, ['region']],
		[{ region: 'asia' }, ['region']],
		[{ region: '' }, ['region']],
		[{ region: ['eu'] }, ['region']],
		[{ region: { eu: 1 } }, ['region']],
		[{ region: 'asia', tier: 'silver' }, ['region', 'tier']],
	])('%p flags %p', (properties, keys) => {
		expect(check('requests', properties as Record<string, unknown> | undefined)).toEqual(keys.map((k) => `invalid_filter_values:${k}`));
	});

	test('the fix lists the accepted values', () => {
		expect(index.check({ code: 'requests', properties: { region: 'asia' } })[0]).toEqual({
			error: 'invalid_filter_values',
			field: 'region',
			message: 'Property "region" is "asia", not a value billable metric "requests" filters on (invalid_filter_values)',
			fix: '"region" must be one of eu, us, or left out. Or add "asia" to the metric\'s filter in Lago.',
		});
	});

	test('a metric with both a field and filters reports both problems', () => {
		const idx = new MetricIndex([{ code: 'm', aggregation_type: 'sum_agg', field_name: 'gb', filters: [{ key: 'region', values: ['eu'] }] }]);
		expect(idx.check({ code: 'm', properties: { region: 'us' } }).map((p) => p.error)).toEqual(['missing_aggregation_property', 'invalid_filter_values']);
	});
});

test('an event Lago bills gets the one shared empty list (no allocation per event)', () => {
	const a = index.check({ code: 'storage_gb', properties: { gb: 1 } });
	expect(a).toHaveLength(0);
	expect(index.check({ code: 'api_calls' })).toBe(a);
});

test.each([
	[10, '10'],
	[-5, '-5'],
	[1.5, '1.5'],
	[1e21, '1000000000000000000000'],
	[1.5e21, '1500000000000000000000'],
	[-1.2e22, '-12000000000000000000000'],
	[1e-7, '0.0000001'],
	[1.25e-8, '0.0000000125'],
])('plainDecimal(%p) is %p, as Postgres prints a jsonb number', (n, text) => {
	expect(plainDecimal(n)).toBe(text);
});

test.each([
	['a', 'a'],
	[true, 'true'],
	[null, undefined],
	[undefined, undefined],
	[{ a: 1 }, '{"a":1}'],
])('jsonText(%p) is %p', (value, text) => {
	expect(jsonText(value)).toBe(text);
});

test('fieldRule: count, custom and expression metrics need no field; the numeric aggregations need a number', () => {
	expect(fieldRule({ code: 'a', aggregation_type: 'count_agg', field_name: 'x' })).toEqual({ field: undefined, numeric: false });
	expect(fieldRule({ code: 'a', aggregation_type: 'custom_agg', field_name: null })).toEqual({ field: undefined, numeric: false });
	expect(fieldRule({ code: 'a', aggregation_type: 'sum_agg', field_name: 'x', expression: 'round(event.properties.y)' })).toEqual({ field: undefined, numeric: false });
	expect(fieldRule({ code: 'a', aggregation_type: 'sum_agg', field_name: 'x', expression: '' })).toEqual({ field: 'x', numeric: true });
	expect(fieldRule({ code: 'a', aggregation_type: 'unique_count_agg', field_name: 'x' })).toEqual({ field: 'x', numeric: false });
	expect(fieldRule({ code: 'a', aggregation_type: 'some_future_agg', field_name: 'x' })).toEqual({ field: 'x', numeric: false });
});

test('parseCheckMode: empty is the default, Don\'t Send; anything else is refused', () => {
	expect(parseCheckMode(undefined)).toBe('dontSend');
	expect(parseCheckMode('')).toBe('dontSend');
	for (const mode of CHECK_MODES) expect(parseCheckMode(mode)).toBe(mode);
	expect(() => parseCheckMode('never')).toThrow('Check Against Billable Metrics must be one of dontSend, sendAndFlag, dontCheck, got "never"');
});

test('describeProblems: the first problem, a count of the others, and every fix', () => {
	const problems = new MetricIndex([{ code: 'm', aggregation_type: 'sum_agg', field_name: 'gb', filters: [{ key: 'region', values: ['eu'] }, { key: 'tier', values: ['a'] }] }]).check({
		code: 'm',
		properties: { region: 'us', tier: 'b' },
	});
	const { message, fix } = describeProblems(problems);
	expect(message).toBe('Not sent: The event has no property "gb", which billable metric "m" sums (missing_aggregation_property), and 2 more problems');
	expect(fix.split('\n')).toHaveLength(3);
});
