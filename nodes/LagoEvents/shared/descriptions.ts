import type { INodeProperties } from 'n8n-workflow';
import { DEFAULT_PARALLEL_REQUESTS_PER_ITEM, MAX_PARALLEL_REQUESTS_PER_ITEM } from './parallel';

/** Parameters that several operations show. Each operation file picks the ones it needs for its own displayOptions. */

type Operation = 'create' | 'createBatch' | 'estimateFees' | 'get' | 'getMany' | 'estimateInstantFees';

const showFor = (operations: Operation[]) => ({ show: { resource: ['event'], operation: operations } });

export function subscriptionField(operations: Operation[]): INodeProperties {
	return {
		displayName: 'External Subscription ID',
		name: 'externalSubscriptionId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. sub_1234 or {{ $json.subscription_id }}',
		description:
			'The external ID of the Lago subscription the usage belongs to (the subscription\'s ID, not the customer\'s). Text, exactly as in Lago.',
		hint: "The subscription's external ID, not the customer's. An ID that matches no active subscription is accepted by Lago but never billed.",
		displayOptions: showFor(operations),
	};
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
			'Unique ID of this usage record (e.g. an order or log-line ID). Lago ingests each ID once per subscription: re-sending an ID never bills twice, and two different records with the same ID are billed once. Leave empty to let the node derive one from the execution, node, run and item (it stays the same when the node retries and when a failed execution is retried from the executions list, and is returned in the output). AI agents: when retrying a call, reuse the same Transaction ID.',
		hint: 'Map an ID from your data if this workflow may run again over the same records: a new execution derives new IDs, and Lago would count the usage twice. Retrying a failed execution is safe: it derives the same IDs.',
		displayOptions: showFor(operations),
	};
}

export function timestampField(operations: Operation[]): INodeProperties {
	return {
		displayName: 'Timestamp',
		name: 'timestamp',
		type: 'string',
		default: '',
		placeholder: 'e.g. {{ $json.created_at }}, 2026-11-01T10:00:00Z or 1700000000123',
		description:
			'When the usage happened. Accepts ISO 8601 with a time zone (2026-11-01T10:00:00Z, 2026-11-01T12:00:00+02:00), epoch seconds (1700000000 or 1700000000.123), epoch milliseconds (1700000000123) or a date from an expression ({{ $now }}). Sent to Lago as epoch seconds with milliseconds. Leave empty for the time the node run started; it is then the same on every retry, including Retry On Fail.',
		hint: 'ISO 8601 with a time zone, or epoch seconds (10 digits) or milliseconds (13 digits): the node converts both. Times before 2000 or after 2099 are refused as a unit mistake. Empty means now. An event counts only while its subscription is active and the billing period is open.',
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
		displayName: 'Initial Retry Delay (Ms)',
		name: 'initialRetryDelay',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 60000 },
		default: 500,
		description:
			"First wait before a retry, in milliseconds; it doubles on each retry, with jitter. A 429 waits for Lago's X-RateLimit-Reset instead.",
	},
	{
		displayName: 'Max Attempts',
		name: 'maxAttempts',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 20 },
		default: 8,
		description:
			'How many times to try a request in total when Lago answers 429 or 5xx, or the connection fails. Other errors are never retried. Every retry sends the identical event.',
	},
	{
		displayName: 'Max Retry Time (Seconds)',
		name: 'maxRetryTime',
		type: 'number',
		typeOptions: { minValue: 0, maxValue: 3600 },
		default: 120,
		description: 'Upper bound on the time spent on one request, waits included, before the node reports the failure',
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
