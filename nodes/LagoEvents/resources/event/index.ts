import type { INodeProperties } from 'n8n-workflow';

import { create, createDescription } from './create';
import { createBatch, createBatchDescription } from './createBatch';
import { estimateFees, estimateFeesDescription } from './estimateFees';
import { get, getDescription } from './get';

export const eventOperations = { create, createBatch, estimateFees, get };

export const eventDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['event'] } },
		options: [
			{
				name: 'Estimate Fees',
				value: 'estimateFees',
				action: 'Estimate the fees of an event',
				description: 'Estimate what a pay-in-advance event would cost, without storing it (POST /events/estimate_fees)',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get an event',
				description: 'Get an ingested event by its transaction ID (GET /events/{transaction_id})',
			},
			{
				name: 'Send',
				value: 'create',
				action: 'Send an event',
				description: 'Send one usage event per input item (POST /events)',
			},
			{
				name: 'Send Batch',
				value: 'createBatch',
				action: 'Send events in batches',
				description: 'Send the input items as usage events, up to 100 per request (POST /events/batch)',
			},
		],
		default: 'create',
	},
	...createDescription,
	...createBatchDescription,
	...estimateFeesDescription,
	...getDescription,
];
