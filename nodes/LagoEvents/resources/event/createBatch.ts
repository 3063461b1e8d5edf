import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	metricCodeField,
	onDuplicateOption,
	parallelRequestsOption,
	propertiesFields,
	retryOptions,
	subscriptionField,
	timestampField,
	transactionIdField,
} from '../../shared/descriptions';
import { asErrorBody, describeLagoError, errorItem, isOnlyDuplicate, lagoApiError } from '../../../shared/errors';
import { FieldError } from '../../shared/event';
import type { LagoEventInput } from '../../shared/event';
import { formatItemRanges, parseWholeNumberOption, runInParallel } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { prepareItems, readEvent, runContext } from '../../shared/parameters';
import { attachFlags, checkBillableMetricsOption, checkEvents } from '../../shared/billableMetrics';
import { responseError, retryPolicyFromOptions, sendToLago } from '../../../shared/transport';
import type { LagoResponse } from '../../../shared/transport';
import { additionalEventFields, eventContext } from './create';

export const MAX_BATCH_SIZE = 100;
export const MAX_PARALLEL_REQUESTS = 4;
/** 4: over a 50 ms round trip with a new TLS connection per request, 1 is about 3x the SDK's time and 4 is below it. */
export const DEFAULT_PARALLEL_REQUESTS = 4;

const showOnlyForCreateBatch = { show: { resource: ['event'], operation: ['createBatch'] } };

export const createBatchDescription: INodeProperties[] = [
	{
		displayName: 'Each input item becomes one event, sent up to 100 per request; every item gets its own result.',
		name: 'batchNotice',
		type: 'notice',
		default: '',
		displayOptions: showOnlyForCreateBatch,
	},
	subscriptionField(['createBatch']),
	metricCodeField(['createBatch']),
	transactionIdField(['createBatch']),
	timestampField(['createBatch']),
	...propertiesFields(['createBatch']),
	additionalEventFields('createBatch'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForCreateBatch,
		options: [
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				typeOptions: { minValue: 1, maxValue: MAX_BATCH_SIZE },
				default: MAX_BATCH_SIZE,
				description:
					'Events per request, from 1 to 100. Lago Cloud accepts 100; lower it if your self-hosted Lago sets LAGO_EVENTS_BATCH_MAX_LENGTH lower.',
			},
			checkBillableMetricsOption,
			...retryOptions,
			onDuplicateOption,
			parallelRequestsOption(
				MAX_PARALLEL_REQUESTS,
				DEFAULT_PARALLEL_REQUESTS,
				'How many batch requests may be in flight at once, from 1 to 4. Each batch still gets its own retries, results stay in input order, and a 429 holds every request until Lago says to resume.',
			),
		],
	},
];

export function parseBatchSize(value: unknown): number {
	return parseWholeNumberOption('batchSize', 'Batch Size', value, 1, MAX_BATCH_SIZE, MAX_BATCH_SIZE, 'Lago accepts at most 100 events per batch request.');
}

export function parseParallelRequests(value: unknown): number {
	return parseWholeNumberOption('parallelRequests', 'Parallel Requests', value, 1, MAX_PARALLEL_REQUESTS, DEFAULT_PARALLEL_REQUESTS, 'Up to 4 batch requests may be in flight at once; 1 sends them one at a time.');
}

export { formatItemRanges };

/** Lago keys a rejected batch's errors by position: {"3": {...}}. Anything else is about the whole batch. */
export function indexedErrors(details: unknown, batchLength: number): Map<number, unknown> | undefined {
	if (!details || typeof details !== 'object' || Array.isArray(details)) return undefined;
	const entries = Object.entries(details as Record<string, unknown>);
	if (entries.length === 0 || !entries.every(([key]) => /^\d+$/.test(key) && Number(key) < batchLength)) return undefined;
	return new Map(entries.map(([key, value]) => [Number(key), value]));
}

interface Pending {
	itemIndex: number;
	event: LagoEventInput;
}

/**
 * Send Batch: packs the input items into POST /events/batch requests. Lago rejects a whole batch when one event is
 * bad, so a rejection is split: duplicates follow On Duplicate, bad events get their own error, and the rest of the
 * batch is sent again once without them.
 */
export async function createBatch(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const items = this.getInputData();
	const node = this.getNode();
	const continueOnFail = this.continueOnFail();
	const options = this.getNodeParameter('options', 0, {}) as IDataObject;
	let batchSize: number;
	let parallel: number;
	try {
		batchSize = parseBatchSize(options.batchSize);
		parallel = parseParallelRequests(options.parallelRequests);
	} catch (error) {
		throw new NodeOperationError(node, (error as Error).message, { description: (error as FieldError).hint });
	}
	const policy = retryPolicyFromOptions(options);
	const duplicatesSucceed = options.onDuplicate !== 'fail';
	const run = runContext(this);

	const reader = new ParameterReader(this);
	const { prepared, failed } = prepareItems(this, (itemIndex) => readEvent(reader, itemIndex, run));
	const check = await checkEvents(this, options.checkBillableMetrics, policy, prepared.map(({ itemIndex, value }) => ({ itemIndex, event: value })));
	const pending: Pending[] = prepared.filter(({ itemIndex }) => !check.blocked.has(itemIndex)).map(({ itemIndex, value }) => ({ itemIndex, event: value }));
	const results: Array<INodeExecutionData | undefined> = new Array(items.length);
	for (const [itemIndex, item] of failed) results[itemIndex] = item;
	for (const [itemIndex, item] of check.blocked) results[itemIndex] = item;
	const ingested: number[] = [];

	const stateDescription = (stoppedAt: Pending[]) => {
		const notSent = pending.filter((p) => results[p.itemIndex] === undefined && !stoppedAt.includes(p)).map((p) => p.itemIndex);
		const lines = [
			ingested.length
				? `Already ingested by Lago in this run (safe to re-run only with the same Transaction IDs): items ${formatItemRanges(ingested)}.`
				: 'No event of this run was ingested.',
		];
		if (notSent.length) lines.push(`Not sent: items ${formatItemRanges(notSent)}.`);
		return lines.join(' ');
	};

	// Without Continue On Fail the first failure stops the run; batches already in flight finish first, so the
	// error can say exactly what was ingested.
	let stop: { error: Error & { description?: string | null }; entries: Pending[] } | undefined;
	const fail = (entries: Pending[], makeError: (itemIndex: number) => Error & { description?: string | null }) => {
		if (!continueOnFail) {
			stop ??= { error: makeError(entries[0].itemIndex), entries };
			return;
		}
		for (const entry of entries) results[entry.itemIndex] = errorItem(node, makeError(entry.itemIndex), entry.itemIndex, { transaction_id: entry.event.transaction_id });
	};

	const succeed = (entries: Pending[], response: LagoResponse) => {
		const returned = (asErrorBody(response.body) as { events?: IDataObject[] } | undefined)?.events;
		entries.forEach((entry, position) => {
			const lagoEvent = Array.isArray(returned) && returned[position]?.transaction_id === entry.event.transaction_id ? returned[position] : undefined;
			results[entry.itemIndex] = { json: lagoEvent ?? (entry.event as unknown as IDataObject), pairedItem: { item: entry.itemIndex } };
			ingested.push(entry.itemIndex);
		});
	};

	const sendBatch = async (entries: Pending[], isResend: boolean): Promise<void> => {
		let response: LagoResponse;
		try {
			response = await sendToLago.call(this, { method: 'POST', path: '/events/batch', body: { events: entries.map((e) => e.event) } }, policy, entries[0].itemIndex);
		} catch (error) {
			fail(entries, (itemIndex) => withItem(error as Error, itemIndex, entries[0].itemIndex));
			return;
		}
		if (response.status >= 200 && response.status < 300) return succeed(entries, response);

		const errorDetails = response.status === 422 ? asErrorBody(response.body)?.error_details : undefined;
		const byPosition = indexedErrors(errorDetails, entries.length);
		if (!byPosition) {
			fail(entries, (itemIndex) => responseError(node, response, { operation: 'createBatch' }, itemIndex));
			return;
		}
		const rejected: Pending[] = [];
		const rejectedDetails = new Map<Pending, unknown>();
		for (const [position, details] of byPosition) {
			const entry = entries[position];
			if (isOnlyDuplicate(details) && (duplicatesSucceed || response.ambiguous)) {
				results[entry.itemIndex] = { json: { ...(entry.event as unknown as IDataObject), already_ingested: true }, pairedItem: { item: entry.itemIndex } };
			} else {
				rejected.push(entry);
				rejectedDetails.set(entry, details);
			}
		}
		const rest = entries.filter((_, position) => !byPosition.has(position));
		if (rejected.length) {
			const errorFor = (entry: Pending) =>
				lagoApiError(node, describeLagoError(422, { status: 422, code: 'validation_errors', error_details: rejectedDetails.get(entry) }, { operation: 'createBatch', ...eventContext(entry.event) }), entry.itemIndex);
			if (!continueOnFail) return fail(rejected, () => errorFor(rejected[0]));
			for (const entry of rejected) results[entry.itemIndex] = errorItem(node, errorFor(entry), entry.itemIndex, { transaction_id: entry.event.transaction_id });
		}
		if (rest.length === 0) return;
		if (!isResend) return sendBatch(rest, true);
		fail(rest, (itemIndex) =>
			lagoApiError(
				node,
				{
					message: 'Not ingested: Lago rejected the batch again after the bad events were removed',
					description: `Lago's answer to the resent batch: ${JSON.stringify(errorDetails)}. Run the workflow again; events already ingested are recognised by their transaction ID.`,
					httpCode: '422',
				},
				itemIndex,
			),
		);
	};

	const batches: Pending[][] = [];
	for (let start = 0; start < pending.length; start += batchSize) batches.push(pending.slice(start, start + batchSize));
	// A batch that repeats a transaction id of an earlier batch waits for it, so the earlier copy is the one stored.
	await runInParallel(
		batches.length,
		parallel,
		(b) => batches[b].map((entry) => entry.event.transaction_id),
		(b) => sendBatch(batches[b], false),
		() => stop !== undefined,
	);
	if (stop) {
		stop.error.description = [stop.error.description, stateDescription(stop.entries)].filter(Boolean).join('\n');
		throw stop.error;
	}

	const output: INodeExecutionData[] = [];
	results.forEach((result, itemIndex) => {
		// Stryker disable next-line StringLiteral: unreachable, every pending item gets a result or the run stops; a guard against a future gap
		output.push(attachFlags(result ?? errorItem(node, new NodeOperationError(node, `No result was recorded for this item [item ${itemIndex}]`), itemIndex), check.flagged.get(itemIndex)));
	});
	return [output];
}

/** A transport error raised for a batch names the batch's first item; each item of the batch gets its own copy. */
function withItem(error: Error & { description?: string | null; context?: IDataObject }, itemIndex: number, batchFirstItem: number): Error & { description?: string | null } {
	const copy = Object.create(Object.getPrototypeOf(error)) as typeof error;
	Object.assign(copy, error);
	copy.message = error.message.replace(` [item ${batchFirstItem}]`, ` [item ${itemIndex}]`);
	copy.context = { ...error.context, itemIndex };
	return copy;
}

