import { FALLBACK, compileExpression, evaluateExpression, splitChunks } from '../../nodes/LagoEvents/shared/fastExpression';
import type { FastExpression } from '../../nodes/LagoEvents/shared/fastExpression';
import { containsExpression, rawParameter } from '../../nodes/LagoEvents/shared/parameterReader';

const evaluate = (raw: string, json: unknown) => evaluateExpression(compileExpression(raw) as FastExpression, json);

describe('compileExpression', () => {
	test.each([
		['={{ $json.a }}', { type: 'single', node: { type: 'path', segments: [{ key: 'a', optional: false }] } }],
		['={{$json.a?.b}}', { type: 'single', node: { type: 'path', segments: [{ key: 'a', optional: false }, { key: 'b', optional: true }] } }],
		['={{ $json.list[2] }}', { type: 'single', node: { type: 'path', segments: [{ key: 'list', optional: false }, { key: 2, optional: false }] } }],
		["={{ $json['ü-x'] ?? 'd' }}", { type: 'single', node: { type: 'coalesce', operands: [{ type: 'path', segments: [{ key: 'ü-x', optional: false }] }, { type: 'literal', value: 'd' }] } }],
		['=id-{{ $json.a }}', { type: 'template', parts: ['id-', { type: 'path', segments: [{ key: 'a', optional: false }] }] }],
		['={{ { gb: -1.5, "r": [true, null] } }}', { type: 'single', node: { type: 'object', entries: [['gb', { type: 'literal', value: -1.5 }], ['r', { type: 'array', elements: [{ type: 'literal', value: true }, { type: 'literal', value: null }] }]] } }],
	])('%s', (raw, compiled) => {
		expect(compileExpression(raw)).toEqual(compiled);
	});

	test.each([
		['={{ $json }}'],
		['={{ $json.a + 1 }}'],
		['={{ $json.a || "x" }}'],
		['={{ ($json).a }}'],
		['={{ $json.a() }}'],
		['={{ $json.a.constructor }}'],
		['=x.constructor {{ $json.a }}'],
		['={{ $json.__proto__ }}'],
		['={{ $json.hasOwnProperty }}'],
		['={{ $json.toLocaleString ?? 1 }}'],
		['={{ $json["a\\"b"] }}'],
		['={{ $json[a] }}'],
		['={{ $json[-1] }}'],
		['={{ $json.a?.5:1 }}'],
		['={{ 0x10 }}'],
		['={{ 1_000 }}'],
		['={{ 1n }}'],
		['={{ undefined }}'],
		['={{ { __proto__: 1 } }}'],
		['={{ { a } }}'],
		['={{ [1,,2] }}'],
		['={{ "a\nb" }}'],
		['={{ }}'],
		['={{ $json.a'],
		['=no code'],
		['='],
		['{{ $json.a }}'],
		[42],
	])('leaves %p to n8n', (raw) => {
		expect(compileExpression(raw)).toBeUndefined();
	});
});

test('splitChunks cuts at the first }} as tournament does', () => {
	expect(splitChunks('a{{ {x:{y:1}} }}b')).toEqual([
		{ type: 'text', text: 'a' },
		{ type: 'code', text: ' {x:{y:1', closed: true },
		{ type: 'text', text: ' }}b' },
	]);
	expect(compileExpression('=a{{ {x:{y:1}} }}b')).toBeUndefined();
});

describe('evaluateExpression', () => {
	const json = {
		a: { b: 'x', n: 0, f: false, nil: null, o: {}, arr: [1, 'two'] },
		'a b': 5,
		list: ['p', 'q'],
		s: 'str',
		u: { x: undefined },
		proto: JSON.parse('{"x": {"__proto__": 1}}'),
		hole: [1, , 2], // eslint-disable-line no-sparse-arrays
	};
	test.each([
		['={{ $json.a.b }}', 'x'],
		['={{ $json.a.n }}', 0],
		['={{ $json.a.f }}', false],
		['={{ $json.a.nil }}', null],
		['={{ $json["a b"] }}', 5],
		['={{ $json.list[1] }}', 'q'],
		['={{ $json.list[9] }}', undefined],
		['={{ $json.missing }}', undefined],
		['={{ $json.missing?.x.y }}', undefined],
		['={{ $json.a.nil ?? $json.a.n }}', 0],
		['={{ $json.missing ?? "d" }}', 'd'],
		['={{ $json.a.f ?? "d" }}', false],
		['=n={{ $json.a.n }} f={{ $json.a.f }} nil={{ $json.a.nil }} m={{ $json.missing }}', 'n=0 f=false nil= m='],
		['=[{{ { x: 1 } }}] [{{ [1, null, [2, 3]] }}]', '[[object Object]] [1,,2,3]'],
		['={ "gb": {{ 1e21 }} }', '{ "gb": 1e+21 }'],
	])('%s', (raw, expected) => {
		expect(evaluate(raw, json)).toBe(expected);
	});

	test('object literals are built fresh', () => {
		expect(evaluate('={{ { gb: $json.a.n, s: $json.s, m: $json.missing } }}', json)).toStrictEqual({ gb: 0, s: 'str', m: undefined });
	});

	test.each([
		['={{ $json.missing.x }}'],
		['={{ $json.s.length }}'],
		['={{ $json.list.x }}'],
		['={{ $json.a[0] }}'],
		['={{ $json.u }}'],
		['={{ $json.proto }}'],
		['={{ $json.hole }}'],
	])('falls back for %s', (raw) => {
		expect(compileExpression(raw)).toBeDefined();
		expect(evaluate(raw, json)).toBe(FALLBACK);
	});

	test('objects and arrays from the item come as fresh copies, rendered in text as JavaScript does', () => {
		const got = evaluate('={{ $json.a }}', json) as { o: object; arr: unknown[] };
		expect(got).toStrictEqual(json.a);
		expect(got).not.toBe(json.a);
		expect(got.arr).not.toBe(json.a.arr);
		expect(evaluate('=x {{ $json.a.o }} {{ $json.a.arr }}', json)).toBe('x [object Object] 1,two');
		expect(evaluate('={{ { o: $json.a.arr } }}', json)).toStrictEqual({ o: [1, 'two'] });
	});

	test('a Date or class instance in the item falls back', () => {
		expect(evaluate('={{ $json.d }}', { d: new Date(0) })).toBe(FALLBACK);
		expect(evaluate('={{ $json.d.x }}', { d: new (class { x = 1 })() })).toBe(FALLBACK);
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
