import type { IDataObject, IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';

import { metricCodeField, retryOptions, subscriptionLocator } from '../../shared/descriptions';
import { FieldError, parseIdentifier, parseTimestamp } from '../../shared/event';
import { runInParallel } from '../../shared/parallel';
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
			subscriptionLocator({ description: "Only events of this subscription (its external ID, not the customer's)" }),
			{
				displayName: 'From Subscription Start',
				name: 'fromSubscriptionStart',
				type: 'boolean',
				default: false,
				description: "Whether to return only events from the subscription's start onwards, instead of Timestamp From",
				// Offered once a subscription is chosen: Lago needs one to know the start.
				displayOptions: { show: { externalSubscriptionId: [{ _cnd: { exists: true } }] } },
			},
			{
				displayName: 'Timestamp From',
				name: 'timestampFrom',
				type: 'dateTime',
				default: '',
				description: "Only events at or after this time. Without a time zone, the workflow's time zone applies.",
			},
			{
				displayName: 'Timestamp To',
				name: 'timestampTo',
				type: 'dateTime',
				default: '',
				description: "Only events at or before this time. Without a time zone, the workflow's time zone applies.",
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
function tryParseTimestamp(value: unknown, timeZone: string | undefined): { seconds: number } | { problem: FieldError } {
	try {
		return { seconds: parseTimestamp(value, timeZone) };
	} catch (error) {
		return { problem: error as FieldError };
	}
}

/** A filter time in the forms Send's Timestamp takes, as the ISO 8601 text Lago's filter reads. */
function filterTime(value: unknown, field: 'timestampFrom' | 'timestampTo', label: string, timeZone: string | undefined): { iso: string; seconds: number } {
	const parsed = tryParseTimestamp(value, timeZone);
	if ('problem' in parsed) throw new FieldError(field, String(parsed.problem.message).replace(/^Timestamp/, label), parsed.problem.hint);
	return { iso: new Date(Math.round(parsed.seconds * 1000)).toISOString(), seconds: parsed.seconds };
}

/**
 * The query string of GET /events for one item's filters, checked as Lago's filter contract checks them, so a bad
 * combination costs no request.
 */
export function eventsQuery(filters: EventFilterInput, timeZone?: string): IDataObject {
	const qs: IDataObject = {};
	if (!isEmpty(filters.code)) qs.code = parseIdentifier('code', filters.code, 'Billable Metric Code');
	if (!isEmpty(filters.externalSubscriptionId)) {
		qs.external_subscription_id = parseIdentifier('externalSubscriptionId', filters.externalSubscriptionId, 'External Subscription ID');
	}
	const from = isEmpty(filters.timestampFrom) ? undefined : filterTime(filters.timestampFrom, 'timestampFrom', 'Timestamp From', timeZone);
	const to = isEmpty(filters.timestampTo) ? undefined : filterTime(filters.timestampTo, 'timestampTo', 'Timestamp To', timeZone);
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

/** Pages of one query in flight at once, once page 1 has said how many there are. */
export const PARALLEL_PAGES = 10;

const eventsOf = (body: IDataObject): IDataObject[] => (Array.isArray(body.events) ? (body.events as IDataObject[]) : []);

/**
 * Get Many: GET /events, one query per input item. Page 1 comes first; once it gives total_pages, the pages still
 * wanted are fetched up to PARALLEL_PAGES at a time and read in page order, so what the node holds is what it outputs
 * plus one window of pages.
 */
export async function getMany(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const reader = new ParameterReader(this);
	const timeZone = this.getTimezone();
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
			}, timeZone);
			return { qs, limit, perPage: pageSize(returnAll, limit), options: reader.get('options', itemIndex, {}) as IDataObject };
		},
		async ({ qs, limit, perPage, options }, itemIndex) => {
			const policy = retryPolicyFromOptions(options);
			const pairedItem = { item: itemIndex };
			const output: INodeExecutionData[] = [];
			const fetchPage = async (page: number) =>
				await lagoRequest.call(
					this,
					{ method: 'GET', path: '/events', qs: { ...qs, page, per_page: perPage } },
					{ operation: 'getMany', externalSubscriptionId: qs.external_subscription_id as string | undefined, code: qs.code as string | undefined },
					policy,
					itemIndex,
				);
			// Lago pages by offset, newest first: an event stored while paging pushes earlier pages' last events onto
			// later pages. Skipping every event already output keeps them from appearing twice, whatever order the
			// pages were fetched in.
			const seen = new Set<unknown>();
			const take = (events: IDataObject[]): boolean => {
				for (const event of events) {
					if (event.lago_id !== undefined) {
						if (seen.has(event.lago_id)) continue;
						seen.add(event.lago_id);
					}
					output.push({ json: event, pairedItem });
					if (output.length >= limit) return true;
				}
				return false;
			};
			const first = await fetchPage(1);
			const meta = (first.meta as IDataObject | undefined) ?? {};
			if (take(eventsOf(first)) || eventsOf(first).length === 0 || typeof meta.next_page !== 'number') return output;
			const totalPages = meta.total_pages;
			if (typeof totalPages !== 'number' || !Number.isInteger(totalPages)) {
				// A server that does not say how many pages there are: follow next_page, one page at a time.
				for (let page = meta.next_page; ; ) {
					const body = await fetchPage(page);
					const nextPage = (body.meta as IDataObject | undefined)?.next_page;
					if (take(eventsOf(body)) || eventsOf(body).length === 0 || typeof nextPage !== 'number' || nextPage <= page) return output;
					page = nextPage;
				}
			}
			for (let page = 2; page <= totalPages; ) {
				// Only the pages the limit can still use (duplicates skipped may need one more window).
				const wanted = limit === Infinity ? totalPages - page + 1 : Math.ceil((limit - output.length) / perPage);
				const window = Math.max(1, Math.min(PARALLEL_PAGES, wanted, totalPages - page + 1));
				const bodies: IDataObject[] = new Array(window);
				await runInParallel(window, window, () => [], async (i) => {
					bodies[i] = await fetchPage(page + i);
				});
				for (const body of bodies) if (take(eventsOf(body))) return output;
				page += window;
			}
			return output;
		},
	);
}
