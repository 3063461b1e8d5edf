import type { IDataObject, INodeProperties } from 'n8n-workflow';

import { metricCodeField, perItemParallelRequestsOption, retryOptions, subscriptionLocator } from './descriptions';
import { parseIdentifier } from './event';
import { centsToAmount, decimalToNumber } from './money';
import type { ParameterReader } from './parameterReader';

/** What Get Current and Get Past of Customer Usage share: their fields, what they read, and Simplify. */

export type UsageOperation = 'getCurrent' | 'getPast';

const showFor = (operations: UsageOperation[]) => ({ show: { resource: ['customerUsage'], operation: operations } });

const metricModes = metricCodeField(['create']).modes;

export function usageFields(operation: UsageOperation, extraOptions: INodeProperties[]): INodeProperties[] {
	const displayOptions = showFor([operation]);
	return [
		{
			// A picker since the panel review; a workflow saved with text here keeps it, and n8n reads text as the value.
			displayName: 'External Customer ID',
			name: 'externalCustomerId',
			type: 'resourceLocator',
			required: true,
			default: { mode: 'list', value: '' },
			description: "The customer's external ID in Lago (the ID from your application), not Lago's own ID",
			modes: [
				{
					displayName: 'From List',
					name: 'list',
					type: 'list',
					placeholder: 'Select a customer...',
					typeOptions: { searchListMethod: 'searchCustomers', searchable: true },
				},
				{
					displayName: 'By ID',
					name: 'id',
					type: 'string',
					placeholder: 'e.g. cus_1234',
				},
			],
			displayOptions,
		},
		subscriptionLocator({
			required: true,
			description: "The customer's subscription to read usage for. The node sends its external ID.",
			hint:
				operation === 'getCurrent'
					? 'Current usage needs a subscription that is active now. The list shows the active subscriptions of the customer above.'
					: 'The list shows the active subscriptions of the customer above; type the ID of a terminated one.',
			displayOptions,
		}),
		{
			displayName: 'Simplify',
			name: 'simplify',
			type: 'boolean',
			default: true,
			description:
				"Whether to return one item per charge with ten fields (metric, units, events count, amount, currency, period) instead of Lago's usage object",
			displayOptions,
		},
		{
			displayName: 'Options',
			name: 'options',
			type: 'collection',
			placeholder: 'Add Option',
			default: {},
			displayOptions,
			// Sorted by what the panel shows. The metric filter is an option, not a Filters entry as in Get Many, because its
			// saved name is options.billableMetricCode (CHANGELOG, Unreleased, Changed).
			options: ([
				{
					displayName: 'Billable Metric Code',
					name: 'billableMetricCode',
					type: 'resourceLocator',
					default: { mode: 'list', value: '' },
					description: 'Only the usage of this billable metric',
					modes: metricModes,
				},
				...extraOptions,
				...retryOptions,
				perItemParallelRequestsOption,
			] as INodeProperties[]).sort((a, b) => a.displayName.localeCompare(b.displayName, 'en')),
		},
	];
}

export interface UsageRequest {
	externalCustomerId: string;
	externalSubscriptionId: string;
	billableMetricCode?: string;
	simplify: boolean;
	options: IDataObject;
}

export function readUsageRequest(reader: ParameterReader, itemIndex: number): UsageRequest {
	const options = reader.get('options', itemIndex, {}) as IDataObject;
	const metric = reader.get('options.billableMetricCode', itemIndex, '');
	const request: UsageRequest = {
		externalCustomerId: parseIdentifier('externalCustomerId', reader.get('externalCustomerId', itemIndex, ''), 'External Customer ID'),
		externalSubscriptionId: parseIdentifier('externalSubscriptionId', reader.get('externalSubscriptionId', itemIndex, ''), 'External Subscription ID'),
		simplify: reader.get('simplify', itemIndex, true) !== false,
		options,
	};
	if (typeof metric === 'string' ? metric.trim() !== '' : metric !== undefined && metric !== null) {
		request.billableMetricCode = parseIdentifier('billableMetricCode', metric, 'Billable Metric Code');
	}
	return request;
}

/**
 * One item per charge of a usage period, flat, so an IF node can compare `units` or `amount` to a threshold: ten
 * fields, n8n's guideline for Simplify. A period with no charge at all still gives one item, so the workflow sees the
 * period.
 */
export function simplifyUsage(usage: IDataObject, request: Pick<UsageRequest, 'externalCustomerId' | 'externalSubscriptionId'>): IDataObject[] {
	const period = { from_datetime: usage.from_datetime ?? null, to_datetime: usage.to_datetime ?? null };
	const base = { external_customer_id: request.externalCustomerId, external_subscription_id: request.externalSubscriptionId };
	const charges = Array.isArray(usage.charges_usage) ? (usage.charges_usage as IDataObject[]) : [];
	if (charges.length === 0) {
		const currency = usage.currency ?? null;
		return [
			{
				...base,
				metric_code: null,
				metric_name: null,
				units: 0,
				events_count: 0,
				amount: centsToAmount(usage.amount_cents ?? 0, currency),
				currency,
				...period,
			},
		];
	}
	return charges.map((charge) => {
		const metric = (charge.billable_metric ?? {}) as IDataObject;
		const currency = charge.amount_currency ?? usage.currency ?? null;
		return {
			...base,
			metric_code: metric.code ?? null,
			metric_name: metric.name ?? null,
			units: decimalToNumber(charge.units),
			events_count: charge.events_count ?? null,
			amount: centsToAmount(charge.amount_cents, currency),
			currency,
			...period,
		};
	});
}
