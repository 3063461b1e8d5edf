import { Workflow } from 'n8n-workflow';
import type { INode, INodeExecutionData, INodeTypes } from 'n8n-workflow';

import { FALLBACK, compileExpression, evaluateExpression, parseCode, splitChunks, tokenize } from '../../nodes/LagoEvents/shared/fastExpression';

/**
 * Edges of the fast path (fastExpression.ts) that parameterReader.test.ts and the differential corpus do not pin down
 * one by one (issue 23, mutation score): every refused name, each whitespace and punctuation character, each number
 * form, each parser refusal, the exact bounds of depth and size, and how each kind of value renders in text. Where the
 * fast path gives a value, the same expression is also evaluated by n8n's own engine (n8n-workflow's Expression, legacy
 * engine, in-process) and must give the same value: the fast path must equal n8n or leave the item to it.
 */

const NOT_COMPILED = Symbol('not compiled');

/** The fast path's answer: the value, FALLBACK (this item is n8n's), or NOT_COMPILED (the parameter is n8n's). */
function fast(raw: unknown, json: unknown = {}): unknown {
	const compiled = compileExpression(raw);
	return compiled === undefined ? NOT_COMPILED : evaluateExpression(compiled, json);
}

const node: INode = { id: 'n1', name: 'N', type: 'test.node', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeTypes = { getByName: () => ({ description: { properties: [] } }), getByNameAndVersion: () => ({ description: { properties: [] } }), getKnownTypes: () => ({}) } as unknown as INodeTypes;
const workflow = new Workflow({ id: 'w', name: 'w', nodes: [node], connections: {}, active: false, nodeTypes, settings: {} });

/** What n8n's engine gives for `raw` on an item holding `json`, or the error it throws. */
function n8n(raw: string, json: object): { value: unknown } | { error: string } {
	const items: INodeExecutionData[] = [{ json: json as never }];
	try {
		return { value: workflow.expression.getParameterValue(raw, null, 0, 0, 'N', items, 'manual', {}, { node, data: { main: [items] }, source: null }) };
	} catch (error) {
		return { error: (error as Error).message };
	}
}

/** The fast path gives `expected`, and so does n8n. */
function expectSameAsN8n(raw: string, json: object, expected: unknown): void {
	expect(fast(raw, json)).toStrictEqual(expected);
	expect(n8n(raw, json)).toStrictEqual({ value: expected });
}

const ITEM = {
	s: 'str',
	n: 7,
	z: 0,
	b: true,
	f: false,
	nil: null,
	empty: '',
	list: ['p', 'q'],
	obj: { a: 1, inner: { b: [1, 'x', null] } },
	'with space': 3,
	'': 5,
};

// ---------------------------------------------------------------------------------------------------------------------

const UNSAFE_KEYS = [
	'__proto__', 'prototype', 'constructor', 'getPrototypeOf', 'setPrototypeOf', 'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors',
	'defineProperty', 'defineProperties', 'mainModule', 'binding', '_linkedBinding', '_load', 'prepareStackTrace', '__lookupGetter__',
	'__lookupSetter__', '__defineGetter__', '__defineSetter__', 'caller', 'callee', 'arguments', 'getBuiltinModule', 'dlopen', 'execve',
	'loadEnvFile', 'toJSON', 'isProxy',
];
const RESERVED_NAMES = ['$', 'globalThis', '___n8n_data', '__sanitize'];
// Not in the list above, but keys of Object.prototype, which n8n's vm engine answers from its proxy's prototype.
const PROTOTYPE_KEYS = ['toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString'];

describe('names the fast path never reads or writes', () => {
	test.each([...UNSAFE_KEYS, ...RESERVED_NAMES, ...PROTOTYPE_KEYS])('%s is left to n8n as a bracket key, a dotted name and an object key', (key) => {
		expect(fast(`={{ $json["${key}"] }}`)).toBe(NOT_COMPILED);
		expect(fast(`={{ $json.obj['${key}'] }}`)).toBe(NOT_COMPILED);
		expect(fast(`={{ $json.obj?.["${key}"] }}`)).toBe(NOT_COMPILED);
		expect(fast(`={{ { "${key}": 1 } }}`)).toBe(NOT_COMPILED);
		if (/^[A-Za-z_$][\w$]*$/.test(key)) {
			expect(fast(`={{ $json.obj.${key} }}`)).toBe(NOT_COMPILED);
			expect(fast(`={{ $json.obj?.${key} }}`)).toBe(NOT_COMPILED);
			expect(fast(`={{ { ${key}: 1 } }}`)).toBe(NOT_COMPILED);
		}
	});

	test('the empty key and names next to the refused ones are read like any other', () => {
		expectSameAsN8n('={{ $json[""] }}', ITEM, 5);
		expectSameAsN8n("={{ $json[''] ?? 1 }}", { '': { '': 2 } }, { '': 2 });
		expectSameAsN8n('={{ { "": $json.s, a1: 1, $a: 2, _: 3, protoType: 4, to: 5 } }}', ITEM, { '': 'str', a1: 1, $a: 2, _: 3, protoType: 4, to: 5 });
		expectSameAsN8n('={{ $json.obj.a }}', ITEM, 1);
		expectSameAsN8n('={{ $json.$a ?? $json.a$ ?? $json.__proto ?? $json.proto }}', { $a: null, a$: null, __proto: null, proto: 'p' }, 'p');
	});

	test.each([
		['a key of Object.prototype', '{"toString": 1}'],
		['a key only on the refused list', '{"prototype": 1}'],
		['__proto__ as an own key', '{"__proto__": 1}'],
		['a refused key deeper down', '{"ok": [{"toJSON": 1}]}'],
	])('item data holding %s goes to n8n', (_name, text) => {
		const json = { v: JSON.parse(text) as unknown };
		expect(fast('={{ $json.v }}', json)).toBe(FALLBACK);
		expect(fast('={{ [$json.v] }}', json)).toBe(FALLBACK);
	});

	test('item data holding the reserved names is plain data, as it is to n8n', () => {
		expectSameAsN8n('={{ $json.v }}', { v: { $: { id: 'a1' }, globalThis: 1, __sanitize: 2, ___n8n_data: 3 } }, { $: { id: 'a1' }, globalThis: 1, __sanitize: 2, ___n8n_data: 3 });
	});

	test.each(['__isError', '__isObject', '__isArray'])('item data marked %s goes to n8n, read whole or through', (marker) => {
		const json = { e: { [marker]: false, message: 'm' }, list: [{ [marker]: true }] };
		expect(fast('={{ $json.e }}', json)).toBe(FALLBACK);
		expect(fast('={{ $json.e.message }}', json)).toBe(FALLBACK);
		expect(fast('={{ $json.list }}', json)).toBe(FALLBACK);
		expect(fast('={{ $json.s }}', { [marker]: false, s: 'x' })).toBe(FALLBACK);
	});

	test('an item with an empty key and no marker is read', () => {
		expectSameAsN8n('={{ $json.e.message }}', { e: { '': 1, message: 'm' } }, 'm');
	});
});

// ---------------------------------------------------------------------------------------------------------------------

describe('splitChunks: the chunks tournament makes', () => {
	test.each([
		['', [{ type: 'text', text: '' }]],
		['abc', [{ type: 'text', text: 'abc' }]],
		['{{ x }}', [{ type: 'text', text: '' }, { type: 'code', text: ' x ', closed: true }]],
		['a{{b}}c', [{ type: 'text', text: 'a' }, { type: 'code', text: 'b', closed: true }, { type: 'text', text: 'c' }]],
		['a{{b}}', [{ type: 'text', text: 'a' }, { type: 'code', text: 'b', closed: true }]],
		['{{a}}{{b}}', [{ type: 'text', text: '' }, { type: 'code', text: 'a', closed: true }, { type: 'text', text: '' }, { type: 'code', text: 'b', closed: true }]],
		['x}}{{b}}', [{ type: 'text', text: 'x}}' }, { type: 'code', text: 'b', closed: true }]],
		['{{}}}', [{ type: 'text', text: '' }, { type: 'code', text: '', closed: true }, { type: 'text', text: '}' }]],
		['a {{ b }} cd {{ e }} f', [
			{ type: 'text', text: 'a ' },
			{ type: 'code', text: ' b ', closed: true },
			{ type: 'text', text: ' cd ' },
			{ type: 'code', text: ' e ', closed: true },
			{ type: 'text', text: ' f' },
		]],
	])('%p', (expression, chunks) => {
		expect(splitChunks(expression)).toEqual(chunks);
	});

	test.each([['a{{b'], ['{{'], ['a{{b}}c{{d'], ['a\\{{b}}'], ['\\']])('%p (unclosed, or with a backslash) is left to n8n', (expression) => {
		expect(splitChunks(expression)).toBeUndefined();
	});
});

// ---------------------------------------------------------------------------------------------------------------------

describe('tokenize', () => {
	test('space, tab, newline and carriage return separate tokens', () => {
		expect(tokenize(' \t\n\r1 \t\n\r')).toEqual([{ t: 'number', v: 1 }]);
		expect(tokenize('a b\tc\nd\re')).toEqual(['a', 'b', 'c', 'd', 'e'].map((v) => ({ t: 'name', v })));
	});

	test('each punctuator is one token', () => {
		expect(tokenize('?? ?. { } [ ] , : . -')).toEqual(['??', '?.', '{', '}', '[', ']', ',', ':', '.', '-'].map((v) => ({ t: 'punct', v })));
		expect(tokenize('a?.b??c')).toEqual([{ t: 'name', v: 'a' }, { t: 'punct', v: '?.' }, { t: 'name', v: 'b' }, { t: 'punct', v: '??' }, { t: 'name', v: 'c' }]);
	});

	test('strings in either quote, empty ones too, and the other quote inside', () => {
		expect(tokenize(`"a" 'b' '' "" "it's" 'say "hi"'`)).toEqual(['a', 'b', '', '', "it's", 'say "hi"'].map((v) => ({ t: 'string', v })));
		expect(tokenize(`x'a b'y`)).toEqual([{ t: 'name', v: 'x' }, { t: 'string', v: 'a b' }, { t: 'name', v: 'y' }]);
	});

	test.each([["'ab"], ['"ab'], ['"a\nb"'], ['"a\rb"'], ['"a\u2028b"'], ['"a\u2029b"']])('%j (unclosed, or with a line break) is no token', (code) => {
		expect(tokenize(code)).toBeUndefined();
	});

	test('names take letters, digits, _ and $ after the first character, and stop at anything else', () => {
		expect(tokenize('a1 $json _x $ $1a')).toEqual(['a1', '$json', '_x', '$', '$1a'].map((v) => ({ t: 'name', v })));
		expect(tokenize('$json.v1')).toEqual([{ t: 'name', v: '$json' }, { t: 'punct', v: '.' }, { t: 'name', v: 'v1' }]);
	});

	test.each([['@x'], ['x @'], ['#'], ['a + b'], ['a?.5:1'], ['?.5']])('%p is not in the grammar', (code) => {
		expect(tokenize(code)).toBeUndefined();
	});

	test('a number after a dot is one token (.5), a dot before a name is punctuation', () => {
		expect(tokenize('a.5')).toEqual([{ t: 'name', v: 'a' }, { t: 'number', v: 0.5 }]);
		expect(tokenize('a.b')).toEqual([{ t: 'name', v: 'a' }, { t: 'punct', v: '.' }, { t: 'name', v: 'b' }]);
		expect(tokenize('-1.5')).toEqual([{ t: 'punct', v: '-' }, { t: 'number', v: 1.5 }]);
	});
});

describe('number literals, as JavaScript reads them', () => {
	test.each([
		['0', 0],
		['1', 1],
		['12', 12],
		['123', 123],
		['1.25', 1.25],
		['1.', 1],
		['.25', 0.25],
		['.5', 0.5],
		['0.5e1', 5],
		['1e5', 100000],
		['1E-2', 0.01],
		['1e+5', 100000],
		['1e21', 1e21],
		['-1.5', -1.5],
		['-0', -0],
	])('%s is %p', (code, value) => {
		expectSameAsN8n(`={{ ${code} }}`, {}, value);
		expect(fast(`={{ ${code} }}`)).toBe(value);
	});

	test.each([['012'], ['1a'], ['1.5.5'], ['1e'], ['1$'], ['1_0'], ['0x1'], ['1n']])('%s is left to n8n', (code) => {
		expect(fast(`={{ ${code} }}`)).toBe(NOT_COMPILED);
	});
});

// ---------------------------------------------------------------------------------------------------------------------

describe('what compileExpression builds', () => {
	const path = (...keys: Array<string | number>) => ({ type: 'path', segments: keys.map((key) => ({ key, optional: false })) });
	test.each([
		['={{ $json.s }}', { type: 'single', node: path('s') }],
		['={{ 7 }}', { type: 'single', node: { type: 'literal', value: 7 } }],
		['={{ -2 }}', { type: 'single', node: { type: 'literal', value: -2 } }],
		['={{ $json.a ?? $json.b ?? "d" }}', { type: 'single', node: { type: 'coalesce', operands: [path('a'), path('b'), { type: 'literal', value: 'd' }] } }],
		['={{ $json.list?.[1] }}', { type: 'single', node: { type: 'path', segments: [{ key: 'list', optional: false }, { key: 1, optional: true }] } }],
		['={{ $json.a?.b.c }}', { type: 'single', node: { type: 'path', segments: [{ key: 'a', optional: false }, { key: 'b', optional: true }, { key: 'c', optional: false }] } }],
		['={{ { a: [null] } }}', { type: 'single', node: { type: 'object', entries: [['a', { type: 'array', elements: [{ type: 'literal', value: null }] }]] } }],
		['={{ $json.s }}-x', { type: 'template', parts: [path('s'), '-x'] }],
		['=a{{ $json.s }}', { type: 'template', parts: ['a', path('s')] }],
		['={{ $json.s }}{{ 1 }}', { type: 'template', parts: [path('s'), { type: 'literal', value: 1 }] }],
	])('%s (empty text chunks are not kept)', (raw, compiled) => {
		expect(compileExpression(raw)).toStrictEqual(compiled);
	});

	test('a value without the leading = is not an expression, even one holding {{ }}', () => {
		expect(compileExpression('plain text')).toBeUndefined();
		expect(compileExpression('x{{ $json.s }}')).toBeUndefined();
	});

	test('parseCode reads one code chunk, and nothing from no tokens or a character outside the grammar', () => {
		expect(parseCode(' $json.a ')).toStrictEqual(path('a'));
		expect(parseCode('')).toBeUndefined();
		expect(parseCode('  ')).toBeUndefined();
		expect(parseCode('@')).toBeUndefined();
	});

	test.each([
		// what is not an expression, or not only this grammar
		[42],
		[undefined],
		['{{ $json.a }}'],
		['$json.a ='],
		['='],
		['=plain text'],
		['=a\\{{ $json.a }}'],
		['=x.constructor {{ $json.a }}'],
		['=x. constructor {{ $json.a }}'],
		["={{ 'a.constructor' }}"],
		['=a {{ $json.a + 1 }}'],
		['=a {{ $json.a }} {{ @ }}'],
		['={{ @ }}'],
		['={{ }}'],
		// the parser's refusals
		['={{ $json.a 1 }}'],
		['={{ ?? 1 }}'],
		['={{ $json.a ?? }}'],
		['={{ $json.a ?? ?? 1 }}'],
		['={{ - }}'],
		['={{ -true }}'],
		["={{ -'5' }}"],
		['={{ -$json.a }}'],
		['={{ ,1] }}'],
		['={{ ] }}'],
		['={{ : }}'],
		['={{ undefined }}'],
		['={{ $input.a }}'],
		['={{ $json }}'],
		['={{ $json. }}'],
		['={{ $json.a. }}'],
		['={{ $json.a?. }}'],
		['={{ $json.list.[0] }}'],
		["={{ $json.a?.'b' }}"],
		["={{ $json['a'x.b }}"],
		["={{ $json['a' }}"],
		['={{ $json[] }}'],
		['={{ $json.list[1.5] }}'],
		['={{ $json.list[9007199254740992] }}'],
		['={{ $json[a] }}'],
		['={{ $json[null] }}'],
		['={{ { a, 1 } }}'],
		['={{ { [: 1 } }}'],
		['={{ { 1: 2 } }}'],
		['={{ { "1a": 2 } }}'],
		['={{ { a: } }}'],
		['={{ { a: 1 b: 2 } }}'],
		['={{ { a: 1, a: 2 } }}'],
		// the chunk ends at the first }}: these objects and arrays are unclosed
		['={{ { a: 1, }}'],
		['={{ { a: 1 }}'],
		['={{ [1}}'],
		['={{ [1, }}'],
		['={{ [1 2] }}'],
		['={{ [1,,2] }}'],
		['={{ [, 1] }}'],
	])('leaves %p to n8n', (raw) => {
		expect(fast(raw)).toBe(NOT_COMPILED);
	});
});

// ---------------------------------------------------------------------------------------------------------------------

describe('values equal to n8n', () => {
	test.each([
		["={{ 'x' }}", 'x'],
		['={{ "y" }}', 'y'],
		['={{ true }}', true],
		['={{ false }}', false],
		['={{ null }}', null],
		['={{ [1] }}', [1]],
		['={{ [] }}', []],
		['={{ [1, 2,] }}', [1, 2]],
		['={{ {} }}', {}],
		['={{ { a: 1, } }}', { a: 1 }],
		['={{ { a1: $json.n, "b c": [true, null, $json.s], d: { e: -1 } } }}', { a1: 7, 'b c': [true, null, 'str'], d: { e: -1 } }],
		['={{ $json.s }}', 'str'],
		['={{ $json.n }}', 7],
		['={{ $json.z }}', 0],
		['={{ $json.b }}', true],
		['={{ $json.f }}', false],
		['={{ $json.nil }}', null],
		['={{ $json.empty }}', ''],
		['={{ $json.list[0] }}', 'p'],
		['={{ $json.list[1] }}', 'q'],
		['={{ $json.list?.[1] }}', 'q'],
		['={{ $json["with space"] }}', 3],
		['={{ $json.obj.inner.b[1] }}', 'x'],
		['={{ $json.obj }}', { a: 1, inner: { b: [1, 'x', null] } }],
		['={{ $json.missing ?? "d" }}', 'd'],
		['={{ $json.nil ?? "d" }}', 'd'],
		['={{ $json.s ?? "d" }}', 'str'],
		['={{ $json.z ?? "d" }}', 0],
		['={{ $json.f ?? "d" }}', false],
		['={{ $json.empty ?? "d" }}', ''],
		['={{ $json.missing ?? $json.nil ?? $json.n }}', 7],
		['={{ $json.missing?.x ?? $json.list[0] }}', 'p'],
		// `?.` and a digit is only the conditional operator where the code has it, not inside a string
		["={{ $json.missing ?? '?.5' }}", '?.5'],
		['={{ $json.missing ?? "a ?.5 b" }}', 'a ?.5 b'],
	])('%s', (raw, expected) => {
		expectSameAsN8n(raw, ITEM, expected);
	});

	test.each([
		['={{ $json.missing }}'],
		['={{ $json.list[2] }}'],
		['={{ $json.list[9] }}'],
		['={{ $json.missing?.x }}'],
		['={{ $json.nil?.x }}'],
		['={{ $json.missing?.x.y }}'],
		['={{ $json.obj.missing }}'],
		['={{ $json.obj?.missing?.[0] }}'],
	])('%s is undefined', (raw) => {
		expect(fast(raw, ITEM)).toBeUndefined();
		expect(n8n(raw, ITEM)).toStrictEqual({ value: undefined });
	});

	test('?? gives the last operand when all are missing or null, null included', () => {
		expectSameAsN8n('={{ $json.missing ?? $json.nil }}', ITEM, null);
		expect(fast('={{ $json.nil ?? $json.missing }}', ITEM)).toBeUndefined();
	});

	test('objects and arrays from the item are fresh copies', () => {
		const json = { o: { a: [1, { b: 2 }] } };
		const got = fast('={{ $json.o }}', json) as { a: [number, object] };
		expect(got).toStrictEqual({ a: [1, { b: 2 }] });
		expect(got).not.toBe(json.o);
		expect(got.a).not.toBe(json.o.a);
		expect(got.a[1]).not.toBe(json.o.a[1]);
	});

	test('a path through an object without a prototype is read; that object itself goes to n8n', () => {
		const json = { np: Object.assign(Object.create(null) as object, { x: 1 }) };
		expectSameAsN8n('={{ $json.np.x }}', json, 1);
		expect(fast('={{ $json.np.missing }}', json)).toBeUndefined();
		expect(fast('={{ $json.np }}', json)).toBe(FALLBACK);
	});
});

describe('items only n8n can answer', () => {
	class Instance {
		x = 1;
	}
	class List extends Array<number> {}
	const hole = [1, , 2]; // eslint-disable-line no-sparse-arrays
	const json = {
		s: 'str',
		n: 7,
		b: true,
		nil: null,
		list: [1, 2],
		obj: { a: 1 },
		hole,
		inst: new Instance(),
		date: new Date(0),
		sub: List.from([1, 2]),
		extra: Object.assign([1, 2], { total: 3 }),
		withUndefined: { u: undefined },
		listWithUndefined: [1, undefined],
		fn: () => 1,
	};
	test.each([
		['a name on a missing value', '={{ $json.missing.x }}'],
		['a name on null', '={{ $json.nil.x }}'],
		['an index on null', '={{ $json.nil[0] }}'],
		['a name on a string', '={{ $json.s.length }}'],
		['an index on a string', '={{ $json.s[0] }}'],
		['a name on a number', '={{ $json.n.x }}'],
		['a name on a boolean', '={{ $json.b.x }}'],
		['a name on a function', '={{ $json.fn.name }}'],
		['the length of a list', '={{ $json.list.length }}'],
		['a name on a list', '={{ $json.list.x }}'],
		['an index on an object', '={{ $json.obj[0] }}'],
		['a hole in a list', '={{ $json.hole[1] }}'],
		['a list with a hole', '={{ $json.hole }}'],
		['a class instance', '={{ $json.inst }}'],
		['a name on a class instance', '={{ $json.inst.x }}'],
		['a Date', '={{ $json.date }}'],
		['an Array subclass', '={{ $json.sub }}'],
		['a list with a property beside its indexes', '={{ $json.extra }}'],
		['an object holding undefined', '={{ $json.withUndefined }}'],
		['a list holding undefined', '={{ $json.listWithUndefined }}'],
		['a function', '={{ $json.fn }}'],
		['a fallback inside an object literal', '={{ { a: 1, b: $json.missing.x } }}'],
		['a fallback inside an array literal', '={{ [1, $json.missing.x] }}'],
		['a fallback before ??', '={{ $json.missing.x ?? 1 }}'],
		['a fallback after ??', '={{ $json.missing ?? $json.missing.x ?? 1 }}'],
		['a fallback in a template', '=a {{ $json.s }} {{ $json.missing.x }}'],
	])('%s', (_name, raw) => {
		expect(fast(raw, json)).toBe(FALLBACK);
	});

	test('a key inherited from a polluted Object.prototype goes to n8n', () => {
		const expression = compileExpression('={{ $json.zzPolluted }}');
		expect(expression).toBeDefined();
		const proto = Object.prototype as Record<string, unknown>;
		let polluted: unknown;
		proto.zzPolluted = 'polluted';
		try {
			polluted = evaluateExpression(expression!, { a: 1 });
		} finally {
			delete proto.zzPolluted;
		}
		expect(polluted).toBe(FALLBACK);
		expect(evaluateExpression(expression!, { a: 1 })).toBeUndefined();
	});

	test('a hole filled from a polluted Array.prototype goes to n8n', () => {
		// The property beside the indexes makes the key count equal the length, so only the hole itself is seen.
		const list = Object.assign([1, , 3], { extra: 1 }); // eslint-disable-line no-sparse-arrays
		const proto = Array.prototype as unknown as Record<number, unknown>;
		let polluted: unknown;
		proto[1] = 'polluted';
		try {
			polluted = fast('={{ $json.list }}', { list });
		} finally {
			delete proto[1];
		}
		expect(polluted).toBe(FALLBACK);
	});
});

describe('bounds of what is copied', () => {
	/** `levels` objects nested in one another, innermost `{ x: 1 }`; or arrays, innermost `[1]`. */
	const nested = (levels: number, kind: 'object' | 'array'): unknown => {
		let value: unknown = kind === 'object' ? { x: 1 } : [1];
		for (let i = 1; i < levels; i++) value = kind === 'object' ? { a: value } : [value];
		return value;
	};

	test.each(['object', 'array'] as const)('%s nesting: 32 levels (and the scalar inside) are copied, 33 go to n8n', (kind) => {
		const deep = nested(32, kind);
		expect(fast('={{ $json.v }}', { v: deep })).toStrictEqual(deep);
		expect(fast('={{ $json.v }}', { v: nested(33, kind) })).toBe(FALLBACK);
		// Depth counts from the value read, not from the item.
		expect(fast('={{ $json.w.v }}', { w: { v: deep } })).toStrictEqual(deep);
	});

	test('a list of 10,000 members is copied; 10,001 go to n8n', () => {
		const list = Array.from({ length: 10_000 }, (_, i) => i);
		expect(fast('={{ $json.v }}', { v: list })).toStrictEqual(list);
		expect(fast('={{ $json.v }}', { v: [...list, 10_000] })).toBe(FALLBACK);
	});

	test('an object of 10,000 keys is copied; 10,001 go to n8n', () => {
		const object = Object.fromEntries(Array.from({ length: 10_000 }, (_, i) => [`k${i}`, i]));
		expect(fast('={{ $json.v }}', { v: object })).toStrictEqual(object);
		expect(fast('={{ $json.v }}', { v: { ...object, last: 1 } })).toBe(FALLBACK);
	});

	test('the 10,000 members are counted over the whole value, at every level', () => {
		const half = Array.from({ length: 4_999 }, (_, i) => i);
		// 2 keys + 4,999 + 4,999 members = 10,000
		expect(fast('={{ $json.v }}', { v: { a: half, b: half } })).toStrictEqual({ a: half, b: half });
		expect(fast('={{ $json.v }}', { v: { a: half, b: [...half, 1] } })).toBe(FALLBACK);
		expect(fast('={{ $json.v }}', { v: [half, [...half, 1]] })).toBe(FALLBACK);
	});
});

describe('templates render each value as n8n does', () => {
	const json = { z: 0, f: false, t: true, nil: null, empty: '', nan: NaN, o: { a: 1 }, l: [1, [2, null]], s: 'str', n: -1.5 };
	test.each([
		['=a{{ $json.z }}b{{ $json.f }}c{{ $json.nil }}d{{ $json.missing }}e{{ $json.empty }}f{{ $json.nan }}g', 'a0bfalsecdefg'],
		['={{ $json.t }}|{{ $json.s }}|{{ $json.n }}|{{ $json.o }}|{{ $json.l }}', 'true|str|-1.5|[object Object]|1,2,'],
		['={{ $json.nil }}', null],
		['= {{ $json.nil }}', ' '],
		['={{ $json.nil }}{{ $json.missing }}', ''],
		['={{ $json.s }}-{{ 1 }}-{{ "x" }}', 'str-1-x'],
		['=[{{ [1, null, [false]] }}]', '[1,,false]'],
	])('%s', (raw, expected) => {
		expectSameAsN8n(raw, json, expected);
	});
});
