import { CHECK_MODES, MetricIndex, describeProblems, distance, fieldRule, jsonText, parseCheckMode, plainDecimal } from '../../nodes/LagoEvents/shared/metricCheck';
import type { BillableMetric, MetricProblem } from '../../nodes/LagoEvents/shared/metricCheck';

/**
 * Edges of the billable-metric check that metricCheck.test.ts does not reach (issue 23, mutation score): every text a
 * user reads, exactly; the numeric-text rule character by character; malformed metric lists; the "did you mean"
 * search (its distance, its limit, its ties) and the cache of unknown codes.
 */

const problems = (metrics: BillableMetric[], code: string, properties?: Record<string, unknown>) => new MetricIndex(metrics).check({ code, properties });

const STORE = 'Lago would store the event and never bill it.';
const NUMBER_FIX = (field: string) =>
	`Send "${field}" as a number: 10, -5 or "10.5" (digits, an optional minus sign and decimal point; not "1e3", "+5" or ".5"). ${STORE}`;
const CREATE_FIX_TAIL =
	'Lago would store this event but bill it only if a metric with this code exists when the period is billed: if you create the metric after sending, set Options › Check Against Billable Metrics to "Send and Flag".';
const unknownCodeFix = (code: string, suggestion?: string) =>
	`Create the metric "${code}" in Lago or pick the code from the list${suggestion === undefined ? '' : ` (did you mean "${suggestion}"?)`}. ${CREATE_FIX_TAIL}`;

/** The error parseCheckMode throws, as { name, message }. */
function refusal(value: unknown): { name: string; message: string } {
	try {
		parseCheckMode(value);
	} catch (error) {
		return { name: (error as Error).name, message: (error as Error).message };
	}
	throw new Error('expected parseCheckMode to throw');
}

describe('parseCheckMode', () => {
	test('the three modes, in the order the error lists them', () => {
		expect(CHECK_MODES).toEqual(['dontSend', 'sendAndFlag', 'dontCheck']);
	});

	test.each([
		['dontSend', 'dontSend'],
		['sendAndFlag', 'sendAndFlag'],
		['dontCheck', 'dontCheck'],
		[undefined, 'dontSend'],
		[null, 'dontSend'],
		['', 'dontSend'],
	])('%p reads as %p', (value, mode) => {
		expect(parseCheckMode(value)).toBe(mode);
	});

	test.each([
		['a number', 5, 'got 5'],
		['a mode in another case', 'DontSend', 'got "DontSend"'],
		['a mode with a space', 'sendAndFlag ', 'got "sendAndFlag "'],
		['an object', {}, 'got {}'],
		['a list holding a mode', ['dontSend'], 'got ["dontSend"]'],
	])('%s is refused with a RangeError naming the modes', (_name, value, got) => {
		expect(refusal(value)).toEqual({ name: 'RangeError', message: `Check Against Billable Metrics must be one of dontSend, sendAndFlag, dontCheck, ${got}` });
	});
});

describe('fieldRule', () => {
	test.each(['sum_agg', 'max_agg', 'latest_agg', 'weighted_sum_agg'])('%s needs its field as a number', (aggregation) => {
		expect(fieldRule({ code: 'm', aggregation_type: aggregation, field_name: 'v' })).toEqual({ field: 'v', numeric: true });
	});

	test('a field_name that is null or absent is the empty property name, still required', () => {
		expect(fieldRule({ code: 'm', aggregation_type: 'sum_agg', field_name: null })).toEqual({ field: '', numeric: true });
		expect(fieldRule({ code: 'm', aggregation_type: 'unique_count_agg' })).toEqual({ field: '', numeric: false });
	});

	test('an expression of spaces only is no expression: the field is checked', () => {
		expect(fieldRule({ code: 'm', aggregation_type: 'sum_agg', field_name: 'v', expression: ' \t\n ' })).toEqual({ field: 'v', numeric: true });
		expect(fieldRule({ code: 'm', aggregation_type: 'sum_agg', field_name: 'v', expression: null })).toEqual({ field: 'v', numeric: true });
	});

	test('an expression without spaces is an expression: no field is checked', () => {
		expect(fieldRule({ code: 'm', aggregation_type: 'sum_agg', field_name: 'v', expression: 'round(event.properties.a)' })).toEqual({ field: undefined, numeric: false });
		expect(fieldRule({ code: 'm', aggregation_type: 'unique_count_agg', field_name: 'v', expression: ' x ' })).toEqual({ field: undefined, numeric: false });
	});

	test('custom_agg needs no field even when it names one', () => {
		expect(fieldRule({ code: 'm', aggregation_type: 'custom_agg', field_name: 'v' })).toEqual({ field: undefined, numeric: false });
	});
});

describe('jsonText and plainDecimal: the text Postgres reads', () => {
	test.each([
		[10, '10'],
		[1e21, '1000000000000000000000'],
		[-1e-7, '-0.0000001'],
		[Number.NaN, undefined],
		[Infinity, undefined],
		[-Infinity, undefined],
		[false, 'false'],
		[true, 'true'],
		['', ''],
		[[1, 'a'], '[1,"a"]'],
	])('jsonText(%p) is %p', (value, text) => {
		expect(jsonText(value)).toBe(text);
	});

	test.each([
		[0, '0'],
		[-0, '0'],
		[123.456, '123.456'],
		[-1e-7, '-0.0000001'],
		[1.2345e-10, '0.00000000012345'],
		[-1.5e21, '-1500000000000000000000'],
		[9.87654321e25, '98765432100000000000000000'],
		[5e-324, `0.${'0'.repeat(323)}5`],
		[Number.MAX_VALUE, `17976931348623157${'0'.repeat(292)}`],
	])('plainDecimal(%p) is %p', (n, text) => {
		expect(plainDecimal(n)).toBe(text);
	});
});

describe('distance: Levenshtein edit distance', () => {
	test.each([
		['', '', 0],
		['', 'abc', 3],
		['abc', '', 3],
		['abc', 'abc', 0],
		['a', 'b', 1],
		['ab', 'ba', 2],
		['abc', 'abcd', 1],
		['abcd', 'abc', 1],
		['abcd', 'acd', 1],
		['acd', 'abcd', 1],
		['flaw', 'lawn', 2],
		['kitten', 'sitting', 3],
		['sitting', 'kitten', 3],
		['saturday', 'sunday', 3],
		['abcdef', 'azced', 3],
	])('distance(%p, %p) is %p', (a, b, d) => {
		expect(distance(a, b)).toBe(d);
	});
});

describe('MetricIndex: malformed metric lists', () => {
	test('entries that are not metrics with a text code are skipped', () => {
		const index = new MetricIndex([null, { code: 5, aggregation_type: 'count_agg' }, { aggregation_type: 'count_agg' }, { code: 'ok', aggregation_type: 'count_agg' }] as unknown as BillableMetric[]);
		expect(index.size).toBe(1);
		expect(index.check({ code: 'ok' })).toEqual([]);
		expect(index.check({ code: '5' }).map((p) => p.error)).toEqual(['invalid_code']);
	});

	test('size counts each code once', () => {
		expect(new MetricIndex([]).size).toBe(0);
		expect(
			new MetricIndex([
				{ code: 'a', aggregation_type: 'count_agg' },
				{ code: 'b', aggregation_type: 'count_agg' },
				{ code: 'a', aggregation_type: 'sum_agg', field_name: 'v' },
			]).size,
		).toBe(2);
	});

	test('a null filter entry and a filter whose key is not text are ignored; the others still apply', () => {
		const metrics = [{ code: 'm', aggregation_type: 'count_agg', filters: [null, { key: 5, values: ['a'] }, { key: 'region', values: ['eu'] }] }] as unknown as BillableMetric[];
		expect(problems(metrics, 'm', { 5: 'b', region: 'eu' })).toEqual([]);
		expect(problems(metrics, 'm', { region: 'us' }).map((p) => `${p.error}:${p.field}`)).toEqual(['invalid_filter_values:region']);
	});

	test('a filter whose values are not a list accepts no value, and its fix lists none', () => {
		const metrics = [{ code: 'm', aggregation_type: 'count_agg', filters: [{ key: 'region', values: null }] }] as unknown as BillableMetric[];
		expect(problems(metrics, 'm', { region: 'eu' })).toEqual([
			{
				error: 'invalid_filter_values',
				field: 'region',
				message: 'Property "region" is "eu", not a value billable metric "m" filters on (invalid_filter_values)',
				fix: '"region" must be one of , or left out. Or add "eu" to the metric\'s filter in Lago.',
			},
		]);
	});

	test('a metric whose filters are not a list has no filters', () => {
		const metrics = [{ code: 'm', aggregation_type: 'count_agg', filters: { key: 'region', values: ['eu'] } }] as unknown as BillableMetric[];
		expect(problems(metrics, 'm', { region: 'us', key: 'x' })).toEqual([]);
	});
});

describe('missing_aggregation_property: the numeric text rule, character by character', () => {
	const sum: BillableMetric[] = [{ code: 's', aggregation_type: 'sum_agg', field_name: 'v' }];

	test.each(['10', '7', '007', '-5', '1.25', '-0.125', '10.50'])('%p is a number', (text) => {
		expect(problems(sum, 's', { v: text })).toEqual([]);
	});

	test.each([0, -0, 1e21, -1e21, 1e-7, -1e-7, 5e-324, Number.MAX_VALUE, 0.1 + 0.2])('the number %p is a number', (n) => {
		expect(problems(sum, 's', { v: n })).toEqual([]);
	});

	test.each(['a1', '1a', '1.', '-', '--5', '1.2.3', '1..2', '1.a', 'a.5', '-a', '5-', '1 ', '１'])('%p is not a number', (text) => {
		expect(problems(sum, 's', { v: text })).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'v',
				message: `Property "v" is "${text}", not a number, and billable metric "s" sums it (missing_aggregation_property)`,
				fix: NUMBER_FIX('v'),
			},
		]);
	});
});

describe('missing_aggregation_property: every text, exactly', () => {
	const metrics: BillableMetric[] = [
		{ code: 'total', aggregation_type: 'sum_agg', field_name: 'gb' },
		{ code: 'peak', aggregation_type: 'max_agg', field_name: 'gb' },
		{ code: 'last', aggregation_type: 'latest_agg', field_name: 'gb' },
		{ code: 'weighted', aggregation_type: 'weighted_sum_agg', field_name: 'gb' },
		{ code: 'seats', aggregation_type: 'unique_count_agg', field_name: 'user_id' },
		{ code: 'future', aggregation_type: 'some_future_agg', field_name: 'x' },
		{ code: 'odd', aggregation_type: 'toString', field_name: 'x' },
	];
	const index = new MetricIndex(metrics);
	const check = (code: string, properties?: Record<string, unknown>) => index.check({ code, properties });

	test.each([
		['total', 'sums'],
		['peak', 'takes the maximum of'],
		['last', 'takes the latest'],
		['weighted', 'sums (weighted)'],
	])('%s: absent, null and text each say what the metric does with the field', (code, verb) => {
		expect(check(code, {})).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'gb',
				message: `The event has no property "gb", which billable metric "${code}" ${verb} (missing_aggregation_property)`,
				fix: `Add the property "gb" (a number), e.g. 10 or "10.5". ${STORE}`,
			},
		]);
		expect(check(code, { gb: null })).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'gb',
				message: `Property "gb" is null, and billable metric "${code}" ${verb} it (missing_aggregation_property)`,
				fix: `Add the property "gb" (a number), e.g. 10 or "10.5". ${STORE}`,
			},
		]);
		expect(check(code, { gb: 'ten' })).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'gb',
				message: `Property "gb" is "ten", not a number, and billable metric "${code}" ${verb} it (missing_aggregation_property)`,
				fix: NUMBER_FIX('gb'),
			},
		]);
	});

	test('a property set to undefined is absent, as JSON sends it', () => {
		expect(check('total', { gb: undefined })[0].message).toBe('The event has no property "gb", which billable metric "total" sums (missing_aggregation_property)');
	});

	test.each([Number.NaN, Infinity, -Infinity])('%p is sent as null, and said so', (n) => {
		expect(check('total', { gb: n })).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'gb',
				message: 'Property "gb" is null, and billable metric "total" sums it (missing_aggregation_property)',
				fix: `Add the property "gb" (a number), e.g. 10 or "10.5". ${STORE}`,
			},
		]);
	});

	test.each([
		[true, 'true'],
		[false, 'false'],
		[{ v: 1 }, '{"v":1}'],
		[[1, 2], '[1,2]'],
		['say "hi"', '"say "hi""'],
	])('a value that is not a number is shown as sent: %p as %s', (value, shownAs) => {
		expect(check('total', { gb: value })[0].message).toBe(`Property "gb" is ${shownAs}, not a number, and billable metric "total" sums it (missing_aggregation_property)`);
	});

	test('unique_count_agg: any value but null counts; absent and null are reported without "a number"', () => {
		expect(check('seats', { user_id: 'abc' })).toEqual([]);
		expect(check('seats', { user_id: 12.5 })).toEqual([]);
		expect(check('seats', { user_id: false })).toEqual([]);
		expect(check('seats', {})).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'user_id',
				message: 'The event has no property "user_id", which billable metric "seats" counts the distinct values of (missing_aggregation_property)',
				fix: `Add the property "user_id". ${STORE}`,
			},
		]);
		expect(check('seats', { user_id: null })).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'user_id',
				message: 'Property "user_id" is null, and billable metric "seats" counts the distinct values of it (missing_aggregation_property)',
				fix: `Add the property "user_id". ${STORE}`,
			},
		]);
	});

	test('an aggregation the node does not know "aggregates" its field, which must be present but need not be a number', () => {
		expect(check('future', { x: 'abc' })).toEqual([]);
		expect(check('future')).toEqual([
			{
				error: 'missing_aggregation_property',
				field: 'x',
				message: 'The event has no property "x", which billable metric "future" aggregates (missing_aggregation_property)',
				fix: `Add the property "x". ${STORE}`,
			},
		]);
		expect(check('future', { x: null })[0].message).toBe('Property "x" is null, and billable metric "future" aggregates it (missing_aggregation_property)');
	});

	test('an aggregation named like a property every object inherits ("toString") still "aggregates" its field', () => {
		expect(check('odd').map((p) => p.message)).toEqual(['The event has no property "x", which billable metric "odd" aggregates (missing_aggregation_property)']);
	});

	test('a property the event inherits is not one it has', () => {
		expect(check('total', Object.create({ gb: 10 }) as Record<string, unknown>).map((p) => p.message)).toEqual([
			'The event has no property "gb", which billable metric "total" sums (missing_aggregation_property)',
		]);
	});
});

describe('invalid_filter_values', () => {
	const metrics: BillableMetric[] = [
		{
			code: 'requests',
			aggregation_type: 'count_agg',
			filters: [
				{ key: 'region', values: ['eu', 'us'] },
				{ key: 'tier', values: ['10', 'true', 'gold'] },
			],
		},
	];
	const check = (properties?: Record<string, unknown>) => problems(metrics, 'requests', properties);

	test('a filter key the event inherits is not read', () => {
		expect(check(Object.create({ region: 'asia' }) as Record<string, unknown>)).toEqual([]);
	});

	test('an event without properties passes every filter', () => {
		expect(check(undefined)).toEqual([]);
	});

	test.each([Number.NaN, Infinity, null, undefined])('%p (sent as null or left out) is not flagged', (value) => {
		expect(check({ region: value, tier: value })).toEqual([]);
	});

	test('false is the text "false", not a value of the filter', () => {
		expect(check({ tier: false }).map((p) => p.message)).toEqual(['Property "tier" is false, not a value billable metric "requests" filters on (invalid_filter_values)']);
	});

	test('a number is shown as a number, a text as written', () => {
		expect(check({ tier: 10.5, region: 'a "b"' })).toEqual([
			{
				error: 'invalid_filter_values',
				field: 'region',
				message: 'Property "region" is "a "b"", not a value billable metric "requests" filters on (invalid_filter_values)',
				fix: '"region" must be one of eu, us, or left out. Or add "a "b"" to the metric\'s filter in Lago.',
			},
			{
				error: 'invalid_filter_values',
				field: 'tier',
				message: 'Property "tier" is 10.5, not a value billable metric "requests" filters on (invalid_filter_values)',
				fix: '"tier" must be one of 10, true, gold, or left out. Or add 10.5 to the metric\'s filter in Lago.',
			},
		]);
	});

	test('a missing field and a bad filter value are both reported, field first', () => {
		const both: BillableMetric[] = [{ code: 'm', aggregation_type: 'sum_agg', field_name: 'gb', filters: [{ key: 'region', values: ['eu'] }] }];
		expect(problems(both, 'm', { gb: 'x', region: 'us' }).map((p) => p.message)).toEqual([
			'Property "gb" is "x", not a number, and billable metric "m" sums it (missing_aggregation_property)',
			'Property "region" is "us", not a value billable metric "m" filters on (invalid_filter_values)',
		]);
	});
});

describe('invalid_code: the suggestion and the cache', () => {
	const suggestionFor = (known: string[], code: string) => {
		const fix = new MetricIndex(known.map((c) => ({ code: c, aggregation_type: 'count_agg' }))).check({ code })[0].fix;
		const match = /\(did you mean "([^"]*)"\?\)/.exec(fix);
		return match === null ? undefined : match[1];
	};

	test('the problem, exactly, with no suggestion', () => {
		expect(problems([{ code: 'storage_gb', aggregation_type: 'count_agg' }], 'zzzzzzzzzzzz')).toEqual([
			{
				error: 'invalid_code',
				field: 'code',
				message: 'No billable metric in Lago has the code "zzzzzzzzzzzz" (invalid_code)',
				fix: unknownCodeFix('zzzzzzzzzzzz'),
			},
		]);
	});

	test('case is ignored when looking for a close code, and the suggestion keeps the metric\'s case', () => {
		expect(problems([{ code: 'api_calls', aggregation_type: 'count_agg' }], 'API_CALL')[0].fix).toBe(unknownCodeFix('API_CALL', 'api_calls'));
	});

	test.each([
		['a 2-character code 1 edit away (the least limit is 1)', ['abc'], 'ab', 'abc'],
		['a 9-character code 3 edits away (a third of 9)', ['abcdefghi'], 'abcdefxyz', 'abcdefghi'],
		['a 9-character code 4 edits away', ['abcdefghi'], 'abcdwxyzi', undefined],
		['a 5-character code 2 edits away (a third of 5 is 1)', ['abcde'], 'abcxy', undefined],
		['a code 3 characters longer, 3 edits away, for a 9-character code', ['abcdefghijkl'], 'abcdefghi', 'abcdefghijkl'],
		['a code 4 characters longer is never suggested, though within a third of 12', ['abcdefghijklmnop'], 'abcdefghijkl', undefined],
		['the closest code, not the last one looked at', ['abcd1', 'wxyz1'], 'abcd2', 'abcd1'],
		['the closest code, not the first one looked at', ['abxy1', 'abcd1', 'abzz1'], 'abcd2', 'abcd1'],
		['of two codes equally close, the first', ['abcd1', 'abcd2'], 'abcd3', 'abcd1'],
		['no code at all', [], 'abcd', undefined],
	])('%s: suggests %p', (_name, known, code, suggestion) => {
		expect(suggestionFor(known, code)).toBe(suggestion);
	});

	test('an unknown code\'s problem is computed once and reused', () => {
		const index = new MetricIndex([{ code: 'storage_gb', aggregation_type: 'count_agg' }]);
		const first = index.check({ code: 'storage_gbb' })[0];
		expect(index.check({ code: 'storage_gbb' })[0]).toBe(first);
	});

	test('the cache keeps the first 1000 unknown codes: the 1000th is reused, the 1001st computed each time', () => {
		const index = new MetricIndex([]);
		const problemOf = (code: string): MetricProblem => index.check({ code })[0];
		for (let i = 1; i < 1000; i++) problemOf(`c${i}`);
		expect(problemOf('c1000')).toBe(problemOf('c1000'));
		const late = problemOf('c1001');
		expect(problemOf('c1001')).not.toBe(late);
		expect(problemOf('c1001')).toEqual(late);
		expect(problemOf('c1')).toBe(problemOf('c1'));
	});
});

describe('describeProblems', () => {
	const problem = (n: number): MetricProblem => ({ error: 'invalid_code', field: 'code', message: `message ${n}`, fix: `fix ${n}` });

	test('one problem: its message alone, and its fix', () => {
		expect(describeProblems([problem(1)])).toEqual({ message: 'Not sent: message 1', fix: 'fix 1' });
	});

	test('two problems: "1 more problem", singular; the fixes one per line', () => {
		expect(describeProblems([problem(1), problem(2)])).toEqual({ message: 'Not sent: message 1, and 1 more problem', fix: 'fix 1\nfix 2' });
	});

	test('three problems: "2 more problems"', () => {
		expect(describeProblems([problem(1), problem(2), problem(3)])).toEqual({ message: 'Not sent: message 1, and 2 more problems', fix: 'fix 1\nfix 2\nfix 3' });
	});
});
