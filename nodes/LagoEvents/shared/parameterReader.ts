import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { FALLBACK, compileExpression, evaluateExpression } from './fastExpression';
import type { FastExpression } from './fastExpression';

/**
 * Reads node parameters per item, the way getNodeParameter does, without paying for n8n's expression engine where the
 * answer is certain:
 * - a parameter with no expression in it is the same for every item, so it is read once;
 * - a parameter in one of the forms fastExpression.ts evaluates exactly (`{{ $json.a.b }}`, `{{ $json.a ?? 'x' }}`,
 *   object and array literals, templates such as `order-{{ $json.id }}` or `{ "gb": {{ $json.gb }} }`) is computed
 *   from the item, as long as the values it reads there are strings, numbers, booleans, null or missing.
 * Anything else goes to getNodeParameter. Under n8n's default expression engine each evaluation costs about 0.5 ms,
 * which would dominate Send Batch.
 */

const isResourceLocator = (raw: unknown): boolean => typeof raw === 'object' && raw !== null && (raw as IDataObject).__rl === true;

export function containsExpression(raw: unknown): boolean {
	if (typeof raw === 'string') return raw.startsWith('=');
	if (Array.isArray(raw)) return raw.some(containsExpression);
	if (raw && typeof raw === 'object') return Object.values(raw).some(containsExpression);
	return false;
}

/** `properties.property[0].value` of the node's raw parameters. */
export function rawParameter(parameters: IDataObject, name: string): unknown {
	let current: unknown = parameters;
	for (const key of name.split(/\.|\[(\d+)\]/).filter((k) => k !== undefined && k !== '')) {
		if (current === null || typeof current !== 'object') return undefined;
		current = (current as Record<string, unknown>)[key];
	}
	return current;
}

/**
 * The items n8n evaluates `$json` against: `connectionInputData[itemIndex].json` (n8n-workflow's WorkflowDataProxy, 1.x
 * and 2.x). In a node's own run that is the array getInputData() returns. When the node runs as an AI agent's tool,
 * getInputData() holds the tool call's arguments while `$json` is the agent's input item, so the fast path must read
 * the context's connectionInputData, not getInputData(). A context that does not expose it gets no fast path.
 */
export function expressionItems(ctx: IExecuteFunctions): INodeExecutionData[] | undefined {
	const items = (ctx as unknown as { connectionInputData?: unknown }).connectionInputData;
	return Array.isArray(items) ? (items as INodeExecutionData[]) : undefined;
}

/** How one parameter is read for every item, worked out once per node run. */
type ReadPlan = { kind: 'constant'; value: unknown } | { kind: 'perItem'; locator: boolean; fast: FastExpression | undefined };

export class ParameterReader {
	/** What `$json` is for each item index, or undefined when only n8n can tell. */
	private readonly items: INodeExecutionData[] | undefined;

	private readonly parameters: IDataObject;

	private readonly raws = new Map<string, unknown>();

	private readonly plans = new Map<string, ReadPlan>();

	/** How many per-item reads were answered without n8n's engine (tests assert on it). */
	fastReads = 0;

	constructor(private readonly ctx: IExecuteFunctions) {
		this.items = expressionItems(ctx);
		this.parameters = ctx.getNode().parameters as IDataObject;
	}

	/** The parameter as stored in the workflow, before any expression is resolved. */
	raw(name: string): unknown {
		if (!this.raws.has(name)) this.raws.set(name, rawParameter(this.parameters, name));
		return this.raws.get(name);
	}

	get(name: string, itemIndex: number, fallback?: unknown): unknown {
		const plan = this.planFor(name, itemIndex, fallback);
		if (plan.kind === 'constant') return plan.value;
		const value = this.evaluate(plan, itemIndex);
		return value === FALLBACK ? this.read(name, itemIndex, fallback, plan.locator) : value;
	}

	/** The value the fast path gives for this item, or FALLBACK when n8n's engine has to answer. */
	fastValue(name: string, itemIndex: number, fallback?: unknown): unknown {
		const plan = this.planFor(name, itemIndex, fallback);
		return plan.kind === 'constant' ? plan.value : this.evaluate(plan, itemIndex);
	}

	private planFor(name: string, itemIndex: number, fallback: unknown): ReadPlan {
		let plan = this.plans.get(name);
		if (!plan) {
			plan = this.plan(name, itemIndex, fallback);
			this.plans.set(name, plan);
		}
		return plan;
	}

	private evaluate(plan: ReadPlan & { kind: 'perItem' }, itemIndex: number): unknown {
		// An index past the items is n8n's error to raise ("node has 1 item(s) but you're trying to access item 1").
		const item = this.items?.[itemIndex];
		if (!plan.fast || !item) return FALLBACK;
		const value = evaluateExpression(plan.fast, item.json);
		if (value !== FALLBACK) this.fastReads++;
		return value;
	}

	private plan(name: string, itemIndex: number, fallback: unknown): ReadPlan {
		const raw = this.raw(name);
		// A resource locator ({ __rl, mode, value }) resolves to its value, e.g. the picked metric's code.
		const locator = isResourceLocator(raw);
		if (!containsExpression(raw)) return { kind: 'constant', value: this.read(name, itemIndex, fallback, locator) };
		// Of a resource locator, n8n returns the value as it is in the modes without an extractValue regex (this node's
		// list and id modes); other modes are left to n8n.
		const fastSource = locator ? (['list', 'id'].includes((raw as IDataObject).mode as string) ? (raw as IDataObject).value : undefined) : raw;
		return { kind: 'perItem', locator, fast: compileExpression(fastSource) };
	}

	private read(name: string, itemIndex: number, fallback: unknown, locator: boolean): unknown {
		return this.ctx.getNodeParameter(name, itemIndex, fallback, { extractValue: locator });
	}
}
