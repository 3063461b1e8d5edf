import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { FieldError } from '../../shared/event';
import { readParallelPerItem } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems } from '../../shared/parameters';
import { readUsageRequest, simplifyUsage, usageFields } from '../../shared/usage';
import { lagoRequest, retryPolicyFromOptions } from '../../../shared/transport';

const PER_PAGE = 100;

export const getPastDescription: INodeProperties[] = usageFields('getPast', [
	{
		displayName: 'Periods Count',
		name: 'periodsCount',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 1,
		description: 'How many closed billing periods to return, most recent first. Leave the option out for all of them.',
	},
]);

/** The query string of past_usage for one item, without the page. */
export function pastUsageQuery(request: { externalSubscriptionId: string; billableMetricCode?: string; options: IDataObject }): IDataObject {
	const qs: IDataObject = { external_subscription_id: request.externalSubscriptionId };
	const count = request.options.periodsCount;
	if (count !== undefined && count !== null && count !== '') {
		if (typeof count !== 'number' || !Number.isInteger(count) || count < 1) {
			throw new FieldError('periodsCount', `Periods Count must be a whole number of at least 1, got ${JSON.stringify(count)}`, 'Set it to 1 or more, or remove the option to get every period.');
		}
		qs.periods_count = count;
	}
	if (request.billableMetricCode) qs.billable_metric_code = request.billableMetricCode;
	return qs;
}

/** Get Past: GET /customers/{external_customer_id}/past_usage, every page, one request per page. */
export async function getPast(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => {
			const request = readUsageRequest(reader, itemIndex);
			return { request, qs: pastUsageQuery(request) };
		},
		async ({ request, qs }, itemIndex) => {
			const pairedItem = { item: itemIndex };
			const output: INodeExecutionData[] = [];
			for (let page = 1; ; ) {
				const body = await lagoRequest.call(
					this,
					{ method: 'GET', path: `/customers/${encodeURIComponent(request.externalCustomerId)}/past_usage`, qs: { ...qs, page, per_page: PER_PAGE } },
					{ operation: 'getPastUsage', externalCustomerId: request.externalCustomerId, externalSubscriptionId: request.externalSubscriptionId, code: request.billableMetricCode },
					retryPolicyFromOptions(request.options),
					itemIndex,
				);
				const periods = Array.isArray(body.usage_periods) ? (body.usage_periods as IDataObject[]) : [];
				for (const usage of periods) {
					if (!request.simplify) output.push({ json: usage, pairedItem });
					else for (const json of simplifyUsage(usage, request)) output.push({ json, pairedItem });
				}
				const nextPage = (body.meta as IDataObject | undefined)?.next_page;
				if (periods.length === 0 || typeof nextPage !== 'number' || nextPage <= page) return output;
				page = nextPage;
			}
		},
		readParallelPerItem(this, reader),
	);
}
