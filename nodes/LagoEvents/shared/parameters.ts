import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import {
	FieldError,
	deriveTransactionId,
	nowTimestamp,
	parseIdentifier,
	parsePreciseTotalAmountCents,
	parsePropertiesJson,
	parsePropertiesKeyValue,
	parseTimestamp,
} from './event';
import type { KeyValueProperty, LagoEventInput } from './event';
import { errorItem, fieldError } from '../../shared/errors';
import type { ParameterReader } from './parameterReader';
import { runInParallel } from './parallel';

/** Reads the event fields of one item from the node's parameters and turns them into what Lago receives. */

export interface RunContext {
	instanceId: string;
	executionId: string;
	nodeName: string;
	runIndex: number;
	/** When this run of the node first started: the time an empty Timestamp stands for. */
	startedAtMillis: number;
	/** The workflow's time zone (Settings › Timezone, else the instance's): how a date without a zone is read. */
	timeZone: string;
}

// n8n's Retry On Fail runs the node again in the same process, execution and run index. Remembering when the first
// attempt started keeps an empty Timestamp the same on every attempt, as the derived transaction id is: Lago's
// ClickHouse store de-duplicates on transaction id and timestamp together. Bounded: oldest runs are forgotten first.
const MAX_REMEMBERED_RUNS = 1000;
const runStarts = new Map<string, number>();

export function runStartedAt(key: string, nowMillis: number = Date.now()): number {
	const known = runStarts.get(key);
	if (known !== undefined) return known;
	runStarts.set(key, nowMillis);
	if (runStarts.size > MAX_REMEMBERED_RUNS) runStarts.delete(runStarts.keys().next().value as string);
	return nowMillis;
}

/**
 * What this node remembers in n8n's execution data (the node context, `runExecutionData.executionData.contextData`).
 * n8n saves it with a failed execution, and Retry in the executions list (mode `retry`, a new execution id) runs the
 * failed node again from that data. Deriving from the remembered execution id and start time makes the retried run
 * send the same transaction ids and timestamps, so Lago keeps the events the failed run already stored once.
 */
export interface RememberedRun {
	executionId?: unknown;
	run?: { runIndex?: unknown; startedAtMillis?: unknown };
}
export const RUN_CONTEXT_KEY = 'lagoEvents';

function nodeContext(ctx: IExecuteFunctions): Record<string, unknown> | undefined {
	const getContext = (ctx as Partial<Pick<IExecuteFunctions, 'getContext'>>).getContext;
	if (typeof getContext !== 'function') return undefined;
	try {
		return getContext.call(ctx, 'node') as Record<string, unknown>;
	} catch {
		return undefined;
	}
}

/** The execution id and start time to derive from: the remembered ones on a retried execution, else this run's. */
export function rememberRun(context: Record<string, unknown> | undefined, executionId: string, runIndex: number, startedAtMillis: number): { executionId: string; startedAtMillis: number } {
	if (!context) return { executionId, startedAtMillis };
	const remembered = (context[RUN_CONTEXT_KEY] ?? {}) as RememberedRun;
	const origin = typeof remembered.executionId === 'string' && remembered.executionId !== '' ? remembered.executionId : executionId;
	const sameRun = remembered.run && remembered.run.runIndex === runIndex && typeof remembered.run.startedAtMillis === 'number';
	const started = sameRun ? (remembered.run!.startedAtMillis as number) : startedAtMillis;
	context[RUN_CONTEXT_KEY] = { executionId: origin, run: { runIndex, startedAtMillis: started } };
	return { executionId: origin, startedAtMillis: started };
}

/** What identifies this run of the node, for derived transaction ids and the default timestamp. */
export function runContext(ctx: IExecuteFunctions): RunContext {
	const runIndexValue = (ctx as unknown as { runIndex?: unknown }).runIndex;
	const runIndex = typeof runIndexValue === 'number' ? runIndexValue : 0;
	const executionId = ctx.getExecutionId();
	const instanceId = ctx.getInstanceId();
	const nodeName = ctx.getNode().name;
	// Without a saved execution (rare: some test contexts) there is nothing stable to derive from.
	const execution = executionId ? String(executionId) : `local${Date.now().toString(36)}`;
	const startedAtMillis = runStartedAt([instanceId, execution, nodeName, runIndex].join('\u0000'));
	const origin = rememberRun(nodeContext(ctx), execution, runIndex, startedAtMillis);
	return { instanceId, executionId: origin.executionId, nodeName, runIndex, startedAtMillis: origin.startedAtMillis, timeZone: ctx.getTimezone() };
}

/** A parameter left at its empty default, as opposed to an expression that resolved to an empty value. */
function isLeftEmpty(reader: ParameterReader, name: string): boolean {
	const raw = reader.raw(name);
	return raw === undefined || raw === null || raw === '';
}

export function readProperties(reader: ParameterReader, itemIndex: number): IDataObject | undefined {
	const mode = reader.get('propertiesInput', itemIndex, 'keyValue') as string;
	if (mode === 'json') {
		const properties = parsePropertiesJson(reader.get('propertiesJson', itemIndex, '{}'));
		return Object.keys(properties).length ? properties : undefined;
	}
	const rows = reader.raw('properties.property');
	const resolved: KeyValueProperty[] = (Array.isArray(rows) ? rows : []).map((_, row) => ({
		key: reader.get(`properties.property[${row}].key`, itemIndex, ''),
		value: reader.get(`properties.property[${row}].value`, itemIndex, ''),
	}));
	const properties = parsePropertiesKeyValue(resolved);
	return Object.keys(properties).length ? properties : undefined;
}

export function readSubscriptionAndCode(reader: ParameterReader, itemIndex: number) {
	return {
		external_subscription_id: parseIdentifier('externalSubscriptionId', reader.get('externalSubscriptionId', itemIndex, ''), 'External Subscription ID'),
		code: parseIdentifier('code', reader.get('code', itemIndex, ''), 'Billable Metric Code'),
	};
}

/** The Transaction ID as mapped, or derived from the run and item when left empty (the same on every retry). */
export function readTransactionId(reader: ParameterReader, itemIndex: number, run: RunContext): string {
	return isLeftEmpty(reader, 'transactionId')
		? deriveTransactionId(run.instanceId, run.executionId, run.nodeName, run.runIndex, itemIndex)
		: parseIdentifier('transactionId', reader.get('transactionId', itemIndex, ''), 'Transaction ID');
}

/**
 * The complete event for one item. The transaction id and timestamp are fixed here, once, so every retry of this
 * event carries the same values.
 */
export function readEvent(reader: ParameterReader, itemIndex: number, run: RunContext): LagoEventInput {
	const transactionId = readTransactionId(reader, itemIndex, run);
	const { external_subscription_id, code } = readSubscriptionAndCode(reader, itemIndex);
	const timestamp = isLeftEmpty(reader, 'timestamp') ? nowTimestamp(run.startedAtMillis) : parseTimestamp(reader.get('timestamp', itemIndex, ''), run.timeZone);
	const event: LagoEventInput = { transaction_id: transactionId, external_subscription_id, code, timestamp };
	const precise = parsePreciseTotalAmountCents(reader.get('additionalFields.preciseTotalAmountCents', itemIndex, ''));
	if (precise !== undefined) event.precise_total_amount_cents = precise;
	const properties = readProperties(reader, itemIndex);
	if (properties) event.properties = properties;
	return event;
}

/**
 * Reads and checks every input item before anything is sent, so bad input never leaves half a run behind. A bad item
 * fails the node (naming the item and the field), or with Continue On Fail becomes an error item.
 */
export function prepareItems<T>(ctx: IExecuteFunctions, prepare: (itemIndex: number) => T): { prepared: Array<{ itemIndex: number; value: T }>; failed: Map<number, INodeExecutionData> } {
	const prepared: Array<{ itemIndex: number; value: T }> = [];
	const failed = new Map<number, INodeExecutionData>();
	const itemCount = ctx.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		try {
			prepared.push({ itemIndex, value: prepare(itemIndex) });
		} catch (caught) {
			failed.set(itemIndex, failItem(ctx, caught, itemIndex));
		}
	}
	return { prepared, failed };
}

/** The error item for a failed item under Continue On Fail; otherwise throws the error, naming the item. */
export function failItem(ctx: IExecuteFunctions, caught: unknown, itemIndex: number): INodeExecutionData {
	const error = caught instanceof FieldError ? fieldError(ctx.getNode(), caught, itemIndex) : caught;
	if (!ctx.continueOnFail()) throw error;
	return errorItem(ctx.getNode(), error, itemIndex);
}

/**
 * Runs a per-item operation: every item is prepared and checked first, then up to `parallel` requests are in flight at
 * once, started in input order. Output is in input order whatever finishes first. Without Continue On Fail the first
 * failure stops new requests; those in flight finish, and the error thrown is that of the lowest failed item, as when
 * the items run one at a time. (These operations only read, so a request that finished after the failure changes
 * nothing in Lago.)
 */
export async function processItems<T>(
	ctx: IExecuteFunctions,
	prepare: (itemIndex: number) => T,
	send: (prepared: T, itemIndex: number) => Promise<INodeExecutionData[]>,
	parallel = 1,
): Promise<INodeExecutionData[][]> {
	const { prepared, failed } = prepareItems(ctx, prepare);
	const results = new Map<number, INodeExecutionData[]>(Array.from(failed, ([itemIndex, item]) => [itemIndex, [item]]));
	let stop: { itemIndex: number; error: unknown } | undefined;
	const task = async (position: number) => {
		const { itemIndex, value } = prepared[position];
		try {
			results.set(itemIndex, await send(value, itemIndex));
		} catch (caught) {
			try {
				results.set(itemIndex, [failItem(ctx, caught, itemIndex)]);
			} catch (error) {
				if (!stop || itemIndex < stop.itemIndex) stop = { itemIndex, error };
			}
		}
	};
	await runInParallel(prepared.length, parallel, () => [], task, () => stop !== undefined);
	if (stop) throw stop.error;
	const output: INodeExecutionData[] = [];
	const itemCount = ctx.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) output.push(...(results.get(itemIndex) ?? []));
	return [output];
}
