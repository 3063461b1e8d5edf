import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { searchBillableMetrics } from './listSearch/searchBillableMetrics';
import { searchCustomers } from './listSearch/searchCustomers';
import { searchSubscriptions } from './listSearch/searchSubscriptions';
import { customerUsageDescription, customerUsageOperations } from './resources/customerUsage';
import { eventDescription, eventOperations } from './resources/event';

const operationsByResource: Record<string, Record<string, (this: IExecuteFunctions) => Promise<INodeExecutionData[][]>>> = {
	event: eventOperations,
	customerUsage: customerUsageOperations,
};

export class LagoEvents implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Lago',
		name: 'lagoEvents',
		icon: { light: 'file:lago.svg', dark: 'file:lago.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ {"create": "Send", "createBatch": "Send Batch", "estimateFees": "Estimate Fees", "get": "Get", "getMany": "Get Many", "estimateInstantFees": "Estimate Instant Fees", "getCurrent": "Get Current Usage", "getPast": "Get Past Usage"}[$parameter["operation"]] }}',
		description:
			'Send usage events to Lago for usage-based billing, one by one or in batches, estimate their fees, look them up, or read a customer\'s usage',
		defaults: { name: 'Lago' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'lagoApi', required: true }],
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Customer Usage', value: 'customerUsage' },
					{ name: 'Event', value: 'event' },
				],
				default: 'event',
			},
			...eventDescription,
			...customerUsageDescription,
		],
	};

	methods = { listSearch: { searchBillableMetrics, searchCustomers, searchSubscriptions } };

	// Every operation runs through the shared transport: retries, rate limits and batching need code, not routing.
	customOperations = { event: eventOperations, customerUsage: customerUsageOperations };

	/**
	 * The same operations for callers that invoke `execute` directly instead of looking up customOperations: n8n runs
	 * a node used as an AI tool this way. Without it n8n would give this node a routing-only execute that ignores
	 * customOperations.
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const resource = this.getNodeParameter('resource', 0, 'event') as string;
		const operation = this.getNodeParameter('operation', 0) as string;
		const operations = Object.prototype.hasOwnProperty.call(operationsByResource, resource) ? operationsByResource[resource] : undefined;
		if (!operations || !Object.prototype.hasOwnProperty.call(operations, operation)) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}" for resource "${resource}"`);
		}
		return await operations[operation].call(this);
	}
}
