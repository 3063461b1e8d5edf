import { containsExpression, parseSimpleJsonPath, rawParameter, readScalarAtPath } from '../../nodes/LagoEvents/shared/parameterReader';

describe('parseSimpleJsonPath', () => {
	test.each([
		['={{ $json.a }}', ['a']],
		['={{$json.a}}', ['a']],
		['={{ $json.a.b_c.$d }}', ['a', 'b_c', '$d']],
		['={{ $json.list[2] }}', ['list', 2]],
		['={{ $json["a b"] }}', ['a b']],
		["={{ $json['ü-x'].y }}", ['ü-x', 'y']],
	])('%s', (raw, path) => {
		expect(parseSimpleJsonPath(raw)).toEqual(path);
	});

	test.each([
		['={{ $json }}'],
		['={{ $json.a + 1 }}'],
		['={{ $json.a || "x" }}'],
		['={{ ($json).a }}'],
		['={{ $json.a() }}'],
		['={{ $json.a }} '],
		['=x {{ $json.a }}'],
		['={{ $json.a }}{{ $json.b }}'],
		['{{ $json.a }}'],
		['={{ $input.item.json.a }}'],
		['={{ $json["a\\"b"] }}'],
		['={{ $json[a] }}'],
		[42],
	])('not a simple path: %p', (raw) => {
		expect(parseSimpleJsonPath(raw)).toBeUndefined();
	});
});

describe('readScalarAtPath', () => {
	const json = { a: { b: 'x', n: 0, f: false, nil: null, o: {}, arr: [1, 'two'] }, 'a b': 5, list: ['p', 'q'] };
	test.each([
		[['a', 'b'], 'x'],
		[['a', 'n'], 0],
		[['a', 'f'], false],
		[['a b'], 5],
		[['list', 1], 'q'],
		[['a', 'arr', 1], 'two'],
	])('%j', (path, expected) => {
		expect(readScalarAtPath(json, path)).toBe(expected);
	});

	test.each([[['a', 'nil']], [['a', 'o']], [['a', 'missing']], [['missing', 'x']], [['a', 'b', 'length']], [['list', '0']], [['a', 0]], [['a', 'arr']], [['constructor']], [['a', '__proto__']]])('falls back for %j', (path) => {
		expect(readScalarAtPath(json, path)).toBeUndefined();
	});
});

test('containsExpression looks inside collections', () => {
	expect(containsExpression('=x')).toBe(true);
	expect(containsExpression('x')).toBe(false);
	expect(containsExpression({ property: [{ key: 'a', value: '={{ 1 }}' }] })).toBe(true);
	expect(containsExpression({ property: [{ key: 'a', value: '1' }] })).toBe(false);
	expect(containsExpression(undefined)).toBe(false);
});

test('rawParameter reads dotted and indexed names', () => {
	const parameters = { properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] }, additionalFields: {} };
	expect(rawParameter(parameters, 'properties.property[0].value')).toBe('={{ $json.gb }}');
	expect(rawParameter(parameters, 'additionalFields.preciseTotalAmountCents')).toBeUndefined();
	expect(rawParameter(parameters, 'missing.deep[3].x')).toBeUndefined();
});
