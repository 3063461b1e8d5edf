'use strict';

const { randomUUID } = require('node:crypto');
const { resolveEventTimestamp, iso8601 } = require('./time');
const { parseToD, roundTo, toPlainString } = require('./decimal');

/** The string `error_details` Lago returns when a billable-metric expression fails. */
const EXPRESSION_ERROR = 'expression_evaluation_failed: Variable: b not found';

/**
 * @typedef {{ lago_id: string, transaction_id: string, lago_customer_id: null, code: string,
 *   timestamp: string, precise_total_amount_cents: string | null, properties: object,
 *   lago_subscription_id: null, external_subscription_id: string | null, created_at: string }} StoredEvent
 * @typedef {Record<string, string[]>} FieldErrors
 */

/** @param {unknown} v */
function isPlainObject(v) {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Rails strong parameters keep scalars only; hashes and arrays under a scalar key are dropped.
 * @param {unknown} v
 */
function permitScalar(v) {
	return typeof v === 'object' && v !== null ? undefined : v;
}

/**
 * Value as ActiveRecord's string type casts it (numbers via to_s, booleans as "t"/"f").
 * @param {unknown} v
 * @returns {string | null}
 */
function asColumnString(v) {
	const s = permitScalar(v);
	if (s === undefined || s === null) return null;
	if (typeof s === 'boolean') return s ? 't' : 'f';
	return String(s);
}

/** ActiveSupport `blank?` on a string column. @param {string | null} s */
function isBlank(s) {
	return s === null || s.trim() === '';
}

/**
 * ActiveRecord's decimal(40,15) cast: "" is nil, garbage is 0, numeric prefixes are read.
 * @param {unknown} v
 * @returns {string | null}
 */
function castPreciseAmount(v) {
	const s = permitScalar(v);
	if (s === undefined || s === null) return null;
	if (s === true) return '1.0';
	if (s === false) return '0.0';
	const text = String(s);
	if (text.trim() === '') return null;
	return toPlainString(roundTo(parseToD(text), 15));
}

/**
 * Builds the row Lago would insert, or the errors Lago would report for it.
 * Precedence follows the create services: timestamp (rescued ArgumentError) before
 * expression evaluation before model validations.
 * @param {unknown} raw
 * @param {number} receivedAtMs
 * @param {Set<string>} rejectIds
 * @returns {{ event?: StoredEvent, errors?: FieldErrors | string }}
 */
function buildEvent(raw, receivedAtMs, rejectIds) {
	const input = isPlainObject(raw) ? /** @type {Record<string, unknown>} */ (raw) : {};
	const tsMs = resolveEventTimestamp(permitScalar(input.timestamp), receivedAtMs);
	if (tsMs === null) return { errors: { timestamp: ['invalid_format'] } };

	const transactionId = asColumnString(input.transaction_id);
	const code = asColumnString(input.code);
	if (transactionId !== null && rejectIds.has(transactionId)) return { errors: EXPRESSION_ERROR };

	/** @type {FieldErrors} */
	const errors = {};
	if (isBlank(transactionId)) errors.transaction_id = ['value_is_mandatory'];
	if (isBlank(code)) errors.code = ['value_is_mandatory'];
	if (Object.keys(errors).length) return { errors };

	return {
		event: {
			lago_id: randomUUID(),
			transaction_id: /** @type {string} */ (transactionId),
			lago_customer_id: null,
			code: /** @type {string} */ (code),
			timestamp: iso8601(tsMs, 3),
			precise_total_amount_cents: castPreciseAmount(input.precise_total_amount_cents),
			// A JSON round trip is what the jsonb column does: no shared references, no undefined values.
			properties: isPlainObject(input.properties) ? JSON.parse(JSON.stringify(input.properties)) : {},
			lago_subscription_id: null,
			external_subscription_id: asColumnString(input.external_subscription_id),
			created_at: iso8601(receivedAtMs, 0),
		},
	};
}

/**
 * Mirrors the unique index (organization_id, external_subscription_id, transaction_id).
 * @param {string | null} externalSubscriptionId
 * @param {string | null} transactionId
 */
function uniqueKey(externalSubscriptionId, transactionId) {
	return JSON.stringify([externalSubscriptionId, transactionId]);
}

class EventStore {
	constructor() {
		/** @type {StoredEvent[]} kept as one array so callers holding a reference see resets */
		this.events = [];
		/** @type {Set<string>} */
		this.keys = new Set();
		/** @type {Set<string>} */
		this.rejectIds = new Set();
	}

	clear() {
		this.events.length = 0;
		this.keys.clear();
	}

	/** @param {Iterable<string>} ids */
	setRejectIds(ids) {
		this.rejectIds = new Set(Array.from(ids || [], String));
	}

	/** @param {StoredEvent} e */
	isDuplicate(e) {
		return this.keys.has(uniqueKey(e.external_subscription_id, e.transaction_id));
	}

	/** @param {StoredEvent[]} events */
	insertAll(events) {
		for (const e of events) {
			this.keys.add(uniqueKey(e.external_subscription_id, e.transaction_id));
			this.events.push(e);
		}
	}

	/**
	 * POST /events. 422 bodies carry `error_details` exactly as Lago builds them.
	 * @param {unknown} raw
	 * @param {number} receivedAtMs
	 * @returns {{ event: StoredEvent } | { errors: FieldErrors | string }}
	 */
	create(raw, receivedAtMs) {
		const built = buildEvent(raw, receivedAtMs, this.rejectIds);
		if (built.errors) return { errors: built.errors };
		const event = /** @type {StoredEvent} */ (built.event);
		if (this.isDuplicate(event)) return { errors: { transaction_id: ['value_already_exist'] } };
		this.insertAll([event]);
		return { event };
	}

	/**
	 * POST /events/batch, all-or-nothing. Errors are keyed by the event's index in the request.
	 * Duplicates cover rows already stored and the 2nd+ copies inside this payload.
	 * @param {unknown[]} rawEvents
	 * @param {number} receivedAtMs
	 * @param {Set<string>} [rejectIds]
	 * @returns {{ events: StoredEvent[] } | { errors: Record<string, FieldErrors | string> }}
	 */
	createBatch(rawEvents, receivedAtMs, rejectIds = this.rejectIds) {
		/** @type {Record<string, FieldErrors | string>} */
		const errors = {};
		/** @type {StoredEvent[]} */
		const events = [];
		const seen = new Set();
		rawEvents.forEach((raw, index) => {
			const input = isPlainObject(raw) ? /** @type {Record<string, unknown>} */ (raw) : {};
			const txId = asColumnString(input.transaction_id);
			const key = uniqueKey(asColumnString(input.external_subscription_id), txId);
			const copyInPayload = !isBlank(txId) && seen.has(key);
			if (!isBlank(txId)) seen.add(key);

			const built = buildEvent(raw, receivedAtMs, rejectIds);
			if (typeof built.errors === 'string' || (built.errors && built.errors.timestamp)) {
				errors[index] = built.errors;
				return;
			}
			/** @type {FieldErrors} */
			const fieldErrors = { ...(built.errors || {}) };
			const alreadyStored = !isBlank(txId) && this.keys.has(key);
			if (copyInPayload || alreadyStored) {
				fieldErrors.transaction_id = [...(fieldErrors.transaction_id || []), 'value_already_exist'];
			}
			if (Object.keys(fieldErrors).length) errors[index] = fieldErrors;
			else events.push(/** @type {StoredEvent} */ (built.event));
		});
		if (Object.keys(errors).length) return { errors };
		this.insertAll(events);
		return { events };
	}

	/**
	 * Pre-stores events for tests, with the same normalisation but no expression rejection.
	 * Throws on input the server would refuse, since a seed is a programming error.
	 * @param {unknown[]} rawEvents
	 */
	seed(rawEvents) {
		if (!Array.isArray(rawEvents)) throw new TypeError('seedEvents expects an array of events');
		const result = this.createBatch(rawEvents, Date.now(), new Set());
		if ('errors' in result) {
			throw new Error(`seedEvents rejected: ${JSON.stringify(result.errors)}`);
		}
		return result.events;
	}

	/** First stored event with this transaction_id, like find_event. @param {string} transactionId */
	find(transactionId) {
		return this.events.find((e) => e.transaction_id === transactionId);
	}

	distinctTransactionIds() {
		return new Set(this.events.map((e) => e.transaction_id)).size;
	}
}

module.exports = { EventStore, EXPRESSION_ERROR, isPlainObject, permitScalar };
