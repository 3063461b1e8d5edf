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
import { errorItem, fieldError } from './errors';
import type { ParameterReader } from './parameterReader';

/** Reads the event fields of one item from the node's parameters and turns them into what Lago receives. */

export interface RunContext {
	instanceId: string;
	executionId: string;
	nodeName: string;
	runIndex: number;
}

/** What identifies this run of the node, for derived transaction ids. */
export function runContext(ctx: IExecuteFunctions): RunContext {
	const runIndex = (ctx as unknown as { runIndex?: unknown }).runIndex;
	const executionId = ctx.getExecutionId();
	return {
		instanceId: ctx.getInstanceId(),
		// Without a saved execution (rare: some test contexts) there is nothing stable to derive from.
		executionId: executionId ? String(executionId) : `local${Date.now().toString(36)}`,
		nodeName: ctx.getNode().name,
		runIndex: typeof runIndex === 'number' ? runIndex : 0,
	};
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

/**
 * The complete event for one item. The transaction id and timestamp are fixed here, once, so every retry of this
 * event carries the same values.
 */
export function readEvent(reader: ParameterReader, itemIndex: number, run: RunContext, nowMillis: number): LagoEventInput {
	const transactionId = isLeftEmpty(reader, 'transactionId')
		? deriveTransactionId(run.instanceId, run.executionId, run.nodeName, run.runIndex, itemIndex)
		: parseIdentifier('transactionId', reader.get('transactionId', itemIndex, ''), 'Transaction ID');
	const { external_subscription_id, code } = readSubscriptionAndCode(reader, itemIndex);
	const timestamp = isLeftEmpty(reader, 'timestamp') ? nowTimestamp(nowMillis) : parseTimestamp(reader.get('timestamp', itemIndex, ''));
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
 * Runs a per-item operation: every item is prepared and checked first, then the requests go out one at a time, in
 * input order.
 */
export async function processItems<T>(
	ctx: IExecuteFunctions,
	prepare: (itemIndex: number) => T,
	send: (prepared: T, itemIndex: number) => Promise<INodeExecutionData[]>,
): Promise<INodeExecutionData[][]> {
	const { prepared, failed } = prepareItems(ctx, prepare);
	const results = new Map<number, INodeExecutionData[]>(Array.from(failed, ([itemIndex, item]) => [itemIndex, [item]]));
	for (const { itemIndex, value } of prepared) {
		try {
			results.set(itemIndex, await send(value, itemIndex));
		} catch (caught) {
			results.set(itemIndex, [failItem(ctx, caught, itemIndex)]);
		}
	}
	const output: INodeExecutionData[] = [];
	const itemCount = ctx.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) output.push(...(results.get(itemIndex) ?? []));
	return [output];
}
