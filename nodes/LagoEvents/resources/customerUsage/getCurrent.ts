import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { readParallelPerItem } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems } from '../../shared/parameters';
import { readUsageRequest, simplifyUsage, usageFields } from '../../shared/usage';
import { lagoRequest, retryPolicyFromOptions } from '../../../shared/transport';

export const getCurrentDescription: INodeProperties[] = usageFields('getCurrent', [
	{
		displayName: 'Apply Taxes',
		name: 'applyTaxes',
		type: 'boolean',
		default: true,
		description: "Whether Lago adds the customer's taxes to the amounts (taxes_amount_cents, total_amount_cents)",
	},
]);

/** The query string of current_usage for one item. */
export function currentUsageQuery(request: { externalSubscriptionId: string; billableMetricCode?: string; options: IDataObject }): IDataObject {
	const qs: IDataObject = { external_subscription_id: request.externalSubscriptionId, apply_taxes: request.options.applyTaxes !== false };
	if (request.billableMetricCode) qs.billable_metric_code = request.billableMetricCode;
	return qs;
}

/** Get Current: GET /customers/{external_customer_id}/current_usage, one request per input item. */
export async function getCurrent(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => readUsageRequest(reader, itemIndex),
		async (request, itemIndex) => {
			const body = await lagoRequest.call(
				this,
				{ method: 'GET', path: `/customers/${encodeURIComponent(request.externalCustomerId)}/current_usage`, qs: currentUsageQuery(request) },
				{ operation: 'getCurrentUsage', externalCustomerId: request.externalCustomerId, externalSubscriptionId: request.externalSubscriptionId, code: request.billableMetricCode },
				retryPolicyFromOptions(request.options),
				itemIndex,
			);
			const usage = (body.customer_usage as IDataObject) ?? body;
			const pairedItem = { item: itemIndex };
			if (!request.simplify) return [{ json: usage, pairedItem }];
			return simplifyUsage(usage, request).map((json) => ({ json, pairedItem }));
		},
		readParallelPerItem(this, reader),
	);
}
