import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { metricCodeField, propertiesFields, retryOptions, subscriptionField, transactionIdField } from '../../shared/descriptions';
import { centsToAmount, decimalToNumber } from '../../shared/money';
import { runInParallel } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { failItem, prepareItems, readProperties, readSubscriptionAndCode, readTransactionId, runContext } from '../../shared/parameters';
import { asErrorBody } from '../../../shared/errors';
import type { LagoErrorContext } from '../../../shared/errors';
import { responseError, retryPolicyFromOptions, sendToLago } from '../../../shared/transport';
import type { RetryPolicy } from '../../../shared/transport';

const showOnlyForEstimateInstantFees = { show: { resource: ['event'], operation: ['estimateInstantFees'] } };

/** Events per POST /events/batch_estimate_instant_fees: Lago's batch size for events. */
export const INSTANT_BATCH_SIZE = 100;

/**
 * A batch Lago answers with a 5xx is most likely one failing subscription group, not an outage: one retry covers a
 * blip, then each item of the batch is estimated on its own so the good ones still get their fee.
 */
export const BATCH_ATTEMPTS = 2;

export const NO_INSTANT_CHARGE_NOTE =
	"No fee: the subscription's plan has no pay-in-advance standard or percentage charge for this metric, so nothing is billed at the moment of the event (any other charge is billed at the end of the period)";

export const estimateInstantFeesDescription: INodeProperties[] = [
	subscriptionField(['estimateInstantFees']),
	{
		...metricCodeField(['estimateInstantFees']),
		hint: 'Only pay-in-advance charges with the standard or percentage model give an instant fee; any other metric is output with instant_charge: false.',
	},
	{
		...transactionIdField(['estimateInstantFees']),
		description:
			'Identifies the event in the estimate and maps each fee back to its item; nothing is stored in Lago. Leave empty to let the node derive one.',
		hint: 'Map your own ID to find the estimate again later. Items with the same ID go into separate requests, so each fee still maps to its item.',
	},
	...propertiesFields(['estimateInstantFees']),
	{
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description: 'Whether to return a short summary of each fee (transaction, metric, units, amount, currency) instead of the full fee object',
		displayOptions: showOnlyForEstimateInstantFees,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForEstimateInstantFees,
		options: retryOptions,
	},
];

interface InstantEvent {
	transaction_id: string;
	external_subscription_id: string;
	code: string;
	properties?: IDataObject;
}

interface PreparedItem {
	event: InstantEvent;
	simplify: boolean;
	policy: RetryPolicy;
}

/** The fields of an instant fee that a person reads, with the amount also as a decimal in the currency. */
export function simplifyInstantFee(fee: IDataObject): IDataObject {
	const item = (fee.item ?? {}) as IDataObject;
	const currency = fee.amount_currency ?? null;
	return {
		transaction_id: fee.event_transaction_id ?? null,
		external_subscription_id: fee.external_subscription_id ?? null,
		external_customer_id: fee.external_customer_id ?? null,
		metric_code: item.code ?? null,
		metric_name: item.name ?? null,
		instant_charge: true,
		units: decimalToNumber(fee.units),
		amount_cents: fee.amount_cents ?? null,
		amount: centsToAmount(fee.amount_cents, currency),
		currency,
	};
}

/** The one item for an event no fee came back for. */
export function noInstantChargeItem(event: InstantEvent, simplify: boolean): IDataObject {
	if (!simplify) return { ...event, fees: [], instant_charge: false, note: NO_INSTANT_CHARGE_NOTE };
	return {
		transaction_id: event.transaction_id,
		external_subscription_id: event.external_subscription_id,
		external_customer_id: null,
		metric_code: event.code,
		metric_name: null,
		instant_charge: false,
		units: null,
		amount_cents: null,
		amount: null,
		currency: null,
		note: NO_INSTANT_CHARGE_NOTE,
	};
}

/** Batch requests in flight at once, as Send Batch's default: each asks Lago to price up to 100 events. */
export const PARALLEL_INSTANT_BATCHES = 4;

/**
 * Input order cut into requests of at most `size` events in which no transaction id appears twice: Lago answers each
 * fee with its event's transaction id, the only way back to the item.
 */
export function chunkByTransactionId<T>(entries: T[], idOf: (entry: T) => string, size: number = INSTANT_BATCH_SIZE): T[][] {
	const chunks: T[][] = [];
	let current: T[] = [];
	let ids = new Set<string>();
	for (const entry of entries) {
		const id = idOf(entry);
		if (current.length >= size || ids.has(id)) {
			chunks.push(current);
			current = [];
			ids = new Set();
		}
		current.push(entry);
		ids.add(id);
	}
	if (current.length) chunks.push(current);
	return chunks;
}

/**
 * Estimate Instant Fees: input items batched into POST /events/batch_estimate_instant_fees, each fee paired to its item
 * by event_transaction_id. Every item is output at least once. A batch Lago fails as a whole (a 5xx) is estimated
 * again item by item through POST /events/estimate_instant_fees, so only the bad items fail.
 */
export async function estimateInstantFees(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	const run = runContext(this);
	const { prepared, failed } = prepareItems<PreparedItem>(this, (itemIndex) => {
		const { external_subscription_id, code } = readSubscriptionAndCode(reader, itemIndex);
		const event: InstantEvent = { transaction_id: readTransactionId(reader, itemIndex, run), external_subscription_id, code };
		const properties = readProperties(reader, itemIndex);
		if (properties) event.properties = properties;
		return {
			event,
			simplify: reader.get('simplify', itemIndex, true) as boolean,
			policy: retryPolicyFromOptions(reader.get('options', itemIndex, {}) as IDataObject),
		};
	});
	const results = new Map<number, INodeExecutionData[]>(Array.from(failed, ([itemIndex, item]) => [itemIndex, [item]]));
	// Without Continue On Fail, the lowest failed item's error is thrown once the batches in flight are done.
	let stop: { itemIndex: number; error: unknown } | undefined;
	const fail = (itemIndex: number, error: unknown) => {
		try {
			results.set(itemIndex, [failItem(this, error, itemIndex)]);
		} catch (thrown) {
			if (!stop || itemIndex < stop.itemIndex) stop = { itemIndex, error: thrown };
		}
	};
	const output = (itemIndex: number, value: PreparedItem, fees: IDataObject[]) => {
		const pairedItem = { item: itemIndex };
		results.set(
			itemIndex,
			fees.length
				? fees.map((fee) => ({ json: value.simplify ? simplifyInstantFee(fee) : fee, pairedItem }))
				: [{ json: noInstantChargeItem(value.event, value.simplify), pairedItem }],
		);
	};

	const estimateBatch = async (batch: typeof prepared): Promise<void> => {
		const first = batch[0];
		const policy: RetryPolicy = { ...first.value.policy, maxAttempts: Math.min(first.value.policy.maxAttempts, BATCH_ATTEMPTS) };
		let response;
		try {
			response = await sendToLago.call(this, { method: 'POST', path: '/events/batch_estimate_instant_fees', body: { events: batch.map((entry) => entry.value.event) } as unknown as IDataObject }, policy, first.itemIndex);
		} catch (error) {
			// The network failed on every attempt: no item of this batch has an estimate.
			for (const { itemIndex } of batch) fail(itemIndex, error);
			return;
		}
		const byTransaction = response.status >= 200 && response.status < 300 ? feesByTransaction(response.body, batch.map((entry) => entry.value.event.transaction_id)) : undefined;
		if (byTransaction) {
			for (const { itemIndex, value } of batch) output(itemIndex, value, byTransaction.get(value.event.transaction_id) ?? []);
			return;
		}
		// A 5xx or 429 after the retries, or fees that cannot be told apart: each item on its own.
		if (response.status < 300 || response.status >= 500 || response.status === 429) {
			for (const { itemIndex, value } of batch) {
				if (stop) return;
				try {
					output(itemIndex, value, await estimateOne.call(this, value, itemIndex));
				} catch (error) {
					fail(itemIndex, error);
				}
			}
			return;
		}
		// 401, 403, 400...: about the request as a whole, so every item of the batch has the same error.
		const ctx: LagoErrorContext = { operation: 'estimateInstantFees' };
		for (const { itemIndex } of batch) fail(itemIndex, responseError(this.getNode(), response, ctx, itemIndex));
	};

	// Estimates store nothing, so batches may overlap; results are kept by item, so output order does not depend on
	// which finishes first. No new batch starts after a failure that stops the node.
	const batches = chunkByTransactionId(prepared, (entry) => entry.value.event.transaction_id);
	await runInParallel(batches.length, PARALLEL_INSTANT_BATCHES, () => [], async (index) => await estimateBatch(batches[index]), () => stop !== undefined);
	if (stop) throw stop.error;

	const items: INodeExecutionData[] = [];
	const itemCount = this.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) items.push(...(results.get(itemIndex) ?? []));
	return [items];
}

/**
 * The fees of a batch answer by transaction id, or undefined when a fee names no transaction id of the batch (a Lago
 * that does not return event_transaction_id): pairing by guess could hand one item another's fee.
 */
export function feesByTransaction(body: unknown, transactionIds: string[]): Map<string, IDataObject[]> | undefined {
	const fees = body && typeof body === 'object' && Array.isArray((body as IDataObject).fees) ? ((body as IDataObject).fees as IDataObject[]) : [];
	const known = new Set(transactionIds);
	const byTransaction = new Map<string, IDataObject[]>();
	for (const fee of fees) {
		const id = fee.event_transaction_id;
		if (typeof id !== 'string' || !known.has(id)) return undefined;
		const list = byTransaction.get(id) ?? [];
		list.push(fee);
		byTransaction.set(id, list);
	}
	return byTransaction;
}

/** POST /events/estimate_instant_fees for one item: its fees, [] when its metric has no instant charge. */
async function estimateOne(this: IExecuteFunctions, value: PreparedItem, itemIndex: number): Promise<IDataObject[]> {
	const { event } = value;
	const response = await sendToLago.call(this, { method: 'POST', path: '/events/estimate_instant_fees', body: { event } as unknown as IDataObject }, value.policy, itemIndex);
	if (response.status >= 200 && response.status < 300) {
		const fees = (response.body as IDataObject | undefined)?.fees;
		return Array.isArray(fees) ? (fees as IDataObject[]) : [];
	}
	const details = asErrorBody(response.body)?.error_details as IDataObject | undefined;
	const codes = details && typeof details === 'object' && Array.isArray(details.code) ? (details.code as unknown[]) : [];
	if (response.status === 422 && codes.includes('does_not_match_an_instant_charge')) return [];
	throw responseError(this.getNode(), response, { operation: 'estimateInstantFees', externalSubscriptionId: event.external_subscription_id, code: event.code, transactionId: event.transaction_id }, itemIndex);
}
