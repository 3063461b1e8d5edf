import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import {
	metricCodeField,
	onDuplicateOption,
	propertiesFields,
	retryOptions,
	subscriptionField,
	timestampField,
	transactionIdField,
} from '../../shared/descriptions';
import { asErrorBody, isOnlyDuplicate } from '../../../shared/errors';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems, readEvent, runContext } from '../../shared/parameters';
import { responseError, retryPolicyFromOptions, sendToLago } from '../../../shared/transport';

const showOnlyForCreate = { show: { resource: ['event'], operation: ['create'] } };

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
		displayName:
			"Sends one event per input item. Each event needs the subscription's external ID (not the customer's), a metric code that exists in Lago, and a Transaction ID that is unique per usage record. For many items, Send Batch is much faster.",
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
		options: [...retryOptions, onDuplicateOption],
	},
];

/** Send: one POST /events per input item, in order. */
export async function create(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const run = runContext(this);
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => ({
			options: reader.get('options', itemIndex, {}) as IDataObject,
			event: readEvent(reader, itemIndex, run),
		}),
		async ({ options, event }, itemIndex) => {
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
		},
	);
}

export const eventContext = (event: { transaction_id?: string; external_subscription_id: string; code: string }) => ({
	transactionId: event.transaction_id,
	externalSubscriptionId: event.external_subscription_id,
	code: event.code,
});
