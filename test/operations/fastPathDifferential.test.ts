import { ExecuteContext, SupplyDataContext } from 'n8n-core';
import { Expression, Workflow } from 'n8n-workflow';
import type { IDataObject, IExecuteData, INode, INodeExecutionData, INodeParameters, INodeTypes, IRunExecutionData, IWorkflowExecuteAdditionalData } from 'n8n-workflow';

import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';
import { FALLBACK, compileExpression } from '../../nodes/LagoEvents/shared/fastExpression';
import { ParameterReader } from '../../nodes/LagoEvents/shared/parameterReader';
import { INSTANCE_URLS } from '../helpers/harness';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const corpus = require('./fastPathCorpus.js') as {
	MISSING: symbol;
	allValues: Array<[string, unknown, { engine?: boolean }?]>;
	allItems: () => IDataObject[];
	fastValueCount: number;
	makeItem: (value: unknown, index: number) => IDataObject;
	forms: Array<{ form: string; fast: boolean; json?: boolean; minHits?: number }>;
};

/**
 * The differential test of the fast path, in-process: every (form × value) pair is read once through
 * ParameterReader's fast path and once through n8n-core's own getNodeParameter (n8n-workflow's Expression), with the
 * `legacy` engine by default, or n8n's default `vm` engine (isolated-vm) with LAGO_TEST_EXPRESSION_ENGINE=vm under a
 * Node that has an isolated-vm build (22 or 24; the project's Node 20 has none), in the parameter slots the node
 * really reads: a key/value property row (string), External Subscription ID (string), Billable Metric Code (resource
 * locator) and Properties (JSON). Values must be identical (Object.is for scalars, deep-equal and JSON-identical for
 * objects), and each form must take the fast path as often as expected, so a fast path that silently falls back
 * everywhere fails.
 */

const lagoEvents = new LagoEvents();
const nodeTypes: INodeTypes = {
	getByName: () => lagoEvents,
	getByNameAndVersion: () => lagoEvents,
	getKnownTypes: () => ({}),
};

const ENGINE = process.env.LAGO_TEST_EXPRESSION_ENGINE === 'vm' ? 'vm' : 'legacy';

beforeAll(async () => {
	if (ENGINE === 'vm') await Expression.initExpressionEngine({ engine: 'vm', bridgeTimeout: 5000, bridgeMemoryLimit: 128, maxCodeCacheSize: 1024, poolSize: 1 } as never);
});

afterAll(async () => {
	if (ENGINE === 'vm') {
		await Expression.disposeExpressionEngine();
		Expression.setExpressionEngine('legacy');
	}
});

type Mode = 'node' | 'tool';

/**
 * The node's context as n8n builds it: 'node', the node's own run (ExecuteContext, `$json` is the input item); 'tool',
 * the node as an AI agent's tool (SupplyDataContext): `items` are the agent's input items, which `$json` reads, and
 * getInputData() holds tool-call arguments that differ from them in every field the forms read.
 */
function context(parameters: INodeParameters, items: IDataObject[], mode: Mode = 'node'): ExecuteContext | SupplyDataContext {
	const node: INode = {
		id: 'lago-node-1',
		name: 'Lago Events',
		type: 'n8n-nodes-lago.lagoEvents',
		typeVersion: 1,
		position: [0, 0],
		parameters: { resource: 'event', operation: 'createBatch', ...parameters },
	};
	const workflow = new Workflow({ id: 'wf-fast', name: 'fast', nodes: [node], connections: {}, active: false, nodeTypes, settings: { executionOrder: 'v1' } });
	const inputItems: INodeExecutionData[] = items.map((json, index) => ({ json, pairedItem: { item: index } }));
	const runExecutionData = {
		startData: {},
		resultData: { runData: {} },
		executionData: { contextData: {}, nodeExecutionStack: [], metadata: {}, waitingExecution: {}, waitingExecutionSource: {} },
	} as unknown as IRunExecutionData;
	const executeData: IExecuteData = { node, data: { main: [inputItems] }, source: null };
	const additionalData = {
		executionId: 'exec-fast',
		...INSTANCE_URLS,
		variables: {},
		userId: 'user-1',
	} as unknown as IWorkflowExecuteAdditionalData;
	if (mode === 'tool') {
		const agent: INode = { id: 'agent-1', name: 'AI Agent', type: 'test.agent', typeVersion: 1, position: [0, 0], parameters: {} };
		const agentData: IExecuteData = { node: agent, data: { main: [inputItems] }, source: null };
		const ctx = new SupplyDataContext(workflow, node, additionalData, 'manual', runExecutionData, 0, inputItems, {}, 'ai_tool', agentData, [], undefined, agent);
		const toolArgs = items.map((_, index) => ({ json: corpus.makeItem(`from the tool call ${index}`, 1000 + index) }));
		ctx.addInputData('ai_tool' as never, [toolArgs]);
		return ctx;
	}
	return new ExecuteContext(workflow, node, additionalData, 'manual', runExecutionData, 0, inputItems, { main: [inputItems] }, executeData, [], new AbortController().signal);
}

type Outcome = { value: unknown } | { error: string };

/** Runs `read` with the isolate the vm engine evaluates in, as n8n acquires one for each execution. */
async function withIsolate<T>(ctx: ExecuteContext | SupplyDataContext, read: () => T): Promise<T> {
	const expression = (ctx as unknown as { workflow: Workflow }).workflow.expression;
	const acquired = await expression.acquireIsolate();
	try {
		return read();
	} finally {
		if (acquired) await expression.releaseIsolate();
	}
}

function viaEngine(ctx: ExecuteContext | SupplyDataContext, name: string, itemIndex: number, locator: boolean): Outcome {
	try {
		return { value: ctx.getNodeParameter(name, itemIndex, undefined, { extractValue: locator }) };
	} catch (error) {
		return { error: (error as Error).message };
	}
}

/**
 * Object.is for scalars; for objects and arrays the same kind, the same keys in the same order and the same values,
 * undefined included. Prototypes are compared by constructor name: objects the vm engine copies out of its isolate
 * belong to Node's main realm, while this test runs in jest's own realm.
 */
function sameDeep(a: unknown, b: unknown): boolean {
	if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return Object.is(a, b);
	if (Array.isArray(a) !== Array.isArray(b)) return false;
	if (Object.getPrototypeOf(a)?.constructor?.name !== Object.getPrototypeOf(b)?.constructor?.name) return false;
	const keysA = Object.keys(a);
	const keysB = Object.keys(b);
	if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) return false;
	return keysA.every((key) => sameDeep((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

function same(fast: unknown, engine: unknown): boolean {
	return sameDeep(fast, engine) && JSON.stringify(fast) === JSON.stringify(engine);
}

const items = corpus.allItems();
const defaultMinHits = corpus.fastValueCount;
const MODES: Mode[] = ['node', 'tool'];

/** Where each form is tried: the parameter name, and the node parameters that put the form there. */
const slots: Array<{ slot: string; name: string; locator: boolean; parameters: (form: string) => INodeParameters; forms: (f: { json?: boolean }) => boolean }> = [
	{
		slot: 'key/value property',
		name: 'properties.property[0].value',
		locator: false,
		parameters: (form) => ({ propertiesInput: 'keyValue', properties: { property: [{ key: 'k', value: form }] } }),
		forms: () => true,
	},
	{ slot: 'External Subscription ID', name: 'externalSubscriptionId', locator: false, parameters: (form) => ({ externalSubscriptionId: form }), forms: () => true },
	{
		slot: 'Billable Metric Code (by code)',
		name: 'code',
		locator: true,
		parameters: (form) => ({ code: { __rl: true, mode: 'id', value: form } }),
		forms: () => true,
	},
	{ slot: 'Properties (JSON)', name: 'propertiesJson', locator: false, parameters: (form) => ({ propertiesInput: 'json', propertiesJson: form }), forms: (f) => Boolean(f.json) },
];

test('the corpus is as wide as promised', () => {
	expect(Expression.getActiveImplementation()).toBe(ENGINE);
	expect(corpus.forms.filter((f) => f.fast).length).toBeGreaterThanOrEqual(40);
	expect(corpus.allValues.length).toBeGreaterThanOrEqual(25);
});

test('in tool mode the tool-call arguments differ from the agent item in every field a form reads', async () => {
	const ctx = context({ externalSubscriptionId: '={{ $json.v }}' }, items, 'tool');
	expect(ctx.getInputData()[0].json.v).toBe('from the tool call 0');
	const outcome = await withIsolate(ctx, () => ({ engine: ctx.getNodeParameter('externalSubscriptionId', 0), node: new ParameterReader(ctx as never).get('externalSubscriptionId', 0) }));
	expect(outcome).toEqual({ engine: 'sub_demo_1', node: 'sub_demo_1' });
});

let combinations = 0;
afterAll(() => {
	process.stderr.write(`fast path differential (${ENGINE} engine): ${combinations} form x value x slot x context combinations compared\n`);
});

describe.each(MODES.flatMap((mode) => slots.map((slot) => ({ ...slot, mode }))))('$mode: $slot', ({ name, locator, parameters, forms, mode }) => {
	test.each(corpus.forms.filter(forms))('$form', async ({ form, fast, minHits }) => {
		expect(compileExpression(form) !== undefined).toBe(fast);
		const ctx = context(parameters(form), items, mode);
		// The vm engine evaluates inside an isolate that n8n acquires for each execution.
		const expression = (ctx as unknown as { workflow: Workflow }).workflow.expression;
		const acquired = await expression.acquireIsolate();
		const reader = new ParameterReader(ctx as never);
		const mismatches: string[] = [];
		let hits = 0;
		items.forEach((_, itemIndex) => {
			const engine = viaEngine(ctx, name, itemIndex, locator);
			const quick = reader.fastValue(name, itemIndex);
			const label = corpus.allValues[itemIndex][0];
			combinations++;
			if (quick !== FALLBACK) {
				hits++;
				if (!('value' in engine)) mismatches.push(`${label}: fast ${JSON.stringify(quick)}, engine threw ${engine.error}`);
				else if (!same(quick, engine.value)) mismatches.push(`${label}: fast ${JSON.stringify(quick)}, engine ${JSON.stringify(engine.value)}`);
			}
			// What the node gets, through get(): the fast value or the engine's.
			let got: Outcome;
			try {
				got = { value: reader.get(name, itemIndex) };
			} catch (error) {
				got = { error: (error as Error).message };
			}
			if ('value' in engine ? !('value' in got) || !same(got.value, engine.value) : !('error' in got) || got.error !== engine.error) {
				mismatches.push(`${label}: get() ${JSON.stringify(got)}, engine ${JSON.stringify(engine)}`);
			}
		});
		if (acquired) await expression.releaseIsolate();
		expect(mismatches).toEqual([]);
		if (fast) expect(hits).toBeGreaterThanOrEqual(minHits ?? defaultMinHits);
		else expect(hits).toBe(0);
		expect(reader.fastReads).toBe(hits * 2);
	});
});

test('a resource locator in a mode other than list or id is left to n8n', () => {
	const ctx = context({ code: { __rl: true, mode: 'url', value: '={{ $json.s }}' } }, items);
	const reader = new ParameterReader(ctx as never);
	expect(reader.fastValue('code', 0)).toBe(FALLBACK);
	const listed = new ParameterReader(context({ code: { __rl: true, mode: 'list', value: '={{ $json.s }}' } }, items) as never);
	expect(listed.fastValue('code', 0)).toBe('str');
	expect(listed.get('code', 0)).toBe('str');
});

/**
 * Values no JSON corpus can carry, in-process: an array past the vm engine's memory limit when copied out of the
 * isolate (n8n: "Expression exceeded memory limit"), an array with a property beside its indexes (the legacy engine
 * returns the array itself, property included), and a large array that is still fast. The fast path must leave the
 * first two to n8n, and what the node gets must be n8n's answer, value or error, in both contexts.
 */
describe.each(MODES)('%s: values only n8n can answer', (mode) => {
	const withExtra = Object.assign([1, 2], { total: 3 });
	const cases: Array<{ label: string; value: unknown; fast: boolean }> = [
		{ label: '200,000 objects', value: Array.from({ length: 200_000 }, (_, i) => ({ i })), fast: false },
		{ label: 'array with a non-index property', value: withExtra, fast: false },
		{ label: 'nested array with a non-index property', value: { inner: withExtra }, fast: false },
		{ label: '2,000 numbers', value: Array.from({ length: 2_000 }, (_, i) => i), fast: true },
	];
	const forms = ['={{ $json.v }}', '={{ { big: $json.v } }}', '=x {{ $json.nested.deep.v ?? 1 }}'];
	test.each(cases)('$label', async ({ value, fast }) => {
		const caseItems = [corpus.makeItem(value, 0)];
		const mismatches: string[] = [];
		const parameters = (form: string) => ({ externalSubscriptionId: form });
		for (const form of forms) {
			// Each evaluation in a context of its own: the vm engine drops an isolate that went over its memory limit.
			const engineCtx = context(parameters(form), caseItems, mode);
			const engine = await withIsolate(engineCtx, () => viaEngine(engineCtx, 'externalSubscriptionId', 0, false));
			const nodeCtx = context(parameters(form), caseItems, mode);
			const { quick, got } = await withIsolate(nodeCtx, () => {
				const reader = new ParameterReader(nodeCtx as never);
				const fastValue = reader.fastValue('externalSubscriptionId', 0);
				let outcome: Outcome;
				try {
					outcome = { value: reader.get('externalSubscriptionId', 0) };
				} catch (error) {
					outcome = { error: (error as Error).message };
				}
				return { quick: fastValue, got: outcome };
			});
			combinations++;
			if ((quick !== FALLBACK) !== fast) mismatches.push(`${form}: fast path ${quick === FALLBACK ? 'not taken' : 'taken'}`);
			if (quick !== FALLBACK && (!('value' in engine) || !same(quick, engine.value))) mismatches.push(`${form}: fast differs from the engine`);
			const agrees = 'value' in engine ? 'value' in got && same(got.value, engine.value) : 'error' in got && got.error === engine.error;
			if (!agrees) mismatches.push(`${form}: get() ${'error' in got ? got.error : 'a value'}, engine ${'error' in engine ? engine.error : 'a value'}`);
		}
		expect(mismatches).toEqual([]);
	}, 240_000);
});
