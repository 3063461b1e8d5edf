import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { perItemParallelRequestsOption, retryOptions } from '../../shared/descriptions';
import { parseIdentifier } from '../../shared/event';
import { readParallelPerItem } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems } from '../../shared/parameters';
import { lagoRequest, retryPolicyFromOptions } from '../../../shared/transport';

const showOnlyForGet = { show: { resource: ['event'], operation: ['get'] } };

export const getDescription: INodeProperties[] = [
	{
		displayName: 'Transaction ID',
		name: 'transactionId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. order-2026-0042',
		description: 'The transaction ID the event was sent with. Any characters are allowed; the node encodes them for the URL.',
		hint: 'Transaction IDs are unique per subscription only: if several subscriptions used the same ID, Lago returns the first event it finds.',
		displayOptions: showOnlyForGet,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForGet,
		options: [...retryOptions, perItemParallelRequestsOption],
	},
];

/** Get: GET /events/{transaction_id}, one per input item, up to Parallel Requests at once. */
export async function get(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => ({
			options: reader.get('options', itemIndex, {}) as IDataObject,
			transactionId: parseIdentifier('transactionId', reader.get('transactionId', itemIndex, ''), 'Transaction ID'),
		}),
		async ({ options, transactionId }, itemIndex) => {
			const body = await lagoRequest.call(
				this,
				{ method: 'GET', path: `/events/${encodeURIComponent(transactionId)}` },
				{ operation: 'get', transactionId },
				retryPolicyFromOptions(options),
				itemIndex,
			);
			return [{ json: (body.event as IDataObject) ?? body, pairedItem: { item: itemIndex } }];
		},
		readParallelPerItem(this, reader),
	);
}
