import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INodeExecutionData, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { searchBillableMetrics } from './listSearch/searchBillableMetrics';
import { eventDescription, eventOperations } from './resources/event';

export class LagoEvents implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Lago Events',
		name: 'lagoEvents',
		icon: { light: 'file:lago.svg', dark: 'file:lago.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ {"create": "Send", "createBatch": "Send Batch", "estimateFees": "Estimate Fees", "get": "Get"}[$parameter["operation"]] }}',
		description:
			'Send usage events to Lago for usage-based billing, one by one or in batches, estimate their fees, or look them up',
		defaults: { name: 'Lago Events' },
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
				options: [{ name: 'Event', value: 'event' }],
				default: 'event',
			},
			...eventDescription,
		],
	};

	methods = { listSearch: { searchBillableMetrics } };

	// Every operation runs through the shared transport: retries, rate limits and batching need code, not routing.
	customOperations = { event: eventOperations };

	/**
	 * The same operations for callers that invoke `execute` directly instead of looking up customOperations: n8n runs
	 * a node used as an AI tool this way. Without it n8n would give this node a routing-only execute that ignores
	 * customOperations.
	 */
	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		const operation = this.getNodeParameter('operation', 0) as string;
		if (!Object.prototype.hasOwnProperty.call(eventOperations, operation)) {
			throw new NodeOperationError(this.getNode(), `Unknown operation "${operation}"`);
		}
		return await eventOperations[operation as keyof typeof eventOperations].call(this);
	}
}
