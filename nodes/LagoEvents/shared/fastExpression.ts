/**
 * Exact evaluation, without n8n's expression engine, of the expression forms people write in a mapped field:
 * - `={{ $json.a.b }}`, `={{ $json['a b'][0] }}`, `={{ $json.a?.b }}`: a path into the item;
 * - `={{ $json.a ?? 'x' }}`: a path with a default (null and undefined both take it);
 * - `={{ { gb: $json.gb, region: 'eu' } }}`, `={{ [$json.a, 1] }}`: object and array literals of the above;
 * - `=order-{{ $json.id }}`, `={ "gb": {{ $json.gb }} }`: templates mixing text and the above.
 *
 * n8n (1.x and 2.x, legacy and vm engines) splits the parameter into text and `{{ }}` code chunks with tournament: one
 * code chunk and nothing else returns the value as it is; anything else renders every code chunk as
 * `v || v === 0 || v === false ? v : ''` and joins the parts with `Array.prototype.join('')`. This file does the same,
 * with the same chunking, for a small grammar. Whatever it does not understand exactly is left to n8n: compile returns
 * undefined for the parameter, and evaluate returns FALLBACK for an item whose data falls outside what is certain
 * (values read from the item must be JSON-like: strings, numbers, booleans, null, plain objects and arrays of those, or
 * a missing key of a plain object).
 */

/** Returned by evaluate when this item must go through n8n's engine. */
export const FALLBACK: unique symbol = Symbol('fallback');
export type Fallback = typeof FALLBACK;

type Key = string | number;

export type FastNode =
	| { type: 'literal'; value: string | number | boolean | null }
	| { type: 'path'; segments: Array<{ key: Key; optional: boolean }> }
	| { type: 'coalesce'; operands: FastNode[] }
	| { type: 'object'; entries: Array<[string, FastNode]> }
	| { type: 'array'; elements: FastNode[] };

export type FastExpression =
	/** `={{ code }}`: the value as it is. */
	| { type: 'single'; node: FastNode }
	/** Text and code chunks, joined as text. */
	| { type: 'template'; parts: Array<string | FastNode> };

// n8n refuses these keys (`isSafeObjectProperty`), or they reach into prototypes: never take them on the fast path.
const UNSAFE_KEYS = new Set([
	'__proto__', 'prototype', 'constructor', 'getPrototypeOf', 'setPrototypeOf', 'getOwnPropertyDescriptor', 'getOwnPropertyDescriptors',
	'defineProperty', 'defineProperties', 'mainModule', 'binding', '_linkedBinding', '_load', 'prepareStackTrace', '__lookupGetter__',
	'__lookupSetter__', '__defineGetter__', '__defineSetter__', 'caller', 'callee', 'arguments', 'getBuiltinModule', 'dlopen', 'execve',
	'loadEnvFile', 'toJSON', 'isProxy',
]);
// n8n's vm engine answers these from the prototype of its proxy even when the item has such a key (`hasOwnProperty`).
const isUnsafeKey = (key: string): boolean => UNSAFE_KEYS.has(key) || key in Object.prototype;

// Names n8n's expression sandbox treats specially when they are written in the expression: `$` anywhere but as the
// last property of a bare member expression throws "Cannot access "$" without calling it as a function"
// (`$json.order.$.id`, `{ $: 1 }`); `globalThis` is swapped for `{}`; the other two are the sandbox's own variables.
// The fast path leaves any expression that names them, however written, to n8n.
const RESERVED_NAMES = new Set(['$', 'globalThis', '___n8n_data', '__sanitize']);
const isRefusedName = (key: string): boolean => isUnsafeKey(key) || RESERVED_NAMES.has(key);

// The vm engine's bridge marks what crosses the isolate with these keys: an object holding `__isError: true` becomes an
// evaluation error, and `__isObject` / `__isArray` change how it is read. Item data holding them goes to n8n.
const BRIDGE_MARKERS = ['__isError', '__isObject', '__isArray'];

// The vm engine copies a result out of its isolate under a memory limit ("Expression exceeded memory limit", e.g. an
// array of 200,000 objects). A value read from the item larger than this many members goes to n8n, whose answer
// (the value or that error) is then the node's; far below the limit, and far above any event's properties.
const MAX_COPIED_MEMBERS = 10_000;

// ---------------------------------------------------------------------------------------------------------------------
// Chunking, as tournament's splitExpression does it (backslash escapes are left to n8n).

interface Chunk {
	type: 'text' | 'code';
	text: string;
	closed?: boolean;
}

export function splitChunks(expression: string): Chunk[] | undefined {
	if (expression.includes('\\')) return undefined;
	const chunks: Chunk[] = [];
	let index = 0;
	while (index < expression.length) {
		const open = expression.indexOf('{{', index);
		if (open === -1) {
			chunks.push({ type: 'text', text: expression.slice(index) });
			return chunks;
		}
		chunks.push({ type: 'text', text: expression.slice(index, open) });
		const close = expression.indexOf('}}', open + 2);
		if (close === -1) return undefined; // an unclosed {{ is code to n8n; leave it to n8n
		chunks.push({ type: 'code', text: expression.slice(open + 2, close), closed: true });
		index = close + 2;
	}
	if (chunks.length === 0) chunks.push({ type: 'text', text: '' });
	return chunks;
}

// ---------------------------------------------------------------------------------------------------------------------
// Tokens and a recursive-descent parser for the grammar:
//   expr     := operand ('??' operand)*
//   operand  := literal | path | object | array
//   path     := '$json' ( ('.' | '?.') name | '?.'? '[' (index | string) ']' )*
//   object   := '{' ( key ':' expr (',' key ':' expr)* ','? )? '}'      key := name | string
//   array    := '[' ( expr (',' expr)* ','? )? ']'

type Token =
	| { t: 'punct'; v: string }
	| { t: 'name'; v: string }
	| { t: 'string'; v: string }
	| { t: 'number'; v: number };

const NAME = /^[A-Za-z_$][\w$]*/;
// A decimal literal as JavaScript reads it, without legacy octal (012), separators (1_0), hex or BigInt (1n).
const NUMBER = /^(?:(?:0|[1-9]\d*)(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?(?![\w$.])/;
const PUNCTUATORS = ['??', '?.', '{', '}', '[', ']', ',', ':', '.', '-'];

export function tokenize(code: string): Token[] | undefined {
	const tokens: Token[] = [];
	let i = 0;
	while (i < code.length) {
		const c = code[i];
		if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
			i++;
			continue;
		}
		if (c === '"' || c === "'") {
			const end = code.indexOf(c, i + 1);
			if (end === -1) return undefined;
			const text = code.slice(i + 1, end);
			if (/[\n\r\u2028\u2029]/.test(text)) return undefined;
			tokens.push({ t: 'string', v: text });
			i = end + 1;
			continue;
		}
		const rest = code.slice(i);
		// `?.` followed by a digit is the conditional operator and a number (`a?.5:1`), which this grammar does not have.
		if (/^\?\.\d/.test(rest)) return undefined;
		// A number before punctuation: NUMBER only matches a leading `.` when a digit follows (`.5`).
		const number = NUMBER.exec(rest);
		if (number) {
			tokens.push({ t: 'number', v: Number(number[0]) });
			i += number[0].length;
			continue;
		}
		const punct = PUNCTUATORS.find((p) => rest.startsWith(p));
		if (punct) {
			tokens.push({ t: 'punct', v: punct });
			i += punct.length;
			continue;
		}
		const name = NAME.exec(rest);
		if (name) {
			tokens.push({ t: 'name', v: name[0] });
			i += name[0].length;
			continue;
		}
		return undefined;
	}
	return tokens;
}

class Parser {
	private position = 0;

	constructor(private readonly tokens: Token[]) {}

	parse(): FastNode | undefined {
		const node = this.expression();
		return node && this.position === this.tokens.length ? node : undefined;
	}

	private peek(offset = 0): Token | undefined {
		return this.tokens[this.position + offset];
	}

	private isPunct(value: string, offset = 0): boolean {
		const token = this.peek(offset);
		return token?.t === 'punct' && token.v === value;
	}

	private expression(): FastNode | undefined {
		const first = this.operand();
		if (!first) return undefined;
		const operands = [first];
		while (this.isPunct('??')) {
			this.position++;
			const next = this.operand();
			if (!next) return undefined;
			operands.push(next);
		}
		return operands.length === 1 ? first : { type: 'coalesce', operands };
	}

	private operand(): FastNode | undefined {
		const token = this.peek();
		if (!token) return undefined;
		if (token.t === 'string') {
			this.position++;
			return { type: 'literal', value: token.v };
		}
		if (token.t === 'number') {
			this.position++;
			return { type: 'literal', value: token.v };
		}
		// Strings and numbers were taken above: what is left is punctuation or a name.
		if (token.t === 'punct') {
			if (token.v === '-' && this.peek(1)?.t === 'number') {
				this.position += 2;
				return { type: 'literal', value: -(this.tokens[this.position - 1].v as number) };
			}
			if (token.v === '{') return this.object();
			if (token.v === '[') return this.array();
		} else {
			if (token.v === 'true' || token.v === 'false') {
				this.position++;
				return { type: 'literal', value: token.v === 'true' };
			}
			if (token.v === 'null') {
				this.position++;
				return { type: 'literal', value: null };
			}
			if (token.v === '$json') return this.path();
		}
		return undefined;
	}

	private path(): FastNode | undefined {
		this.position++; // $json
		const segments: Array<{ key: Key; optional: boolean }> = [];
		for (;;) {
			const optional = this.isPunct('?.');
			if (this.isPunct('.') || optional) {
				const name = this.peek(1);
				if (name?.t === 'name') {
					if (isRefusedName(name.v)) return undefined;
					segments.push({ key: name.v, optional });
					this.position += 2;
					continue;
				}
				if (!optional || !this.isPunct('[', 1)) return undefined;
				this.position++; // ?. before [
			}
			if (this.isPunct('[')) {
				const key = this.peek(1);
				if (!this.isPunct(']', 2) || !key) return undefined;
				// Number tokens carry no sign (`-` is a token of its own), so a safe integer here is an index.
				if (Number.isSafeInteger(key.v)) segments.push({ key: key.v, optional });
				else if (key.t === 'string' && !isRefusedName(key.v)) segments.push({ key: key.v, optional });
				else return undefined;
				this.position += 3;
				continue;
			}
			// `$json` alone is the whole item, an object: the engine's business.
			if (optional || segments.length === 0) return undefined;
			return { type: 'path', segments };
		}
	}

	private object(): FastNode | undefined {
		this.position++; // {
		const entries: Array<[string, FastNode]> = [];
		const seen = new Set<string>();
		while (!this.isPunct('}')) {
			const key = this.peek();
			if (!key || (key.t !== 'name' && key.t !== 'string') || !this.isPunct(':', 1)) return undefined;
			// Integer-like keys are reordered by JavaScript and duplicate keys overwrite: leave both to n8n.
			if (isRefusedName(key.v) || /^\d/.test(key.v) || seen.has(key.v)) return undefined;
			seen.add(key.v);
			this.position += 2;
			const value = this.expression();
			if (!value) return undefined;
			entries.push([key.v, value]);
			if (this.isPunct(',')) this.position++;
			else if (!this.isPunct('}')) return undefined;
		}
		this.position++; // }
		return { type: 'object', entries };
	}

	private array(): FastNode | undefined {
		this.position++; // [
		const elements: FastNode[] = [];
		while (!this.isPunct(']')) {
			const element = this.expression();
			if (!element) return undefined;
			elements.push(element);
			if (this.isPunct(',')) this.position++;
			else if (!this.isPunct(']')) return undefined;
		}
		this.position++; // ]
		return { type: 'array', elements };
	}
}

export function parseCode(code: string): FastNode | undefined {
	const tokens = tokenize(code);
	return tokens && tokens.length ? new Parser(tokens).parse() : undefined;
}

/**
 * The fast form of a parameter as stored in the workflow (`=...`), or undefined when n8n's engine must evaluate it.
 */
export function compileExpression(raw: unknown): FastExpression | undefined {
	if (typeof raw !== 'string' || !raw.startsWith('=')) return undefined;
	// n8n refuses any expression containing `.constructor`, wherever it is.
	if (/\.\s*constructor/.test(raw)) return undefined;
	const chunks = splitChunks(raw.slice(1));
	if (!chunks) return undefined;
	// Chunks alternate text and code, starting with text: two chunks are a text and a code chunk.
	if (chunks.length === 2 && chunks[0].text === '') {
		const node = parseCode(chunks[1].text);
		return node ? { type: 'single', node } : undefined;
	}
	// `=` alone and plain text are returned by n8n as they are; leave those rare cases to n8n.
	if (!chunks.some((chunk) => chunk.type === 'code')) return undefined;
	const parts: Array<string | FastNode> = [];
	for (const chunk of chunks) {
		if (chunk.type === 'text') {
			if (chunk.text !== '') parts.push(chunk.text);
			continue;
		}
		const node = parseCode(chunk.text);
		if (!node) return undefined;
		parts.push(node);
	}
	return { type: 'template', parts };
}

// ---------------------------------------------------------------------------------------------------------------------
// Evaluation against one item's json.

const hasOwn = Object.prototype.hasOwnProperty;

// Also false for strings, numbers and booleans (their prototypes are String.prototype and so on).
function isPlainRecord(value: unknown): value is Record<string, unknown> {
	const proto = Object.getPrototypeOf(value);
	return proto === Object.prototype || proto === null;
}

function readPath(json: unknown, segments: Array<{ key: Key; optional: boolean }>): unknown {
	let current: unknown = json;
	for (const { key, optional } of segments) {
		if (current === null || current === undefined) {
			// `a?.b` on a missing a is undefined; `a.b` is a TypeError that n8n swallows: leave that to n8n.
			if (optional) return undefined;
			return FALLBACK;
		}
		if (Array.isArray(current)) {
			if (typeof key !== 'number') return FALLBACK;
			if (key >= current.length) {
				current = undefined;
				continue;
			}
			if (!hasOwn.call(current, key)) return FALLBACK;
			current = current[key];
			continue;
		}
		if (typeof key !== 'string' || !isPlainRecord(current) || hasBridgeMarker(current)) return FALLBACK;
		if (hasOwn.call(current, key)) {
			current = current[key];
		} else {
			if (key in current) return FALLBACK;
			current = undefined;
		}
	}
	return current === undefined ? undefined : plainCopy(current, 0, { members: 0 });
}

const MAX_DEPTH = 32;

const hasBridgeMarker = (value: object): boolean => BRIDGE_MARKERS.some((marker) => hasOwn.call(value, marker));

/**
 * A JSON-like value as n8n's engines hand it over: scalars as they are, plain objects and arrays as a fresh copy (the
 * vm engine copies them out of its isolate; the legacy one returns the item's own object, which serialises the same).
 * FALLBACK for anything else: undefined inside, Dates, class instances, holes, keys n8n's proxies treat specially.
 */
function plainCopy(value: unknown, depth: number, budget: { members: number }): unknown {
	if (value === null) return null;
	const type = typeof value;
	if (type === 'string' || type === 'number' || type === 'boolean') return value;
	if (type !== 'object' || depth >= MAX_DEPTH) return FALLBACK;
	if (Array.isArray(value)) {
		if (Object.getPrototypeOf(value) !== Array.prototype) return FALLBACK;
		budget.members += value.length;
		if (budget.members > MAX_COPIED_MEMBERS) return FALLBACK;
		// A property beside the indexes (`list.total = 3`) is kept by n8n's legacy engine and lost by a copy.
		if (Object.keys(value).length !== value.length) return FALLBACK;
		const copy: unknown[] = [];
		for (let i = 0; i < value.length; i++) {
			if (!hasOwn.call(value, i)) return FALLBACK;
			const element = plainCopy(value[i], depth + 1, budget);
			if (element === FALLBACK) return FALLBACK;
			copy.push(element);
		}
		return copy;
	}
	if (Object.getPrototypeOf(value) !== Object.prototype || hasBridgeMarker(value as object)) return FALLBACK;
	const keys = Object.keys(value as object);
	budget.members += keys.length;
	if (budget.members > MAX_COPIED_MEMBERS) return FALLBACK;
	const copy: Record<string, unknown> = {};
	for (const key of keys) {
		if (isUnsafeKey(key)) return FALLBACK;
		const member = plainCopy((value as Record<string, unknown>)[key], depth + 1, budget);
		if (member === FALLBACK) return FALLBACK;
		copy[key] = member;
	}
	return copy;
}

function evaluateNode(node: FastNode, json: unknown): unknown {
	switch (node.type) {
		case 'literal':
			return node.value;
		case 'path':
			return readPath(json, node.segments);
		case 'coalesce': {
			let value: unknown;
			for (const operand of node.operands) {
				value = evaluateNode(operand, json);
				// FALLBACK, neither null nor undefined, ends the chain too.
				if (value !== null && value !== undefined) return value;
			}
			return value;
		}
		case 'object': {
			const result: Record<string, unknown> = {};
			for (const [key, valueNode] of node.entries) {
				const value = evaluateNode(valueNode, json);
				if (value === FALLBACK) return FALLBACK;
				result[key] = value;
			}
			return result;
		}
		case 'array': {
			const result: unknown[] = [];
			for (const element of node.elements) {
				const value = evaluateNode(element, json);
				if (value === FALLBACK) return FALLBACK;
				result.push(value);
			}
			return result;
		}
	}
}

/** What n8n's engine returns for this item, or FALLBACK when only the engine can tell. */
export function evaluateExpression(expression: FastExpression, json: unknown): unknown {
	if (expression.type === 'single') return evaluateNode(expression.node, json);
	const rendered: unknown[] = [];
	for (const part of expression.parts) {
		if (typeof part === 'string') {
			rendered.push(part);
			continue;
		}
		const value = evaluateNode(part, json);
		if (value === FALLBACK) return FALLBACK;
		// tournament's rendering of a code chunk inside text; join then stringifies as JavaScript does.
		rendered.push(value || value === 0 || value === false ? value : '');
	}
	return rendered.join('');
}
