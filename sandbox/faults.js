'use strict';

/**
 * Seeded fault injection. Every authenticated /api/v1/events* request consumes
 * exactly one PRNG draw, so the same seed and the same request sequence always
 * give the same faults, whatever the timing.
 *
 * @typedef {{ seed?: number, rate429?: number, resetSeconds?: number, rate503?: number,
 *   rateReset?: number, firstAttemptsFail?: number, failRequests?: number[] }} FaultOptions
 * @typedef {'429' | '503' | 'reset'} Fault
 */

/** Small, well-known 32-bit PRNG; enough for fault dice. @param {number} seed */
function mulberry32(seed) {
	let a = seed >>> 0;
	return function next() {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

/** @param {unknown} v */
function rate(v) {
	const n = Number(v);
	return Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0;
}

/**
 * @param {FaultOptions | null | undefined} options
 * @returns {Required<FaultOptions> | null}
 */
function normalize(options) {
	if (!options) return null;
	return {
		seed: Number.isFinite(Number(options.seed)) ? Number(options.seed) : 1,
		rate429: rate(options.rate429),
		resetSeconds: Number.isFinite(Number(options.resetSeconds)) ? Number(options.resetSeconds) : 1,
		rate503: rate(options.rate503),
		rateReset: rate(options.rateReset),
		firstAttemptsFail: Math.max(0, Math.floor(Number(options.firstAttemptsFail) || 0)),
		failRequests: Array.isArray(options.failRequests) ? options.failRequests.map(Number).filter(Number.isInteger) : [],
	};
}

class FaultInjector {
	/** @param {FaultOptions | null | undefined} options */
	constructor(options) {
		/** @type {Required<FaultOptions> | null} */
		this.options = normalize(options);
		this.random = mulberry32(1);
		this.eventRequests = 0;
		this.restart();
	}

	/** @param {FaultOptions | null | undefined} options */
	configure(options) {
		this.options = normalize(options);
		this.restart();
	}

	/** Rewinds the sequence so a reset sandbox replays the same faults. */
	restart() {
		this.random = mulberry32(this.options ? this.options.seed : 1);
		this.eventRequests = 0;
	}

	get resetSeconds() {
		return this.options ? this.options.resetSeconds : 1;
	}

	/**
	 * Decides the fate of one events request. `firstAttemptsFail` 503s come first and
	 * do not consume a draw, so they never shift the seeded sequence that follows.
	 * @returns {Fault | undefined}
	 */
	next() {
		const o = this.options;
		if (!o) return undefined;
		this.eventRequests += 1;
		if (this.eventRequests <= o.firstAttemptsFail) return '503';
		// Chosen requests fail too (e.g. the 2nd batch of a run), again without a draw.
		if (o.failRequests.includes(this.eventRequests)) return '503';
		const r = this.random();
		if (r < o.rate429) return '429';
		if (r < o.rate429 + o.rate503) return '503';
		if (r < o.rate429 + o.rate503 + o.rateReset) return 'reset';
		return undefined;
	}
}

module.exports = { FaultInjector, mulberry32 };
