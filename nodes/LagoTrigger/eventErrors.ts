import type { IDataObject } from 'n8n-workflow';

/**
 * `events.errors` (lago-api `app/services/webhooks/events/validation_errors_service.rb`): the events Lago accepted
 * with 200 but cannot bill, as `{ events_errors: { <kind>: [transaction_id, ...] } }`. One item per failed event
 * lets a workflow fix and re-send each one.
 */

export type EventErrorKind = 'invalid_code' | 'missing_aggregation_property' | 'invalid_filter_values' | 'missing_group_key';

export const EVENT_ERROR_KINDS: EventErrorKind[] = ['invalid_code', 'missing_aggregation_property', 'invalid_filter_values', 'missing_group_key'];

export const EVENT_ERROR_FIXES: Record<EventErrorKind, string> = {
	invalid_code:
		'No billable metric has this event\'s code. Create the metric in Lago (events already received then count), or re-send the event with the right code under a new transaction ID.',
	missing_aggregation_property:
		"The event lacks the property its billable metric aggregates (the metric's Field name). Re-send it with that property under a new transaction ID.",
	invalid_filter_values:
		"A property the metric filters on has a value that is not one of the filter's values. Add the value to the metric's filter in Lago, or re-send the event with an accepted value under a new transaction ID.",
	missing_group_key:
		"The event lacks the property the metric's charge groups by. Re-send it with that property under a new transaction ID.",
};

export interface EventErrorItem extends IDataObject {
	webhook_type: string;
	organization_id: string | null;
	transaction_id: string;
	error: EventErrorKind;
	fix: string;
}

/**
 * One entry per (kind, transaction id), in Lago's kind order then the webhook's order. Unknown kinds Lago may add
 * later are kept too, with a generic fix, so no failed event is dropped.
 */
export function splitEventErrors(payload: IDataObject): EventErrorItem[] {
	const errors = payload.events_errors;
	if (!errors || typeof errors !== 'object' || Array.isArray(errors)) return [];
	const byKind = errors as Record<string, unknown>;
	const kinds = [...EVENT_ERROR_KINDS, ...Object.keys(byKind).filter((k) => !EVENT_ERROR_KINDS.includes(k as EventErrorKind))];
	const items: EventErrorItem[] = [];
	for (const kind of kinds) {
		const ids = byKind[kind];
		if (!Array.isArray(ids)) continue;
		for (const id of ids) {
			if (id === null || id === undefined || (typeof id !== 'string' && typeof id !== 'number')) continue;
			items.push({
				webhook_type: String(payload.webhook_type ?? 'events.errors'),
				organization_id: typeof payload.organization_id === 'string' ? payload.organization_id : null,
				transaction_id: String(id),
				error: kind as EventErrorKind,
				fix: EVENT_ERROR_FIXES[kind as EventErrorKind] ?? `Lago reported "${kind}" for this event; see Lago's events.errors documentation.`,
			});
		}
	}
	return items;
}
