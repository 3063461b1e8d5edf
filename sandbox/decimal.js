'use strict';

/**
 * Exact decimal helpers. Lago parses timestamps with Ruby's BigDecimal and keeps
 * amounts in decimal columns, so the sandbox works on digit strings (BigInt)
 * instead of floats to avoid rounding drift such as 1700000000.123 -> .122.
 *
 * @typedef {{ neg: boolean, digits: bigint, scale: number }} Decimal
 *   value = (neg ? -1 : 1) * digits / 10^scale  (scale may be negative)
 */

// Ruby BigDecimal(String): surrounding whitespace and single underscores between digits are tolerated.
const BIGDECIMAL_RE = /^([+-])?(\d+(?:_\d+)*)?(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
// Ruby String#to_d: reads the longest numeric prefix and yields 0 when there is none.
const TO_D_PREFIX_RE = /^\s*([+-])?(\d+(?:_\d+)*)?(?:\.(\d+))?(?:[eE]([+-]?\d+))?/;
// Ruby Float(String): like BigDecimal but "1." is rejected, and hexadecimal is allowed.
const FLOAT_RE = /^\s*[+-]?(?:\d+(?:_\d+)*(?:\.\d+(?:_\d+)*)?|\.\d+(?:_\d+)*)(?:[eE][+-]?\d+(?:_\d+)*)?\s*$/;
const HEX_RE = /^\s*[+-]?0[xX][0-9a-fA-F]+(?:_[0-9a-fA-F]+)*\s*$/;

// Beyond this many significant positions the value cannot be a representable date or amount anyway.
const MAX_MAGNITUDE = 400;

/**
 * @param {RegExpMatchArray | null} m
 * @returns {Decimal | null}
 */
function fromMatch(m) {
	if (!m) return null;
	const intPart = (m[2] || '').replace(/_/g, '');
	const fracPart = m[3] || '';
	if (intPart === '' && fracPart === '') return null;
	const exp = m[4] ? Number(m[4]) : 0;
	if (!Number.isSafeInteger(exp) || Math.abs(exp) > MAX_MAGNITUDE) return null;
	return { neg: m[1] === '-', digits: BigInt((intPart + fracPart) || '0'), scale: fracPart.length - exp };
}

/**
 * Parses like Ruby's `BigDecimal(value.to_s)`; null when Ruby would raise.
 * @param {string} text
 * @returns {Decimal | null}
 */
function parseBigDecimal(text) {
	return fromMatch(String(text).trim().match(BIGDECIMAL_RE));
}

/**
 * Parses like Ruby's `String#to_d` (never fails: garbage is zero).
 * @param {string} text
 * @returns {Decimal}
 */
function parseToD(text) {
	return fromMatch(String(text).match(TO_D_PREFIX_RE)) || { neg: false, digits: 0n, scale: 0 };
}

/**
 * True when Ruby's `Float(value)` would accept the string.
 * @param {string} text
 */
function isRubyFloat(text) {
	return FLOAT_RE.test(text) || HEX_RE.test(text);
}

/**
 * Converts a Ruby-Float-parsable string to a JS number (only used for fee arithmetic).
 * @param {string} text
 */
function rubyFloatValue(text) {
	const clean = text.trim().replace(/_/g, '');
	if (/^[+-]?0[xX]/.test(clean)) {
		const n = Number(clean.replace(/^[+-]/, ''));
		return clean.startsWith('-') ? -n : n;
	}
	return Number(clean);
}

/**
 * floor(value * 1000), i.e. the millisecond Ruby's iso8601(3) would print.
 * @param {Decimal} d
 * @returns {bigint}
 */
function floorMillis(d) {
	const mag = d.digits * 1000n;
	let q;
	let hasRemainder = false;
	if (d.scale >= 0) {
		const div = 10n ** BigInt(d.scale);
		q = mag / div;
		hasRemainder = mag % div !== 0n;
	} else {
		q = mag * 10n ** BigInt(-d.scale);
	}
	if (!d.neg) return q;
	return -(q + (hasRemainder ? 1n : 0n));
}

/**
 * Rounds half away from zero to `places` fraction digits (BigDecimal#round default).
 * @param {Decimal} d
 * @param {number} places
 * @returns {Decimal}
 */
function roundTo(d, places) {
	if (d.scale <= places) return d;
	const div = 10n ** BigInt(d.scale - places);
	let q = d.digits / div;
	if ((d.digits % div) * 2n >= div) q += 1n;
	return { neg: d.neg, digits: q, scale: places };
}

/**
 * Formats like ActiveSupport's `BigDecimal#to_s` ("F" notation): "10.0", "1234.56", "-0.5".
 * @param {Decimal} d
 */
function toPlainString(d) {
	let text = d.digits.toString();
	let scale = d.scale;
	if (scale < 0) {
		text += '0'.repeat(-scale);
		scale = 0;
	}
	text = text.padStart(scale + 1, '0');
	const intPart = text.slice(0, text.length - scale);
	const fracPart = text.slice(text.length - scale).replace(/0+$/, '') || '0';
	const isZero = d.digits === 0n;
	return `${d.neg && !isZero ? '-' : ''}${intPart}.${fracPart}`;
}

/**
 * Formats a JS number the same way (for computed fee amounts), trimming float noise.
 * @param {number} n
 */
function numberToPlainString(n) {
	const d = parseBigDecimal(String(Number(n.toPrecision(15))));
	return d ? toPlainString(d) : '0.0';
}

module.exports = {
	parseBigDecimal,
	parseToD,
	isRubyFloat,
	rubyFloatValue,
	floorMillis,
	roundTo,
	toPlainString,
	numberToPlainString,
};
