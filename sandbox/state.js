'use strict';

const { EventStore } = require('./store');
const { FaultInjector } = require('./faults');
const { RateWindow } = require('./http');
const { WebhookCenter } = require('./webhooks');
const { MetricBook } = require('./metrics');

/**
 * Everything a running sandbox remembers, shared by the HTTP handlers,
 * the /_sandbox control routes and the programmatic handle.
 *
 * @typedef {import('./faults').FaultOptions} FaultOptions
 * @typedef {{ method: string, path: string, query: Record<string, string>, headers: import('node:http').IncomingHttpHeaders,
 *   rawBody: string, body: unknown, status: number | null, fault: undefined | '429' | '503' | 'reset', at: number,
 *   answeredAt: number | undefined, rateLimited?: boolean }} RequestRecord
 * @typedef {{ apiKey?: string, batchMaxLength?: number, faults?: FaultOptions | null, rejectTransactionIds?: string[],
 *   webhookHmacKey?: string, enforceRateLimits?: boolean, billableMetrics?: object[] }} StateOptions
 */

const DEFAULT_API_KEY = 'lago-sandbox-key';
const DEFAULT_BATCH_MAX_LENGTH = 100;

class SandboxState {
	/** @param {StateOptions} options */
	constructor(options) {
		this.apiKey = options.apiKey || DEFAULT_API_KEY;
		this.store = new EventStore();
		this.faults = new FaultInjector(options.faults);
		this.rate = new RateWindow();
		this.rate.enforce = options.enforceRateLimits === true;
		/** @type {RequestRecord[]} one array for the whole life of the sandbox, so references stay valid */
		this.requests = [];
		this.batchMaxLength = DEFAULT_BATCH_MAX_LENGTH;
		this.setBatchMaxLength(options.batchMaxLength);
		this.store.setRejectIds(options.rejectTransactionIds || []);
		/** The organisation's billable metrics (GET /billable_metrics, events.errors); reset() leaves them. */
		this.metrics = new MetricBook(options.billableMetrics);
		/** Webhook endpoints, signing keys and deliveries; reset() leaves them, /_sandbox/webhooks/reset clears them. */
		this.webhooks = new WebhookCenter({ hmacKey: options.webhookHmacKey, metrics: () => this.metrics.metrics });
	}

	/** @param {object[] | null} list null: the catalog's seeded metrics */
	setBillableMetrics(list) {
		return this.metrics.set(list);
	}

	/** Answer requests over Lago Cloud's per-second limits with 429, as Lago Cloud does (off: only report them). */
	setRateLimits(enforce) {
		this.rate.enforce = enforce === true;
		// A fresh window: requests made before the limits were switched on do not count against them.
		this.rate.windowStart = 0;
		this.rate.counts = {};
		return this.rate.enforce;
	}

	stats() {
		/** @type {Record<string, number>} */
		const byStatus = {};
		const faults = { 429: 0, 503: 0, reset: 0 };
		for (const r of this.requests) {
			if (r.status !== null) byStatus[r.status] = (byStatus[r.status] || 0) + 1;
			if (r.fault) faults[r.fault] += 1;
		}
		return {
			requests: this.requests.length,
			byStatus,
			faults,
			/** Answered 429 by Lago Cloud's limits (setRateLimits(true)), not by seeded faults. */
			rateLimited: this.requests.filter((r) => r.rateLimited).length,
			storedEvents: this.store.events.length,
			distinctTransactionIds: this.store.distinctTransactionIds(),
			trafficSpanMs: this.trafficSpanMs(),
		};
	}

	/**
	 * Milliseconds from the first request's arrival to the last answer sent (or last arrival, for a dropped
	 * connection): how long a client's sending took as the server saw it. null before any request.
	 */
	trafficSpanMs() {
		if (this.requests.length === 0) return null;
		let first = Infinity;
		let last = -Infinity;
		for (const r of this.requests) {
			first = Math.min(first, r.at);
			last = Math.max(last, r.answeredAt ?? r.at);
		}
		return last - first;
	}

	/** Clears traffic and events; options stay, and the fault sequence restarts from its seed. */
	reset() {
		this.requests.length = 0;
		this.store.clear();
		this.faults.restart();
	}

	/**
	 * What the traffic and the store hold now, for restore(): the e2e runner takes one before each `n8n execute` and
	 * restores it before running again after an n8n crash. The fault sequence restarts from its seed on restore.
	 */
	snapshot() {
		return { requests: this.requests.length, events: this.store.events.slice(), keys: new Set(this.store.keys) };
	}

	/** @param {ReturnType<SandboxState['snapshot']>} snap */
	restore(snap) {
		this.requests.length = snap.requests;
		this.store.events.length = 0;
		this.store.events.push(...snap.events);
		this.store.keys = new Set(snap.keys);
		this.faults.restart();
	}

	/** @param {unknown[]} events */
	seedEvents(events) {
		return this.store.seed(events);
	}

	/** @param {FaultOptions | null} faults */
	setFaults(faults) {
		this.faults.configure(faults);
		return this.faults.options;
	}

	/** @param {string[]} ids */
	setRejectTransactionIds(ids) {
		this.store.setRejectIds(ids || []);
		return Array.from(this.store.rejectIds);
	}

	/** @param {number | undefined} n */
	setBatchMaxLength(n) {
		if (n === undefined || n === null) return this.batchMaxLength;
		const v = Math.floor(Number(n));
		if (!Number.isFinite(v) || v < 1) throw new RangeError(`batchMaxLength must be a positive integer, got ${n}`);
		this.batchMaxLength = v;
		return v;
	}
}

module.exports = { SandboxState, DEFAULT_API_KEY, DEFAULT_BATCH_MAX_LENGTH };
