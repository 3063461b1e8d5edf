'use strict';

const { parseBigDecimal, floorMillis } = require('./decimal');

// The range a JS Date can hold; Lago's database would fail on far less, but that is a 500 we do not mimic.
const MAX_MS = 8.64e15;

/**
 * Resolves an event timestamp the way Lago's create services do:
 * `params[:timestamp] ? BigDecimal(params[:timestamp].to_s) : reception_time`.
 * Returns the epoch milliseconds, or null for `invalid_format`.
 * @param {unknown} value already filtered by `permitScalar`
 * @param {number} receivedAtMs
 * @returns {number | null}
 */
function resolveEventTimestamp(value, receivedAtMs) {
	// nil and false are Ruby's only falsy values; "" and 0 are truthy and get parsed.
	if (value === undefined || value === null || value === false) return receivedAtMs;
	if (value === true) return null;
	const dec = parseBigDecimal(String(value));
	if (!dec) return null;
	const ms = floorMillis(dec);
	if (ms > BigInt(MAX_MS) || ms < -BigInt(MAX_MS)) return null;
	return Number(ms);
}

/** @param {number} n @param {number} width */
function pad(n, width) {
	return String(n).padStart(width, '0');
}

/**
 * Ruby `Time#iso8601(digits)` in UTC: years past 9999 are printed in full, with no "+" prefix.
 * @param {number} ms
 * @param {0 | 3} digits
 */
function iso8601(ms, digits) {
	const d = new Date(ms);
	const year = d.getUTCFullYear();
	const yearText = year < 0 ? `-${pad(-year, 4)}` : pad(year, 4);
	const frac = digits === 3 ? `.${pad(d.getUTCMilliseconds(), 3)}` : '';
	return (
		`${yearText}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}` +
		`T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}${frac}Z`
	);
}

module.exports = { resolveEventTimestamp, iso8601 };
