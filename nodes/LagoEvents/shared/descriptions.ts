import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_PARALLEL_REQUESTS_PER_ITEM, MAX_PARALLEL_REQUESTS_PER_ITEM } from './parallel';

/** Parameters that several operations show. Each operation file picks the ones it needs for its own displayOptions. */

type Operation = 'create' | 'createBatch' | 'estimateFees' | 'get' | 'getMany' | 'estimateInstantFees';

const showFor = (operations: Operation[]) => ({ show: { resource: ['event'], operation: operations } });

/**
 * External Subscription ID as a picker, for every operation that names a subscription. The list needs no customer: it
 * shows each subscription with its customer, or only the customer's when External Customer ID is set. Workflows saved
 * when it was a text field keep a plain string here, which n8n reads as the value (getNodeParameter's extractValue
 * returns a string as it is; test/operations/pickersAndDates.test.ts).
 */
export function subscriptionLocator(overrides: Partial<INodeProperties>): INodeProperties {
	return {
		displayName: 'External Subscription ID',
		name: 'externalSubscriptionId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a subscription...',
				typeOptions: { searchListMethod: 'searchSubscriptions', searchable: true },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. sub_1234',
			},
		],
		...overrides,
	};
}

export function subscriptionField(operations: Operation[]): INodeProperties {
	return subscriptionLocator({
		required: true,
		description: "The subscription the usage belongs to. The node sends its external ID (not the customer's).",
		hint: 'An ID that matches no active subscription is accepted by Lago but never billed',
		displayOptions: showFor(operations),
	});
}

export function metricCodeField(operations: Operation[]): INodeProperties {
	return {
		displayName: 'Billable Metric Code',
		name: 'code',
		type: 'resourceLocator',
		required: true,
		default: { mode: 'list', value: '' },
		description: 'The billable metric the usage counts towards. The node sends its code.',
		hint: 'Lago accepts an event whose code matches no billable metric, but never bills it. Pick from the list, or type the exact code.',
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a billable metric...',
				typeOptions: { searchListMethod: 'searchBillableMetrics', searchable: true },
			},
			{
				displayName: 'By Code',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. api_calls',
				validation: [
					{
						type: 'regex',
						properties: { regex: '^\\S+$', errorMessage: 'A billable metric code has no spaces' },
					},
				],
			},
		],
		displayOptions: showFor(operations),
	};
}

export function transactionIdField(operations: Operation[]): INodeProperties {
	return {
		displayName: 'Transaction ID',
		name: 'transactionId',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.order_id }}',
		description:
			'Unique ID of this usage record, e.g. an order ID. Lago bills each ID once per subscription. Empty: the node derives one that stays the same on retries.',
		hint: 'Map an ID from your data if the workflow may run again over the same records: a new execution derives new IDs.',
		displayOptions: showFor(operations),
	};
}

export function timestampField(operations: Operation[]): INodeProperties {
	return {
		displayName: 'Timestamp',
		name: 'timestamp',
		type: 'dateTime',
		default: '',
		description:
			"When the usage happened: a date, ISO 8601 text, epoch seconds or milliseconds. Without a time zone, the workflow's time zone applies. Empty: when the node started, the same on every retry.",
		hint: 'Billed only while the subscription is active and the billing period is open',
		displayOptions: showFor(operations),
	};
}

export function propertiesFields(operations: Operation[]): INodeProperties[] {
	return [
		{
			displayName: 'Properties Input',
			name: 'propertiesInput',
			type: 'options',
			noDataExpression: true,
			options: [
				{ name: 'Key/Value Pairs', value: 'keyValue', description: 'One row per property' },
				{ name: 'JSON', value: 'json', description: 'One JSON object; allows nested values' },
			],
			default: 'keyValue',
			description: 'How to enter the event properties that the billable metric aggregates or filters on',
			displayOptions: showFor(operations),
		},
		{
			displayName: 'Properties',
			name: 'properties',
			type: 'fixedCollection',
			typeOptions: { multipleValues: true, sortable: true },
			placeholder: 'Add Property',
			default: {},
			description:
				'The key must match the field name your billable metric sums or filters on (e.g. gb). Values are sent exactly as they resolve: "10" stays text and {{ 10 }} is a number; Lago reads numeric text as a number for sums.',
			options: [
				{
					displayName: 'Property',
					name: 'property',
					values: [
						{
							displayName: 'Key',
							name: 'key',
							type: 'string',
							default: '',
							placeholder: 'e.g. gb',
							description: "Property name, e.g. the billable metric's field name",
						},
						{
							displayName: 'Value',
							name: 'value',
							type: 'string',
							default: '',
							placeholder: 'e.g. 10 or {{ $json.gb }}',
							description: 'Property value. Text stays text; map a number with an expression to send a number.',
						},
					],
				},
			],
			displayOptions: { show: { ...showFor(operations).show, propertiesInput: ['keyValue'] } },
		},
		{
			displayName: 'Properties (JSON)',
			name: 'propertiesJson',
			type: 'json',
			default: '{}',
			placeholder: '{"gb": 10, "region": "eu"}',
			description: 'A JSON object of event properties, e.g. {"gb": 10, "operation_type": "add"}. Nested objects and arrays are kept.',
			hint: 'A JSON object, e.g. {"gb": 10, "region": "eu"}. Numbers above 2^53 must be in quotes.',
			displayOptions: { show: { ...showFor(operations).show, propertiesInput: ['json'] } },
		},
	];
}

export const retryOptions: INodeProperties[] = [
	{
		displayName: 'Initial Retry Delay (Milliseconds)',
		name: 'initialRetryDelay',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 60000 },
		default: 500,
		description: "First wait before retrying a request after a 5xx or a connection error; it doubles each time. A 429 waits for Lago's reset instead.",
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 8,
		description:
			"Most tries of one request on 429, 5xx or a connection error, each with the identical event. This retries one request; n8n's Settings › Retry On Fail re-runs the whole node.",
	},
	{
		displayName: 'Max Retry Time (Seconds)',
		name: 'maxRetryTime',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 3600 },
		default: 120,
		description: 'Most time spent on one request, waits included, before the node reports the failure',
	},
];

export const onDuplicateOption: INodeProperties = {
	displayName: 'On Duplicate',
	name: 'onDuplicate',
	type: 'options',
	options: [
		{
			name: 'Succeed',
			value: 'succeed',
			description: 'Output the event as sent, with already_ingested: true. Safe for re-runs.',
		},
		{
			name: 'Fail',
			value: 'fail',
			description: 'Treat a reused Transaction ID as an error',
		},
	],
	default: 'succeed',
	description:
		'What to do when Lago already has an event with this Transaction ID for the subscription (Lago answers value_already_exist and keeps the first event). Succeed also hides a mapped Transaction ID that is not unique, so map a real record ID.',
};

/** Parallel Requests, for Send and Send Batch; bounds and defaults are explained in the README (Performance). */
export const parallelRequestsOption = (max: number, defaultValue: number, description: string): INodeProperties => ({
	displayName: 'Parallel Requests',
	name: 'parallelRequests',
	type: 'number',
	typeOptions: { minValue: 1, maxValue: max },
	default: defaultValue,
	description,
});

/** Parallel Requests of the per-item reads and estimates (Get, Estimate Fees, Get Current, Get Past). */
export const perItemParallelRequestsOption: INodeProperties = parallelRequestsOption(
	MAX_PARALLEL_REQUESTS_PER_ITEM,
	DEFAULT_PARALLEL_REQUESTS_PER_ITEM,
	`How many items may be in flight at once, from 1 to ${MAX_PARALLEL_REQUESTS_PER_ITEM}. Results stay in input order and paired to their items, each item still gets its own retries, and requests stay under Lago Cloud's rate limits unless the credential lifts them.`,
);
