'use strict';
/**
 * The expression forms and item values the fast path is proven against: in-process against n8n-core's own
 * getNodeParameter (test/operations/fastPathDifferential.test.ts, fastPath.test.ts) and in real n8n 1.x and 2.x with
 * their default engines (e2e/fast-path.e2e.test.js).
 *
 * Every item carries the value under test in several places: `v`, `nested.deep.v`, `list[0]`, `with space`. A
 * "missing" value leaves those keys out. `fast` says whether the form must compile to the fast path; forms marked
 * false must always go to n8n's engine. `minHits` is how many of the items at least must take the fast path (by default
 * every item). `json` marks forms also tried as the Properties (JSON) parameter.
 */

const MISSING = Symbol('missing');

/** label, value; JSON-safe unless `inProcessOnly` (real n8n items travel as JSON). */
const values = [
	['text', 'sub_demo_1'],
	['empty string', ''],
	['padded', ' padded '],
	['"0"', '0'],
	['"00123"', '00123'],
	['"-1"', '-1'],
	['"1.5"', '1.5'],
	['"1e21"', '1e21'],
	['epoch text', '1700000000'],
	['ISO date text', '2026-11-01T10:00:00Z'],
	['JSON object text', '{"a":1}'],
	['JSON array text', '[1,2]'],
	['"true"', 'true'],
	['"null"', 'null'],
	['unicode', 'ü-ñ-漢字 🚀'],
	['quote', 'say "hi"'],
	['apostrophe', "it's"],
	['newline', 'line\nbreak'],
	['backslash', 'back\\slash'],
	['expression text', '={{ 1 }}'],
	['braces text', '{{ 2 }}'],
	['0', 0],
	['-1', -1],
	['1.5', 1.5],
	['1e21', 1e21],
	['2^53+2', 2 ** 53 + 2],
	['epoch seconds', 1700000000.25],
	['true', true],
	['false', false],
	['null', null],
	['missing', MISSING],
	['nested object', { a: 1, b: { c: [1, 'x', null] } }],
	['array', [1, 'two', null, true]],
	['empty array', []],
	['empty object', {}],
	['nested arrays', [[1, 2], [3]]],
];

function makeItem(value, index) {
	const item = { id: `fp-${index}`, s: 'str', num: 7, n: null, nested: { deep: {} }, list: [] };
	if (value !== MISSING) {
		item.v = value;
		item.nested.deep.v = value;
		item.list = [value];
		item['with space'] = value;
	}
	return item;
}

const items = () => values.map(([, value], index) => makeItem(value, index));

/**
 * In-process only (the differential test), after `values`: keys n8n's sandbox or the vm engine's bridge treat
 * specially, as data. `$` and `globalThis` are plain data keys to n8n (the XML node stores attributes under `$`); the
 * bridge markers are the vm engine's (`__isError: true` becomes an evaluation error there), so the fast path leaves
 * those items to n8n (`engine: true`: never fast).
 */
const specialValues = [
	// Keys n8n's sandbox or the vm engine's bridge treat specially, as data: `$` and `globalThis` are plain data keys
	// to n8n (the XML node stores attributes under `$`); the bridge markers are the engine's (`__isError: true` is an
	// evaluation error under vm), so the fast path leaves those items to n8n (`engine: true`: never fast).
	['XML attributes under $', { $: { id: 'a1' }, _: 'text' }],
	['globalThis key', { globalThis: 1, window: 2 }],
	['__isError object', { __isError: true, message: 'not an error' }, { engine: true }],
	['__isError false', { __isError: false }, { engine: true }],
	['__isObject marker', { __isObject: true, __keys: ['a'], a: 1 }, { engine: true }],
	['__isArray marker', { __isArray: true, __length: 2 }, { engine: true }],
	['__isError in a list', [{ __isError: true }], { engine: true }],
];
const allValues = [...values, ...specialValues];
const allItems = () => allValues.map(([, value], index) => makeItem(value, index));
/** How many of allValues the fast path must answer itself (the others are the engine's by design). */
const fastValueCount = allValues.filter(([, , flags]) => !(flags && flags.engine)).length;

const forms = [
	// $json paths
	{ form: '={{ $json.v }}', fast: true },
	{ form: '={{$json.v}}', fast: true },
	{ form: '={{   $json.v\n }}', fast: true },
	{ form: '={{ $json.nested.deep.v }}', fast: true },
	{ form: '={{ $json["with space"] }}', fast: true },
	{ form: "={{ $json['with space'] }}", fast: true },
	{ form: "={{ $json['nested']['deep']['v'] }}", fast: true },
	{ form: '={{ $json.list[0] }}', fast: true },
	{ form: '={{ $json.list[5] }}', fast: true },
	{ form: '={{ $json.list?.[0] }}', fast: true },
	{ form: '={{ $json.nested?.deep?.v }}', fast: true },
	{ form: '={{ $json.nope?.deep.v }}', fast: true },
	{ form: '={{ $json.nope }}', fast: true },
	// defaults
	{ form: "={{ $json.v ?? 'x' }}", fast: true },
	{ form: '={{ $json.v ?? "" }}', fast: true },
	{ form: '={{ $json.v ?? 0 }}', fast: true },
	{ form: '={{ $json.v ?? -1.5 }}', fast: true },
	{ form: '={{ $json.v ?? null }}', fast: true },
	{ form: '={{ $json.v ?? false }}', fast: true },
	{ form: '={{ $json.v ?? $json.s }}', fast: true },
	{ form: "={{ $json.nope ?? $json.v ?? 'none' }}", fast: true },
	{ form: "={{ $json.nested.deep.v ?? 'none' }}", fast: true },
	{ form: '={{ $json.list[0] ?? $json.num }}', fast: true },
	// constants
	{ form: "={{ 'text' }}", fast: true },
	{ form: '={{ 1e21 }}', fast: true },
	{ form: '={{ -0 }}', fast: true },
	// object and array literals
	{ form: '={{ { gb: $json.v } }}', fast: true, json: true },
	{ form: "={{ { gb: $json.v, region: 'eu', n: 1, ok: true, none: null } }}", fast: true, json: true },
	{ form: "={{ {\"gb\": $json.v, 'label': $json.s,} }}", fast: true, json: true },
	{ form: '={{ { outer: { inner: $json.v }, list: [$json.v, 1, null] } }}', fast: true, json: true },
	{ form: '={{ { gb: $json.v ?? 0, missing: $json.nope } }}', fast: true, json: true },
	{ form: '={{ { } }}', fast: true, json: true },
	{ form: '={{ [$json.v, $json.s] }}', fast: true },
	{ form: '={{ [] }}', fast: true },
	// templates
	{ form: '=order-{{ $json.v }}', fast: true },
	{ form: '={{ $json.v }}-suffix', fast: true },
	{ form: '= {{ $json.v }}', fast: true },
	{ form: '={{ $json.v }} ', fast: true },
	{ form: '={{ $json.v }}{{ $json.s }}', fast: true },
	{ form: '={{ $json.v }}/{{ $json.num }}/{{ $json.n }}/{{ $json.nope }}', fast: true },
	{ form: '=a {{ $json.nested.deep.v }} b {{ $json.list[0] }} c', fast: true },
	{ form: "=v={{ $json.v ?? 'default' }}", fast: true },
	{ form: '=obj {{ { a: $json.v } }}', fast: true },
	{ form: '=arr {{ [$json.v, 2, null, [3, $json.v]] }}', fast: true },
	{ form: '=first line\nsecond {{ $json.v }}', fast: true },
	{ form: '=}} {{ $json.v }} {', fast: true },
	// JSON text with embedded expressions
	{ form: '={ "gb": {{ $json.v }} }', fast: true, json: true },
	{ form: '={ "gb": "{{ $json.v }}" }', fast: true, json: true },
	{ form: '={ "gb": {{ $json.num }}, "label": "{{ $json.v }}" }', fast: true, json: true },
	{ form: '={\n  "gb": {{ $json.v ?? 0 }},\n  "region": "eu"\n}', fast: true, json: true },
	{ form: '={ "list": [{{ $json.num }}, {{ $json.num }}] }', fast: true, json: true },
	// forms n8n's engine must evaluate
	{ form: '={{ ($json).v }}', fast: false },
	{ form: '={{ $json.v + 1 }}', fast: false },
	{ form: "={{ $json.v || 'x' }}", fast: false },
	// compiled, but the item's data sends them to the engine: a.b on a missing a, .length of a string
	{ form: '={{ $json.nope.deep }}', fast: true, minHits: 0 },
	{ form: '={{ $json.v?.length }}', fast: true, minHits: 2 },
	{ form: '={{ $json.hasOwnProperty }}', fast: false },
	{ form: '={{ JSON.stringify($json.v) }}', fast: false },
	{ form: '={{ $json.v ? 1 : 2 }}', fast: false },
	{ form: '={{ `t-${$json.v}` }}', fast: false },
	{ form: '=a\\{{ $json.v }}', fast: false },
	{ form: '={{ $json.v }', fast: false },
	{ form: '={{ { 1: $json.v } }}', fast: false },
	{ form: '={{ { a: 1, a: 2 } }}', fast: false },
	{ form: '={{ $json["a\\"b"] }}', fast: false },
	{ form: '={{ 012 }}', fast: false },
	{ form: '=plain text', fast: false },
	// `$` and `globalThis` written as names: n8n's sandbox throws for `$` (anywhere but a bare `obj.$`) and swaps
	// `globalThis` for {}; the fast path refuses any expression naming them, or the sandbox's own variables.
	{ form: '={{ $json.v.$.id }}', fast: false },
	{ form: '={{ $json.v.$ }}', fast: false },
	{ form: '={{ $json.v?.$ }}', fast: false },
	{ form: '={{ $json["$"] }}', fast: false },
	{ form: '={{ { $: $json.v } }}', fast: false, json: true },
	{ form: '={{ { "$": $json.v } }}', fast: false, json: true },
	{ form: '={{ { a: { $: 1 } } }}', fast: false, json: true },
	{ form: '={{ $json.globalThis }}', fast: false },
	{ form: '={{ $json.v.globalThis }}', fast: false },
	{ form: '={{ { globalThis: $json.v } }}', fast: false, json: true },
	{ form: '=x-{{ $json.v.$ }}', fast: false },
	{ form: '={{ $json.__sanitize }}', fast: false },
	{ form: '={{ $json.___n8n_data }}', fast: false },
	{ form: '={{ $json.__isError }}', fast: true, minHits: 0 },
	// more of our own: names next to the reserved ones stay fast, and paths into the special data
	{ form: '={{ $json.$v }}', fast: true },
	{ form: '={{ $json.v$ }}', fast: true },
	{ form: '={{ { $v: $json.v, _: $json.s } }}', fast: true, json: true },
	{ form: "={{ $json.v['_'] ?? $json.v?.globalThis ?? 'none' }}", fast: false },
	{ form: "={{ $json.v?.['_'] ?? 'none' }}", fast: true, minHits: 0 },
	{ form: "={{ $json.v?.message ?? 'none' }}", fast: true, minHits: 0 },
	{ form: '={{ [$json.v, [$json.list, { l: $json.list }]] }}', fast: true },
	{ form: '=t {{ [$json.v] }} {{ { x: $json.nested } }}', fast: true },
];

/** The same expression written so that n8n's engine evaluates it: `$json` becomes `($json)`, which the fast path refuses. */
function engineOnly(form) {
	return form.replace(/\{\{([\s\S]*?)\}\}/g, (whole, code) => `{{${code.replace(/\$json\b/g, '($json)')}}}`);
}

module.exports = { MISSING, values, items, allValues, allItems, fastValueCount, makeItem, forms, engineOnly };
