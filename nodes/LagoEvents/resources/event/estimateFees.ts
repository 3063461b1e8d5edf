import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { metricCodeField, perItemParallelRequestsOption, propertiesFields, retryOptions, subscriptionField } from '../../shared/descriptions';
import { readParallelPerItem } from '../../shared/parallel';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems, readProperties, readSubscriptionAndCode } from '../../shared/parameters';
import { lagoRequest, retryPolicyFromOptions } from '../../../shared/transport';

const showOnlyForEstimateFees = { show: { resource: ['event'], operation: ['estimateFees'] } };

export const estimateFeesDescription: INodeProperties[] = [
	subscriptionField(['estimateFees']),
	{
		...metricCodeField(['estimateFees']),
		hint: 'Estimate Fees only works for metrics with a pay-in-advance charge on the subscription\'s plan.',
	},
	...propertiesFields(['estimateFees']),
	{
		displayName: 'Simplify',
		name: 'simplify',
		type: 'boolean',
		default: true,
		description: 'Whether to return a short summary of each fee (metric, units, amounts, taxes, currency) instead of the full fee object',
		displayOptions: showOnlyForEstimateFees,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForEstimateFees,
		options: [...retryOptions, perItemParallelRequestsOption],
	},
];

/** The fields of a fee that a person reads; Lago's full fee object has about 30. */
export function simplifyFee(fee: IDataObject): IDataObject {
	const item = (fee.item ?? {}) as IDataObject;
	return {
		metric_code: item.code ?? null,
		metric_name: item.name ?? null,
		units: fee.units ?? null,
		amount_cents: fee.amount_cents ?? null,
		taxes_amount_cents: fee.taxes_amount_cents ?? null,
		taxes_rate: fee.taxes_rate ?? null,
		total_amount_cents: fee.total_amount_cents ?? null,
		currency: fee.amount_currency ?? fee.total_amount_currency ?? null,
	};
}

/** Estimate Fees: POST /events/estimate_fees, one item per returned fee, paired to its input item. */
export async function estimateFees(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => {
			const { external_subscription_id, code } = readSubscriptionAndCode(reader, itemIndex);
			const event: IDataObject = { code, external_subscription_id };
			const properties = readProperties(reader, itemIndex);
			if (properties) event.properties = properties;
			return {
				event,
				options: reader.get('options', itemIndex, {}) as IDataObject,
				simplify: reader.get('simplify', itemIndex, true) as boolean,
			};
		},
		async ({ event, options, simplify }, itemIndex) => {
			const body = await lagoRequest.call(
				this,
				{ method: 'POST', path: '/events/estimate_fees', body: { event } },
				{ operation: 'estimateFees', externalSubscriptionId: event.external_subscription_id as string, code: event.code as string },
				retryPolicyFromOptions(options),
				itemIndex,
			);
			const fees = Array.isArray(body.fees) ? (body.fees as IDataObject[]) : [];
			const pairedItem = { item: itemIndex };
			if (fees.length === 0) return [{ json: { ...event, fees: [] }, pairedItem }];
			return fees.map((fee) => ({ json: simplify ? simplifyFee(fee) : fee, pairedItem }));
		},
		readParallelPerItem(this, reader),
	);
}
