import type { INodeProperties } from 'n8n-workflow';

import { getCurrent, getCurrentDescription } from './getCurrent';
import { getPast, getPastDescription } from './getPast';

export const customerUsageOperations = { getCurrent, getPast };

export const customerUsageDescription: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['customerUsage'] } },
		options: [
			{
				name: 'Get Current',
				value: 'getCurrent',
				action: 'Get the current usage of a customer',
				description: "Usage of the open billing period, as Lago computes it now (GET /customers/{external_customer_id}/current_usage)",
			},
			{
				name: 'Get Past',
				value: 'getPast',
				action: 'Get the past usage of a customer',
				description: 'Usage of closed billing periods (GET /customers/{external_customer_id}/past_usage)',
			},
		],
		default: 'getCurrent',
	},
	...getCurrentDescription,
	...getPastDescription,
];
