'use strict';

const catalog = require('./catalog');

/**
 * GET /events with lago-api's `index_filters` (`events_controller.rb`, `events_query.rb`,
 * `events_query_filters_contract.rb`), as the Postgres store answers: newest timestamp first.
 *
 * The contract's error keys are not in the reference; the sandbox reports the offending filter with
 * `invalid_date` / `requires_external_subscription_id` / `cannot_be_combined`. The node checks these combinations
 * before any request, so it never relies on the exact keys.
 */

/** @param {string | null} raw @returns {number | null | undefined} undefined: absent, null: not a date */
function parseFilterTime(raw) {
	if (raw === null || raw === '') return undefined;
	const ms = Date.parse(raw);
	return Number.isFinite(ms) ? ms : null;
}

/**
 * @param {import('./store').StoredEvent[]} events
 * @param {URLSearchParams} query
 * @returns {{ errors: Record<string, string[]> } | { matching: import('./store').StoredEvent[] }}
 */
function queryEvents(events, query) {
	const sub = query.get('external_subscription_id');
	const code = query.get('code');
	const fromStart = query.get('timestamp_from_started_at') === 'true';
	const from = parseFilterTime(query.get('timestamp_from'));
	const to = parseFilterTime(query.get('timestamp_to'));
	/** @type {Record<string, string[]>} */
	const errors = {};
	if (from === null) errors.timestamp_from = ['invalid_date'];
	if (to === null) errors.timestamp_to = ['invalid_date'];
	if (fromStart && !sub) errors.timestamp_from_started_at = ['requires_external_subscription_id'];
	if (fromStart && from !== undefined) errors.timestamp_from_started_at = [...(errors.timestamp_from_started_at || []), 'cannot_be_combined'];
	if (Object.keys(errors).length) return { errors };

	let fromMs = from;
	if (fromStart) {
		const subscription = catalog.SUBSCRIPTIONS.find((s) => s.external_id === sub);
		// An unknown subscription has no start: nothing matches, as in Lago's query.
		fromMs = subscription ? Date.parse(subscription.startedAt) : Infinity;
	}
	/** @type {Array<{ e: import('./store').StoredEvent, ts: number }>} */
	const rows = [];
	// Walked from the newest stored row; ties keep the later insert first (the sort is stable).
	for (let i = events.length - 1; i >= 0; i--) {
		const e = events[i];
		if (sub !== null && e.external_subscription_id !== sub) continue;
		if (code !== null && e.code !== code) continue;
		const ts = Date.parse(e.timestamp);
		if (fromMs !== undefined && ts < fromMs) continue;
		if (to !== undefined && ts > /** @type {number} */ (to)) continue;
		rows.push({ e, ts });
	}
	rows.sort((a, b) => b.ts - a.ts);
	return { matching: rows.map((r) => r.e) };
}

module.exports = { queryEvents };
