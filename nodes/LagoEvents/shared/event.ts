import { createHash } from 'crypto';

import type { IDataObject } from 'n8n-workflow';

import { FieldError } from '../../shared/errors';

/**
 * Pure parsing and validation of event fields. Every function here either returns the value Lago should receive or
 * throws a FieldError that names the field and the offending value, so the caller can attach the item index.
 */

export { FieldError };

/** The event object sent to Lago, in the key order Lago documents. */
export interface LagoEventInput {
	transaction_id: string;
	external_subscription_id: string;
	code: string;
	timestamp: number;
	precise_total_amount_cents?: string;
	properties?: IDataObject;
}

// Lago stores strings up to 255 characters for ids; longer ids are rejected or truncated depending on the store.
export const MAX_ID_LENGTH = 255;
// Timestamps outside this window are almost always a unit mistake (ms read as s, or a null read as 0).
export const MIN_TIMESTAMP_S = 946684800; // 2000-01-01T00:00:00Z
export const MAX_TIMESTAMP_S = 4102444800; // 2100-01-01T00:00:00Z

const describe = (value: unknown): string => {
	if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
	if (value === undefined) return 'undefined';
	if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
	if (Array.isArray(value)) return 'an array';
	return `an object`;
};

/**
 * An identifier field (subscription id, metric code, transaction id): a non-empty string without surrounding spaces.
 * Safe integers are accepted and sent as their decimal string, because ids often come out of databases as numbers.
 */
export function parseIdentifier(field: string, value: unknown, label: string): string {
	let id: string;
	if (typeof value === 'number') {
		if (!Number.isSafeInteger(value)) {
			throw new FieldError(
				field,
				`${label} ${describe(value)} is not a whole number that can be sent exactly`,
				'Map the ID as a string.',
			);
		}
		id = String(value);
	} else if (typeof value === 'string') {
		id = value;
	} else if (value === undefined || value === null) {
		throw new FieldError(field, `${label} is empty`, `Set ${label} or map it from the input data.`);
	} else {
		throw new FieldError(field, `${label} must be text, got ${describe(value)}`);
	}
	if (id.trim() === '') {
		throw new FieldError(field, `${label} is empty`, `Set ${label} or map it from the input data.`);
	}
	if (id !== id.trim()) {
		throw new FieldError(
			field,
			`${label} ${describe(id)} has leading or trailing spaces`,
			'Lago compares IDs exactly, so the event would not match. Trim the value, e.g. {{ $json.id.trim() }}.',
		);
	}
	if (id.length > MAX_ID_LENGTH) {
		throw new FieldError(field, `${label} is ${id.length} characters long; Lago accepts at most ${MAX_ID_LENGTH}`);
	}
	return id;
}

const ISO_RE =
	/^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|[+-]\d{2}(?::?\d{2})?)$/i;
/** A date and time without a zone, as n8n's date picker stores it (2026-11-01T10:00:00), or a date alone. */
const LOCAL_ISO_RE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?$/i;
const DECIMAL_RE = /^-?\d+(?:\.\d+)?$/;

/**
 * One formatter per time zone, reused: building one cost about 0.3 ms on a busy machine, and a zone-less timestamp
 * needs up to four readings. A workflow reads one zone, so the cache holds a few; past MAX_ZONES it starts over.
 */
const MAX_ZONES = 16;
const wallClocks = new Map<string, Intl.DateTimeFormat>();

/** The formatter reading `timeZone`'s wall clock; throws a RangeError for a zone Intl does not know. */
export function wallClockFormat(timeZone: string): Intl.DateTimeFormat {
	let format = wallClocks.get(timeZone);
	if (!format) {
		format = new Intl.DateTimeFormat('en-US', {
			timeZone,
			hourCycle: 'h23',
			year: 'numeric',
			month: '2-digit',
			day: '2-digit',
			hour: '2-digit',
			minute: '2-digit',
			second: '2-digit',
		});
		if (wallClocks.size >= MAX_ZONES) wallClocks.clear();
		wallClocks.set(timeZone, format);
	}
	return format;
}

/** How many zones' formatters are held (tests: the cache stays bounded). */
export const cachedZoneCount = (): number => wallClocks.size;

function isKnownTimeZone(timeZone: string): boolean {
	try {
		wallClockFormat(timeZone);
		return true;
	} catch {
		return false;
	}
}

/** What the wall clock of `timeZone` (IANA) reads at `millis`, as if that reading were UTC. */
function wallClockMillis(millis: number, timeZone: string): number {
	const parts = wallClockFormat(timeZone).formatToParts(new Date(millis));
	const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
	return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second')) + (((millis % 1000) + 1000) % 1000);
}

/**
 * A zone-less date and time read in `timeZone`, as n8n reads its date picker's value in the workflow's time zone. A
 * wall time skipped by a daylight-saving change is read with the offset before the change.
 */
function localIsoToMillis(text: string, timeZone: string): number | undefined {
	const m = LOCAL_ISO_RE.exec(text);
	if (!m) return undefined;
	const [, y, mo, d, h = '00', mi = '00', s = '00', frac] = m;
	const asUtc = isoToMillis(`${y}-${mo}-${d}T${h}:${mi}:${s}${frac ? `.${frac}` : ''}Z`);
	if (asUtc === undefined) return undefined;
	// The offset at the guess, then at the corrected instant: two steps settle it on both sides of a change.
	const first = asUtc - (wallClockMillis(asUtc, timeZone) - asUtc);
	const second = asUtc - (wallClockMillis(first, timeZone) - first);
	return wallClockMillis(second, timeZone) === asUtc ? second : first;
}

function isoToMillis(text: string): number | undefined {
	const m = ISO_RE.exec(text);
	if (!m) return undefined;
	const [, y, mo, d, h, mi, s, frac = '', zone] = m;
	const year = Number(y);
	const month = Number(mo);
	const day = Number(d);
	const hour = Number(h);
	const minute = Number(mi);
	let second = Number(s ?? 0);
	if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
	const dayStart = Date.UTC(year, month - 1, day);
	if (new Date(dayStart).getUTCDate() !== day) return undefined;
	// Unix time has no leap second: 23:59:60 is the same instant as the next day's 00:00:00.
	const leap = second === 60 ? 1 : 0;
	if (leap && !(hour === 23 && minute === 59)) return undefined;
	second -= leap;
	const millis = Number(`${frac}000`.slice(0, 3));
	// Z has no digits after it, so it reads as +00:00; "+05" has no minutes (Number('') is 0).
	const sign = zone.startsWith('-') ? -1 : 1;
	const digits = zone.slice(1).replace(':', '');
	const oh = Number(digits.slice(0, 2));
	const om = Number(digits.slice(2));
	if (oh > 23 || om > 59) return undefined;
	const offsetMinutes = sign * (oh * 60 + om);
	return dayStart + ((hour * 60 + minute) * 60 + second + leap) * 1000 + millis - offsetMinutes * 60000;
}

/** Epoch seconds (10 digits, decimals allowed) or epoch milliseconds (13 digits), as integer milliseconds. */
function epochToMillis(value: number): number | undefined {
	if (!Number.isFinite(value) || value < 0) return undefined;
	if (value < 1e11) return Math.round(value * 1000);
	if (value >= 1e12 && value < 1e13) return Math.round(value);
	return undefined;
}

const TIMESTAMP_HINT =
	"Use a date (2026-11-01T10:00:00, read in the workflow's time zone), ISO 8601 with a zone (2026-11-01T10:00:00Z), epoch seconds (1700000000.123), epoch milliseconds (1700000000123) or an expression such as {{ $now }}.";

/**
 * Lago wants epoch seconds, with milliseconds as decimals. Returns the number to send: integer milliseconds / 1000,
 * so the JSON is exactly `1700000000.123` and never a float artefact. A date or date and time without a zone is read in
 * `timeZone` (the workflow's, from getTimezone()); without one it is an error.
 */
export function parseTimestamp(value: unknown, timeZone?: string): number {
	const field = 'timestamp';
	let millis: number | undefined;
	if (typeof value === 'number') {
		millis = epochToMillis(value);
	} else if (typeof value === 'string') {
		const text = value.trim();
		if (text === '') {
			throw new FieldError(field, 'Timestamp is empty', `Leave the field blank to use the current time, or map a value. ${TIMESTAMP_HINT}`);
		}
		if (DECIMAL_RE.test(text)) {
			millis = epochToMillis(Number(text));
		} else {
			millis = isoToMillis(text);
			if (millis === undefined && LOCAL_ISO_RE.test(text)) {
				if (timeZone === undefined) {
					throw new FieldError(
						field,
						`Timestamp ${describe(value)} has no time zone`,
						'Add Z for UTC or an offset such as +02:00, e.g. 2026-11-01T10:00:00Z.',
					);
				}
				if (!isKnownTimeZone(timeZone)) {
					throw new FieldError(field, `Timestamp ${describe(value)} has no time zone, and the workflow's time zone "${timeZone}" is unknown`, 'Add Z for UTC or an offset such as +02:00, or set the workflow\'s Settings › Timezone.');
				}
				millis = localIsoToMillis(text, timeZone);
			}
		}
	} else if (value instanceof Date) {
		millis = Number.isNaN(value.getTime()) ? undefined : value.getTime();
	} else if (value && typeof value === 'object' && typeof (value as { toMillis?: unknown }).toMillis === 'function') {
		// Luxon DateTime, which n8n expressions such as {{ $now }} return; an invalid one gives NaN, refused below.
		millis = (value as { toMillis: () => number }).toMillis();
	} else if (value === undefined || value === null) {
		throw new FieldError(field, 'Timestamp is empty', `Leave the field blank to use the current time, or map a value. ${TIMESTAMP_HINT}`);
	}
	if (millis === undefined || !Number.isFinite(millis)) {
		throw new FieldError(field, `Timestamp ${describe(value)} is not a date Lago can use`, TIMESTAMP_HINT);
	}
	const seconds = millis / 1000;
	if (seconds < MIN_TIMESTAMP_S || seconds >= MAX_TIMESTAMP_S) {
		throw new FieldError(
			field,
			`Timestamp ${describe(value)} is ${new Date(millis).toISOString()}, outside 2000-2099`,
			`This is usually a unit mistake (milliseconds vs seconds) or an empty value read as 0. ${TIMESTAMP_HINT}`,
		);
	}
	return seconds;
}

/** The current time as Lago seconds with millisecond precision. */
export function nowTimestamp(nowMillis: number = Date.now()): number {
	return Math.round(nowMillis) / 1000;
}

function assertExactNumbers(value: unknown, path: string): void {
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) {
			throw new FieldError('properties', `Property ${path} is ${value}, which JSON cannot carry`);
		}
		if (Number.isInteger(value) && !Number.isSafeInteger(value)) {
			throw new FieldError(
				'properties',
				`Property ${path} is ${value}, a whole number above 2^53 that cannot be sent exactly`,
				'Send it as a string, e.g. "12345678901234567890".',
			);
		}
	} else if (Array.isArray(value)) {
		value.forEach((v, i) => assertExactNumbers(v, `${path}[${i}]`));
	} else if (value && typeof value === 'object') {
		for (const [k, v] of Object.entries(value)) assertExactNumbers(v, `${path}.${k}`);
	}
}

const isPlainObject = (value: unknown): value is IDataObject =>
	typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);

// JSON.parse silently rounds integers above 2^53; find them in the source text before that happens.
const BIG_INT_IN_JSON = /(?<![\w."])-?\d{16,}(?![\d.eE])/;

/** Properties typed as JSON: must be an object; values are sent exactly as written. */
export function parsePropertiesJson(value: unknown): IDataObject {
	let parsed: unknown = value;
	if (typeof value === 'string') {
		const text = value.trim();
		if (text === '') return {};
		let syntaxError: string | undefined;
		try {
			parsed = JSON.parse(text);
		} catch (error) {
			syntaxError = (error as Error).message;
		}
		if (syntaxError !== undefined) {
			throw new FieldError('propertiesJson', `Properties (JSON) is not valid JSON: ${syntaxError}`, 'Write a JSON object such as {"gb": 10, "region": "eu"}.');
		}
		// Stryker disable next-line StringLiteral: what replaces a string does not matter, as long as it holds no digits
		const big = BIG_INT_IN_JSON.exec(text.replace(/"(?:[^"\\]|\\.)*"/g, '""'));
		if (big && !Number.isSafeInteger(Number(big[0]))) {
			throw new FieldError('propertiesJson', `Properties (JSON) contains ${big[0]}, a whole number above 2^53 that cannot be sent exactly`, 'Put it in quotes to send it as a string.');
		}
	}
	if (!isPlainObject(parsed)) {
		throw new FieldError(
			'propertiesJson',
			`Properties (JSON) must be a JSON object, got ${describe(parsed)}`,
			'Write an object such as {"gb": 10}. Lago drops properties that are not an object.',
		);
	}
	assertExactNumbers(parsed, 'properties');
	return parsed;
}

export interface KeyValueProperty {
	key?: unknown;
	value?: unknown;
}

/** Properties typed as key/value rows: keys must be unique and non-empty; values are sent as they resolve. */
export function parsePropertiesKeyValue(rows: KeyValueProperty[] | undefined): IDataObject {
	const properties: IDataObject = {};
	(rows ?? []).forEach((row, index) => {
		const key = typeof row.key === 'string' ? row.key.trim() : row.key;
		if (typeof key !== 'string' || key === '') {
			throw new FieldError('properties', `Property row ${index + 1} has an empty key`, 'Give every property a name, or remove the empty row.');
		}
		if (Object.prototype.hasOwnProperty.call(properties, key)) {
			throw new FieldError('properties', `Property "${key}" is set twice`, 'Each property name may appear once. Remove or rename the duplicate row.');
		}
		assertExactNumbers(row.value, key);
		properties[key] = (row.value === undefined ? null : row.value) as IDataObject[string];
	});
	return properties;
}

/** precise_total_amount_cents: a decimal number, sent as a string so no precision is lost. */
export function parsePreciseTotalAmountCents(value: unknown): string | undefined {
	if (value === undefined || value === null || value === '') return undefined;
	const field = 'preciseTotalAmountCents';
	let text: string;
	if (typeof value === 'number') {
		if (!Number.isFinite(value)) throw new FieldError(field, `Precise Total Amount Cents ${value} is not a number`);
		text = String(value);
	} else if (typeof value === 'string') {
		text = value.trim();
	} else {
		throw new FieldError(field, `Precise Total Amount Cents must be a decimal number, got ${describe(value)}`);
	}
	if (!DECIMAL_RE.test(text)) {
		throw new FieldError(
			field,
			`Precise Total Amount Cents ${describe(value)} is not a decimal number`,
			'Use digits with an optional decimal point, e.g. 1234.56. Lago would silently store a non-numeric value as 0.',
		);
	}
	return text;
}

/**
 * The default transaction id when the user leaves it empty. It is unique per n8n installation (the instance id, which
 * main and queue-mode workers share), execution, node, run (loop iteration, AI tool call) and item, and identical when
 * n8n retries the node within the same execution. Execution ids restart at 1 in every database, so without the
 * installation two n8n instances sending to one Lago organisation would derive the same ids.
 */
export function deriveTransactionId(instanceId: string, executionId: string, nodeName: string, runIndex: number, itemIndex: number): string {
	const origin = createHash('sha256').update(`${instanceId}\u0000${nodeName}`).digest('hex').slice(0, 8);
	return `n8n-${executionId}-${origin}-${runIndex}-${itemIndex}`;
}
