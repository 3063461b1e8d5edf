import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { metricCodeField, retryOptions } from '../../shared/descriptions';
import { FieldError, parseIdentifier, parseTimestamp } from '../../shared/event';
import { ParameterReader } from '../../shared/parameterReader';
import { processItems } from '../../shared/parameters';
import { lagoRequest, retryPolicyFromOptions } from '../../../shared/transport';

const showOnlyForGetMany = { show: { resource: ['event'], operation: ['getMany'] } };

/** Lago's largest page: the fewest requests for Return All. */
export const MAX_PER_PAGE = 100;

const metricFilter = metricCodeField(['getMany']);

export const getManyDescription: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
		displayOptions: showOnlyForGetMany,
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		typeOptions: { minValue: 1 },
		default: 50,
		description: 'Max number of results to return',
		displayOptions: { show: { ...showOnlyForGetMany.show, returnAll: [false] } },
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		displayOptions: showOnlyForGetMany,
		options: [
			{
				displayName: 'Billable Metric Code',
				name: 'code',
				type: 'resourceLocator',
				default: { mode: 'list', value: '' },
				description: 'Only events sent with this billable metric code',
				modes: metricFilter.modes,
			},
			{
				displayName: 'External Subscription ID',
				name: 'externalSubscriptionId',
				type: 'string',
				default: '',
				placeholder: 'e.g. sub_1234',
				description: "Only events of this subscription (the subscription's external ID, not the customer's)",
			},
			{
				displayName: 'From Subscription Start',
				name: 'fromSubscriptionStart',
				type: 'boolean',
				default: false,
				description:
					"Whether to return only events from the subscription's start onwards. Needs External Subscription ID, and replaces Timestamp From.",
			},
			{
				displayName: 'Timestamp From',
				name: 'timestampFrom',
				type: 'string',
				default: '',
				placeholder: 'e.g. 2026-11-01T00:00:00Z or {{ $now.minus(1, "day") }}',
				description:
					"Only events at or after this time (the event's timestamp). Takes the forms Send's Timestamp takes: ISO 8601 with a time zone, epoch seconds or milliseconds, or a date from an expression.",
			},
			{
				displayName: 'Timestamp To',
				name: 'timestampTo',
				type: 'string',
				default: '',
				placeholder: 'e.g. 2026-11-30T23:59:59Z or {{ $now }}',
				description: "Only events at or before this time (the event's timestamp). Same forms as Timestamp From.",
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: showOnlyForGetMany,
		options: retryOptions,
	},
];

export interface EventFilterInput {
	code?: unknown;
	externalSubscriptionId?: unknown;
	timestampFrom?: unknown;
	timestampTo?: unknown;
	fromSubscriptionStart?: unknown;
}

const isEmpty = (value: unknown) => value === undefined || value === null || (typeof value === 'string' && value.trim() === '');

/** parseTimestamp's answer, or its complaint, without throwing. */
function tryParseTimestamp(value: unknown): { seconds: number } | { problem: FieldError } {
	try {
		return { seconds: parseTimestamp(value) };
	} catch (error) {
		return { problem: error as FieldError };
	}
}

/** A filter time in the forms Send's Timestamp takes, as the ISO 8601 text Lago's filter reads. */
function filterTime(value: unknown, field: 'timestampFrom' | 'timestampTo', label: string): { iso: string; seconds: number } {
	const parsed = tryParseTimestamp(value);
	if ('problem' in parsed) throw new FieldError(field, String(parsed.problem.message).replace(/^Timestamp/, label), parsed.problem.hint);
	return { iso: new Date(Math.round(parsed.seconds * 1000)).toISOString(), seconds: parsed.seconds };
}

/**
 * The query string of GET /events for one item's filters, checked as Lago's filter contract checks them, so a bad
 * combination costs no request.
 */
export function eventsQuery(filters: EventFilterInput): IDataObject {
	const qs: IDataObject = {};
	if (!isEmpty(filters.code)) qs.code = parseIdentifier('code', filters.code, 'Billable Metric Code');
	if (!isEmpty(filters.externalSubscriptionId)) {
		qs.external_subscription_id = parseIdentifier('externalSubscriptionId', filters.externalSubscriptionId, 'External Subscription ID');
	}
	const from = isEmpty(filters.timestampFrom) ? undefined : filterTime(filters.timestampFrom, 'timestampFrom', 'Timestamp From');
	const to = isEmpty(filters.timestampTo) ? undefined : filterTime(filters.timestampTo, 'timestampTo', 'Timestamp To');
	if (filters.fromSubscriptionStart === true) {
		if (qs.external_subscription_id === undefined) {
			throw new FieldError('fromSubscriptionStart', 'From Subscription Start needs an External Subscription ID', 'Add the External Subscription ID filter, or turn From Subscription Start off.');
		}
		if (from) {
			throw new FieldError('fromSubscriptionStart', 'From Subscription Start and Timestamp From cannot be used together', "Remove one: From Subscription Start already sets the start to the subscription's start.");
		}
		qs.timestamp_from_started_at = true;
	}
	if (from && to && from.seconds > to.seconds) {
		throw new FieldError('timestampFrom', `Timestamp From (${from.iso}) is after Timestamp To (${to.iso})`, 'No event could match: swap the two values.');
	}
	if (from) qs.timestamp_from = from.iso;
	if (to) qs.timestamp_to = to.iso;
	return qs;
}

/** Page size for a run: a limit below Lago's largest page fetches just that many. */
export function pageSize(returnAll: boolean, limit: number): number {
	return returnAll ? MAX_PER_PAGE : Math.max(1, Math.min(MAX_PER_PAGE, limit));
}

function readLimit(value: unknown): number {
	const limit = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) {
		throw new FieldError('limit', `Limit must be a whole number of at least 1, got ${JSON.stringify(value)}`, 'Set Limit, or turn on Return All.');
	}
	return limit;
}

/**
 * Get Many: GET /events, one query per input item. Pages are fetched one at a time and only while more events are
 * wanted, so what the node holds is what it outputs plus one page.
 */
export async function getMany(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	return await processItems(
		this,
		(itemIndex) => {
			const returnAll = reader.get('returnAll', itemIndex, false) === true;
			const limit = returnAll ? Infinity : readLimit(reader.get('limit', itemIndex, 50));
			const qs = eventsQuery({
				code: reader.get('filters.code', itemIndex, ''),
				externalSubscriptionId: reader.get('filters.externalSubscriptionId', itemIndex, ''),
				timestampFrom: reader.get('filters.timestampFrom', itemIndex, ''),
				timestampTo: reader.get('filters.timestampTo', itemIndex, ''),
				fromSubscriptionStart: reader.get('filters.fromSubscriptionStart', itemIndex, false),
			});
			return { qs, limit, perPage: pageSize(returnAll, limit), options: reader.get('options', itemIndex, {}) as IDataObject };
		},
		async ({ qs, limit, perPage, options }, itemIndex) => {
			const policy = retryPolicyFromOptions(options);
			const pairedItem = { item: itemIndex };
			const output: INodeExecutionData[] = [];
			// Lago pages by offset, newest first: an event stored while paging pushes the previous page's last events
			// onto the next page. Skipping what the previous page already returned keeps them from appearing twice.
			let previousPage = new Set<unknown>();
			for (let page = 1; ; ) {
				const body = await lagoRequest.call(
					this,
					{ method: 'GET', path: '/events', qs: { ...qs, page, per_page: perPage } },
					{ operation: 'getMany', externalSubscriptionId: qs.external_subscription_id as string | undefined, code: qs.code as string | undefined },
					policy,
					itemIndex,
				);
				const events = Array.isArray(body.events) ? (body.events as IDataObject[]) : [];
				for (const event of events) {
					if (event.lago_id !== undefined && previousPage.has(event.lago_id)) continue;
					output.push({ json: event, pairedItem });
					if (output.length >= limit) return output;
				}
				const nextPage = (body.meta as IDataObject | undefined)?.next_page;
				if (events.length === 0 || typeof nextPage !== 'number' || nextPage <= page) return output;
				previousPage = new Set(events.map((event) => event.lago_id));
				page = nextPage;
			}
		},
	);
}
