import type { INodeProperties } from 'n8n-workflow';

import { create, createDescription } from './create';
import { createBatch, createBatchDescription } from './createBatch';
import { estimateFees, estimateFeesDescription } from './estimateFees';
import { estimateInstantFees, estimateInstantFeesDescription } from './estimateInstantFees';
import { get, getDescription } from './get';
import { getMany, getManyDescription } from './getMany';

export const eventOperations = { create, createBatch, estimateFees, get, getMany, estimateInstantFees };

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
				name: 'Estimate Instant Fees',
				value: 'estimateInstantFees',
				action: 'Estimate the instant fees of events',
				description:
					'Estimate what pay-in-advance standard or percentage charges would bill for each item, up to 100 per request, without storing anything (POST /events/batch_estimate_instant_fees)',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get an event',
				description: 'Get an ingested event by its transaction ID (GET /events/{transaction_id})',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many events',
				description: 'List the events Lago stored, newest first, with filters (GET /events)',
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
	...getManyDescription,
	...estimateInstantFeesDescription,
];
