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
				action: 'Estimate event fees',
				description: 'Estimate what a pay-in-advance event would cost, without storing it',
			},
			{
				name: 'Estimate Instant Fees',
				value: 'estimateInstantFees',
				action: 'Estimate instant event fees',
				description: 'Estimate what pay-in-advance charges would bill for each item, without storing anything',
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get event',
				description: 'Get a stored event by its transaction ID',
			},
			{
				name: 'Get Many',
				value: 'getMany',
				action: 'Get many events',
				description: 'List the events Lago stored, newest first, with filters',
			},
			{
				name: 'Send',
				value: 'create',
				action: 'Send event',
				description: 'Send one usage event per input item',
			},
			{
				name: 'Send Batch',
				value: 'createBatch',
				action: 'Send events in batches',
				description: 'Send the input items as usage events, up to 100 per request',
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
