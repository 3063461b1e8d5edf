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
import { asErrorBody, isOnlyDuplicate } from '../../../shared/errors';
import type { FieldError, LagoEventInput } from '../../shared/event';
import { MAX_PARALLEL_REQUESTS_PER_ITEM, formatItemRanges, parseParallelPerItem, runInParallel } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { failItem, prepareItems, readEvent, runContext } from '../../shared/parameters';
import { attachFlags, checkBillableMetricsOption, checkEvents } from '../../shared/billableMetrics';
import { responseError, retryPolicyFromOptions, sendToLago } from '../../../shared/transport';

const showOnlyForCreate = { show: { resource: ['event'], operation: ['create'] } };

export const MAX_PARALLEL_SENDS = MAX_PARALLEL_REQUESTS_PER_ITEM;
/**
 * 32 for Send: at 50 ms RTT over TLS each event needs a new connection (about 160 ms), and the HTTP Request node,
 * which starts every item at once, took about 5.5 ms an event there; 32 in flight is about 200 events a second,
 * under the limiter's 450 (README, Performance: the measured rows).
 */
export const DEFAULT_PARALLEL_SENDS = 32;
export const parseParallelSends = (value: unknown): number => parseParallelPerItem(value, DEFAULT_PARALLEL_SENDS);

export const additionalEventFields = (operation: 'create' | 'createBatch'): INodeProperties => ({
	displayName: 'Additional Fields',
	name: 'additionalFields',
	type: 'collection',
	placeholder: 'Add Field',
	default: {},
	displayOptions: { show: { resource: ['event'], operation: [operation] } },
	options: [
		{
			displayName: 'Precise Total Amount Cents',
			name: 'preciseTotalAmountCents',
			type: 'string',
			default: '',
			placeholder: 'e.g. 1234.56',
			description:
				'Amount in cents for metrics priced with the dynamic charge model, as a decimal number (1234.56). Sent as text so no precision is lost.',
		},
	],
});

export const createDescription: INodeProperties[] = [
	{
		displayName: 'Sends one event per input item. For many items, Send Batch is much faster.',
		name: 'sendNotice',
		type: 'notice',
		default: '',
		displayOptions: showOnlyForCreate,
	},
	subscriptionField(['create']),
	metricCodeField(['create']),
	transactionIdField(['create']),
	timestampField(['create']),
	...propertiesFields(['create']),
	additionalEventFields('create'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForCreate,
		options: [
			checkBillableMetricsOption,
			...retryOptions,
			onDuplicateOption,
			parallelRequestsOption(
				MAX_PARALLEL_SENDS,
				DEFAULT_PARALLEL_SENDS,
				`How many events may be in flight at once, from 1 to ${MAX_PARALLEL_SENDS}. Each event still gets its own retries, results stay in input order, and a 429 holds every request until Lago says to resume.`,
			),
		],
	},
];

/**
 * Send: one POST /events per input item. Every item is read and checked first; then up to Parallel Requests events
 * are in flight at once, started in input order. Without Continue On Fail the first failure stops new requests; those
 * in flight finish, and the error says which items were ingested.
 */
export async function create(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const node = this.getNode();
	const run = runContext(this);
	const reader = new ParameterReader(this);
	let parallel: number;
	const runOptions = reader.get('options', 0, {}) as IDataObject;
	try {
		parallel = parseParallelSends(runOptions.parallelRequests);
	} catch (error) {
		throw new NodeOperationError(node, (error as Error).message, { description: (error as FieldError).hint });
	}
	const { prepared: read, failed } = prepareItems(this, (itemIndex) => ({
		options: reader.get('options', itemIndex, {}) as IDataObject,
		event: readEvent(reader, itemIndex, run),
	}));
	const check = await checkEvents(this, runOptions.checkBillableMetrics, retryPolicyFromOptions(runOptions), read.map(({ itemIndex, value }) => ({ itemIndex, event: value.event })));
	const prepared = read.filter(({ itemIndex }) => !check.blocked.has(itemIndex));
	const results = new Map<number, INodeExecutionData[]>(Array.from(failed, ([itemIndex, item]) => [itemIndex, [item]]));
	for (const [itemIndex, item] of check.blocked) results.set(itemIndex, [item]);
	const ingested: number[] = [];
	let stop: { itemIndex: number; error: Error & { description?: string | null } } | undefined;

	const send = async (position: number) => {
		const { itemIndex, value } = prepared[position];
		try {
			results.set(itemIndex, await sendOne.call(this, value.options, value.event, itemIndex));
			ingested.push(itemIndex);
		} catch (caught) {
			try {
				results.set(itemIndex, [failItem(this, caught, itemIndex)]);
			} catch (error) {
				if (!stop || itemIndex < stop.itemIndex) stop = { itemIndex, error: error as Error };
			}
		}
	};
	await runInParallel(prepared.length, parallel, (position) => [prepared[position].value.event.transaction_id], send, () => stop !== undefined);
	if (stop) {
		// One at a time, the items before the failed one are ingested and none after it; in parallel, some after it
		// may have been in flight, so the error lists them.
		const after = ingested.filter((itemIndex) => itemIndex > stop!.itemIndex);
		if (after.length) {
			const notSent = prepared.map((p) => p.itemIndex).filter((itemIndex) => itemIndex > stop!.itemIndex && !results.has(itemIndex));
			const lines = [`Already ingested by Lago in this run (safe to re-run only with the same Transaction IDs): items ${formatItemRanges(ingested)}.`];
			if (notSent.length) lines.push(`Not sent: items ${formatItemRanges(notSent)}.`);
			stop.error.description = [stop.error.description, lines.join(' ')].filter(Boolean).join('\n');
		}
		throw stop.error;
	}
	const output: INodeExecutionData[] = [];
	const itemCount = this.getInputData().length;
	for (let itemIndex = 0; itemIndex < itemCount; itemIndex++) {
		for (const item of results.get(itemIndex) ?? []) output.push(attachFlags(item, check.flagged.get(itemIndex)));
	}
	return [output];
}

async function sendOne(this: IExecuteFunctions, options: IDataObject, event: LagoEventInput, itemIndex: number): Promise<INodeExecutionData[]> {
	const response = await sendToLago.call(this, { method: 'POST', path: '/events', body: { event } }, retryPolicyFromOptions(options), itemIndex);
	const pairedItem = { item: itemIndex };
	if (response.status >= 200 && response.status < 300) {
		const body = asErrorBody(response.body) as { event?: IDataObject } | undefined;
		return [{ json: body?.event ?? (event as unknown as IDataObject), pairedItem }];
	}
	const details = asErrorBody(response.body)?.error_details;
	// A duplicate after an attempt that may have reached Lago is this very event, stored by that attempt.
	if (response.status === 422 && isOnlyDuplicate(details) && (options.onDuplicate !== 'fail' || response.ambiguous)) {
		return [{ json: { ...(event as unknown as IDataObject), already_ingested: true }, pairedItem }];
	}
	throw responseError(this.getNode(), response, { operation: 'create', ...eventContext(event) }, itemIndex);
}

export const eventContext = (event: { transaction_id?: string; external_subscription_id: string; code: string }) => ({
	transactionId: event.transaction_id,
	externalSubscriptionId: event.external_subscription_id,
	code: event.code,
});
