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
				action: 'Get current customer usage',
				description: 'Usage of the open billing period, as Lago computes it now',
			},
			{
				name: 'Get Past',
				value: 'getPast',
				action: 'Get past customer usage',
				description: 'Usage of closed billing periods',
			},
		],
		default: 'getCurrent',
	},
	...getCurrentDescription,
	...getPastDescription,
];
