import {
	FieldError,
	cachedZoneCount,
	deriveTransactionId,
	nowTimestamp,
	parseIdentifier,
	parsePreciseTotalAmountCents,
	parsePropertiesJson,
	parsePropertiesKeyValue,
	parseTimestamp,
	wallClockFormat,
} from '../../nodes/LagoEvents/shared/event';
import { runStartedAt } from '../../nodes/LagoEvents/shared/parameters';

const fieldErrorOf = (fn: () => unknown): FieldError => {
	try {
		fn();
	} catch (error) {
		if (error instanceof FieldError) return error;
		throw error;
	}
	throw new Error('expected a FieldError');
};

describe('parseTimestamp', () => {
	test.each([
		['epoch seconds as number', 1700000000, 1700000000],
		['epoch seconds with ms decimals', 1700000000.123, 1700000000.123],
		['epoch seconds string', '1700000000', 1700000000],
		['epoch seconds string with decimals', '1700000000.123', 1700000000.123],
		['sub-millisecond decimals are rounded to ms', '1700000000.1239', 1700000000.124],
		['10-digit string with spaces', '  1700000000 ', 1700000000],
		['epoch ms (13 digits) as number', 1700000000123, 1700000000.123],
		['epoch ms (13 digits) as string, accepted on purpose', '1700000000123', 1700000000.123],
		['leading zeros are decimal, not octal', '01700000000', 1700000000],
		['ISO with Z', '2023-11-14T22:13:20Z', 1700000000],
		['ISO with ms and Z', '2023-11-14T22:13:20.123Z', 1700000000.123],
		['ISO with microseconds keeps ms', '2023-11-14T22:13:20.123456Z', 1700000000.123],
		['ISO with positive offset', '2023-11-15T00:13:20+02:00', 1700000000],
		['ISO with negative offset', '2023-11-14T17:13:20-05:00', 1700000000],
		['ISO with compact offset', '2023-11-15T00:13:20+0200', 1700000000],
		['ISO with space separator', '2023-11-14 22:13:20Z', 1700000000],
		['ISO without seconds', '2023-11-14T22:13Z', 1699999980],
		['leap second is the next second', '2016-12-31T23:59:60Z', 1483228800],
		['Date object', new Date('2023-11-14T22:13:20.5Z'), 1700000000.5],
		['Luxon-like DateTime', { toMillis: () => 1700000000250, isValid: true }, 1700000000.25],
	])('%s', (_name, input, expected) => {
		expect(parseTimestamp(input)).toBe(expected);
	});

	test('serialises without float artefacts', () => {
		expect(JSON.stringify({ t: parseTimestamp('2026-11-01T10:00:00.007Z') })).toBe('{"t":1793527200.007}');
		expect(JSON.stringify({ t: parseTimestamp(1761991200.1) })).toBe('{"t":1761991200.1}');
	});

	test.each([
		['yesterday', 'yesterday', /not a date Lago can use/],
		['empty string', '', /Timestamp is empty/],
		['blank string', '   ', /Timestamp is empty/],
		['NaN', NaN, /not a date/],
		['NaN string', 'NaN', /not a date/],
		['1e400', '1e400', /not a date/],
		['Infinity', Infinity, /not a date/],
		['exponent string 1e3', '1e3', /not a date/],
		['zero', 0, /outside 2000-2099/],
		['zero string', '0', /outside 2000-2099/],
		['negative', -1700000000, /not a date/],
		['1e3 as number', 1e3, /outside 2000-2099/],
		['11 digits is ambiguous', 17000000000, /outside 2000-2099/],
		['16-digit microseconds', 1700000000123456, /not a date/],
		['beyond 2^53', 2 ** 53 + 2, /not a date/],
		['ISO without zone', '2026-11-01T10:00:00', /has no time zone/],
		['date only', '2026-11-01', /has no time zone/],
		['impossible date', '2026-02-30T10:00:00Z', /not a date/],
		['month 13', '2026-13-01T10:00:00Z', /not a date/],
		['leap second at the wrong minute', '2016-12-31T23:58:60Z', /not a date/],
		['year 1999', '1999-12-31T23:59:59Z', /outside 2000-2099/],
		['boolean', true, /not a date/],
		['invalid Date', new Date('nope'), /not a date/],
		['null', null, /Timestamp is empty/],
		['array', [1700000000], /not a date/],
	])('rejects %s', (_name, input, message) => {
		const error = fieldErrorOf(() => parseTimestamp(input));
		expect(error.field).toBe('timestamp');
		expect(error.message).toMatch(message);
	});

	test('now keeps milliseconds', () => {
		expect(nowTimestamp(1700000000123)).toBe(1700000000.123);
	});
});

describe('parseTimestamp: a date without a zone, read in the workflow\'s time zone', () => {
	test.each([
		['UTC', '2026-11-01T10:00:00', Date.UTC(2026, 10, 1, 10)],
		['Europe/Paris', '2026-11-01', Date.UTC(2026, 9, 31, 23)],
		['Europe/Paris', '2026-07-01 10:00:00,5', Date.UTC(2026, 6, 1, 8, 0, 0, 500)],
		['America/New_York', '2026-03-08T01:59:59', Date.UTC(2026, 2, 8, 6, 59, 59)],
		// 02:30 does not exist that night in New York (clocks jump from 02:00 to 03:00): read with the offset before.
		['America/New_York', '2026-03-08T02:30:00', Date.UTC(2026, 2, 8, 7, 30)],
		// 01:30 happens twice when clocks go back: one of the two instants, an hour apart.
		['America/New_York', '2026-11-01T01:30:00', Date.UTC(2026, 10, 1, 5, 30)],
		['Asia/Kolkata', '2026-01-01T00:00', Date.UTC(2025, 11, 31, 18, 30)],
		// UTC+12:45 in the southern winter.
		['Pacific/Chatham', '2026-06-01T12:00:00', Date.UTC(2026, 4, 31, 23, 15)],
	])('%s: %s', (timeZone, input, millis) => {
		if (input === '2026-11-01T01:30:00') {
			expect([millis / 1000, millis / 1000 + 3600]).toContain(parseTimestamp(input, timeZone));
		} else {
			expect(parseTimestamp(input, timeZone)).toBe(millis / 1000);
		}
	});

	test('a zone in the value wins; an impossible date is still refused; an unknown workflow zone says so', () => {
		expect(parseTimestamp('2026-11-01T10:00:00+02:00', 'Asia/Tokyo')).toBe(Date.UTC(2026, 10, 1, 8) / 1000);
		expect(() => parseTimestamp('2026-02-30T10:00:00', 'UTC')).toThrow('Timestamp "2026-02-30T10:00:00" is not a date Lago can use');
		expect(() => parseTimestamp('2026-11-01T10:00:00', 'Mars/Olympus')).toThrow(
			'Timestamp "2026-11-01T10:00:00" has no time zone, and the workflow\'s time zone "Mars/Olympus" is unknown',
		);
	});
});

describe('wallClockFormat: one formatter per zone, a bounded number of zones', () => {
	// Europe and America zones in the order read; 20 is past the cache's 16.
	const zones = ['UTC', 'Europe/Paris', 'Europe/Berlin', 'Europe/London', 'Europe/Madrid', 'Europe/Rome', 'Europe/Oslo', 'Europe/Vienna', 'Europe/Lisbon', 'Europe/Dublin', 'America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles', 'America/Toronto', 'America/Bogota', 'Asia/Tokyo', 'Asia/Kolkata', 'Australia/Sydney', 'Pacific/Chatham'];

	test('the same zone gets the same formatter, read after read', () => {
		const paris = wallClockFormat('Europe/Paris');
		expect(wallClockFormat('Europe/Paris')).toBe(paris);
		expect(parseTimestamp('2026-07-01T10:00:00', 'Europe/Paris')).toBe(Date.UTC(2026, 6, 1, 8) / 1000);
		expect(wallClockFormat('Europe/Paris')).toBe(paris);
		expect(paris.resolvedOptions().timeZone).toBe('Europe/Paris');
	});

	test('never more than 16 zones are held, and every zone still reads right after the cache starts over', () => {
		const counts = zones.map((zone) => {
			wallClockFormat(zone);
			return cachedZoneCount();
		});
		expect(Math.max(...counts)).toBe(16);
		expect(counts[counts.length - 1]).toBeLessThan(16);
		expect(parseTimestamp('2026-01-01T00:00', 'Asia/Kolkata')).toBe(Date.UTC(2025, 11, 31, 18, 30) / 1000);
		expect(parseTimestamp('2026-11-01', 'Europe/Paris')).toBe(Date.UTC(2026, 9, 31, 23) / 1000);
	});

	test('an unknown zone throws and takes no place in the cache', () => {
		wallClockFormat('UTC');
		const before = cachedZoneCount();
		expect(() => wallClockFormat('Mars/Olympus')).toThrow(RangeError);
		expect(cachedZoneCount()).toBe(before);
	});
});

describe('parseIdentifier', () => {
	test.each([
		['plain', 'sub_1', 'sub_1'],
		['special characters kept', 'ord/2026#7?x', 'ord/2026#7?x'],
		['safe integer becomes text', 12345, '12345'],
		['zero becomes text', 0, '0'],
		['255 characters', 'a'.repeat(255), 'a'.repeat(255)],
	])('%s', (_name, input, expected) => {
		expect(parseIdentifier('externalSubscriptionId', input, 'External Subscription ID')).toBe(expected);
	});

	test.each([
		['empty', '', /is empty/],
		['only spaces', '   ', /is empty/],
		['undefined', undefined, /is empty/],
		['null', null, /is empty/],
		['surrounding spaces', ' sub_1 ', /leading or trailing spaces/],
		['256 characters', 'a'.repeat(256), /256 characters long; Lago accepts at most 255/],
		['unsafe integer', 2 ** 53 + 1, /not a whole number that can be sent exactly/],
		['decimal number', 1.5, /not a whole number/],
		['object', { id: 1 }, /must be text/],
	])('rejects %s', (_name, input, message) => {
		const error = fieldErrorOf(() => parseIdentifier('transactionId', input, 'Transaction ID'));
		expect(error.field).toBe('transactionId');
		expect(error.message).toMatch(message);
	});
});

describe('properties', () => {
	test('key/value keeps types exactly as resolved', () => {
		expect(
			parsePropertiesKeyValue([
				{ key: 'gb', value: '00123' },
				{ key: 'n', value: 10 },
				{ key: 'flag', value: true },
				{ key: 'exp', value: '1e3' },
				{ key: 'hex', value: '0x1F' },
				{ key: ' spaced ', value: 'x' },
			]),
		).toEqual({ gb: '00123', n: 10, flag: true, exp: '1e3', hex: '0x1F', spaced: 'x' });
	});

	test('key/value with no rows is empty', () => {
		expect(parsePropertiesKeyValue(undefined)).toEqual({});
	});

	test.each([
		['empty key', [{ key: '', value: 1 }], /row 1 has an empty key/],
		['blank key', [{ key: 'a', value: 1 }, { key: '  ', value: 1 }], /row 2 has an empty key/],
		['duplicate key', [{ key: 'gb', value: 1 }, { key: 'gb', value: 2 }], /"gb" is set twice/],
		['number above 2^53', [{ key: 'big', value: 2 ** 53 + 2 }], /above 2\^53/],
	])('key/value rejects %s', (_name, rows, message) => {
		const error = fieldErrorOf(() => parsePropertiesKeyValue(rows));
		expect(error.field).toBe('properties');
		expect(error.message).toMatch(message);
	});

	test.each([
		['object text', '{"gb": 10, "nested": {"a": [1, "2", true, null]}}', { gb: 10, nested: { a: [1, '2', true, null] } }],
		['object value from an expression', { gb: 10 }, { gb: 10 }],
		['empty text', '', {}],
		['big number in quotes stays a string', '{"id": "12345678901234567890"}', { id: '12345678901234567890' }],
		['16 digits that are still safe', '{"id": 1234567890123456}', { id: 1234567890123456 }],
	])('JSON accepts %s', (_name, input, expected) => {
		expect(parsePropertiesJson(input)).toEqual(expected);
	});

	test.each([
		['array', '[1, 2]', /must be a JSON object, got an array/],
		['null', 'null', /must be a JSON object, got null/],
		['number', '42', /must be a JSON object, got 42/],
		['string', '"gb"', /must be a JSON object/],
		['invalid JSON', '{gb: 10}', /not valid JSON/],
		['integer above 2^53', '{"id": 12345678901234567890}', /above 2\^53/],
		['array value from an expression', [1], /got an array/],
	])('JSON rejects %s', (_name, input, message) => {
		const error = fieldErrorOf(() => parsePropertiesJson(input));
		expect(error.field).toBe('propertiesJson');
		expect(error.message).toMatch(message);
	});
});

describe('parsePreciseTotalAmountCents', () => {
	test.each([
		['decimal string', '1234.56', '1234.56'],
		['integer string', '100', '100'],
		['number', 12.5, '12.5'],
		['empty means absent', '', undefined],
		['negative', '-3.5', '-3.5'],
	])('%s', (_name, input, expected) => {
		expect(parsePreciseTotalAmountCents(input)).toBe(expected);
	});

	test.each([['asdfa'], ['1e3'], ['12,5'], [NaN]])('rejects %p', (input) => {
		expect(fieldErrorOf(() => parsePreciseTotalAmountCents(input)).message).toMatch(/not (a decimal number|a number)/);
	});
});

describe('deriveTransactionId', () => {
	test('is stable for the same installation, execution, node, run and item', () => {
		// A fixed value, asked for at two pinned times a day apart (with Math.random pinned too): an id that depended on
		// the clock or on chance would differ from it. c4094d0c = sha256("inst-a\0Lago Events"), first 8 hex digits.
		const at = (iso: string) => {
			jest.useFakeTimers({ now: Date.parse(iso) });
			const random = jest.spyOn(Math, 'random').mockReturnValue(Date.parse(iso) % 7 / 7);
			try {
				return deriveTransactionId('inst-a', '42', 'Lago Events', 0, 3);
			} finally {
				random.mockRestore();
				jest.useRealTimers();
			}
		};
		expect(at('2026-11-01T10:00:00.000Z')).toBe('n8n-42-c4094d0c-0-3');
		expect(at('2026-11-02T10:00:00.123Z')).toBe('n8n-42-c4094d0c-0-3');
	});

	test('differs across installations, executions, nodes, runs (loops, tool calls) and items', () => {
		const ids = new Set([
			deriveTransactionId('inst-a', '42', 'Lago Events', 0, 0),
			deriveTransactionId('inst-b', '42', 'Lago Events', 0, 0),
			deriveTransactionId('inst-a', '43', 'Lago Events', 0, 0),
			deriveTransactionId('inst-a', '42', 'Lago Events1', 0, 0),
			deriveTransactionId('inst-a', '42', 'Lago Events', 1, 0),
			deriveTransactionId('inst-a', '42', 'Lago Events', 0, 1),
			deriveTransactionId('inst-a', '4', 'Lago Events', 20, 0),
		]);
		expect(ids.size).toBe(7);
	});
});

describe('runStartedAt (the time an empty Timestamp stands for)', () => {
	test('the same run key keeps its first time; another key gets its own', () => {
		expect(runStartedAt('inst\u0000exec-1\u0000Lago\u00000', 1_000)).toBe(1_000);
		expect(runStartedAt('inst\u0000exec-1\u0000Lago\u00000', 9_999)).toBe(1_000);
		expect(runStartedAt('inst\u0000exec-1\u0000Lago\u00001', 2_000)).toBe(2_000);
	});

	test('it remembers at most 1,000 runs, forgetting the oldest first', () => {
		runStartedAt('oldest-run', 5);
		for (let i = 0; i < 1000; i++) runStartedAt(`filler-${i}`, 10);
		expect(runStartedAt('filler-999', 11)).toBe(10);
		expect(runStartedAt('oldest-run', 6)).toBe(6);
	});
});
