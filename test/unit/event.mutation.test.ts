import {
	FieldError,
	parseIdentifier,
	parsePreciseTotalAmountCents,
	parsePropertiesJson,
	parsePropertiesKeyValue,
	parseTimestamp,
} from '../../nodes/LagoEvents/shared/event';

/**
 * Edges of event-field parsing that event.test.ts does not reach (issue 23's mutation run of event.ts: 80.8%): the
 * fix each error offers (the hint the user reads under the message), the exact bounds of dates and epochs, zone
 * offsets, and numbers nested in properties.
 */

/** The FieldError `fn` throws, as { field, message, hint }. */
function refusal(fn: () => unknown): { field: string; message: string; hint?: string } {
	try {
		fn();
	} catch (error) {
		if (error instanceof FieldError) return { field: error.field, message: error.message, hint: error.hint };
		throw error;
	}
	throw new Error('expected a FieldError');
}

const TIMESTAMP_HINT =
	"Use a date (2026-11-01T10:00:00, read in the workflow's time zone), ISO 8601 with a zone (2026-11-01T10:00:00Z), epoch seconds (1700000000.123), epoch milliseconds (1700000000123) or an expression such as {{ $now }}.";
const EMPTY_TIMESTAMP = { field: 'timestamp', message: 'Timestamp is empty', hint: `Leave the field blank to use the current time, or map a value. ${TIMESTAMP_HINT}` };
const notADate = (shown: string) => ({ field: 'timestamp', message: `Timestamp ${shown} is not a date Lago can use`, hint: TIMESTAMP_HINT });
const outside = (shown: string, iso: string) => ({
	field: 'timestamp',
	message: `Timestamp ${shown} is ${iso}, outside 2000-2099`,
	hint: `This is usually a unit mistake (milliseconds vs seconds) or an empty value read as 0. ${TIMESTAMP_HINT}`,
});

describe('identifiers: each refusal and its fix', () => {
	test.each([
		['a number past 2^53', 2 ** 53, { message: 'Transaction ID 9007199254740992 is not a whole number that can be sent exactly', hint: 'Map the ID as a string.' }],
		['undefined', undefined, { message: 'Transaction ID is empty', hint: 'Set Transaction ID or map it from the input data.' }],
		['spaces only', '   ', { message: 'Transaction ID is empty', hint: 'Set Transaction ID or map it from the input data.' }],
		['a leading space', ' tx-1', { message: 'Transaction ID " tx-1" has leading or trailing spaces', hint: 'Lago compares IDs exactly, so the event would not match. Trim the value, e.g. {{ $json.id.trim() }}.' }],
	])('%s', (_name, value, expected) => {
		expect(refusal(() => parseIdentifier('transactionId', value, 'Transaction ID'))).toEqual({ field: 'transactionId', ...expected });
	});

	test('a long value is shown cut to 57 characters and "...", one of exactly 60 whole', () => {
		const sixty = ` ${'a'.repeat(59)}`;
		expect(refusal(() => parseIdentifier('code', sixty, 'Code')).message).toBe(`Code " ${'a'.repeat(59)}" has leading or trailing spaces`);
		const sixtyOne = ` ${'a'.repeat(60)}`;
		expect(refusal(() => parseIdentifier('code', sixtyOne, 'Code')).message).toBe(`Code " ${'a'.repeat(56)}..." has leading or trailing spaces`);
	});
});

describe('timestamps: each refusal and its fix', () => {
	test.each([
		['an empty text', ''],
		['undefined', undefined],
		['null', null],
	])('%s is empty, with the fix', (_name, value) => {
		expect(refusal(() => parseTimestamp(value, 'UTC'))).toEqual(EMPTY_TIMESTAMP);
	});

	test.each([
		['an object that is not a date', {}, 'an object'],
		['a boolean', true, 'true'],
		['an invalid Luxon-like date', { toMillis: () => NaN }, 'an object'],
		['an invalid Date', new Date('x'), 'an object'],
		['text that is no date', 'tomorrow', '"tomorrow"'],
		// Text around a date is not a date: a typo must not be read as the date inside it (Stryker left the anchors).
		['a five-digit year', '12026-11-01T10:00:00Z', '"12026-11-01T10:00:00Z"'],
		['text before a date with a zone', 'at 2026-11-01T10:00:00Z', '"at 2026-11-01T10:00:00Z"'],
		['text after a date with a zone', '2026-11-01T10:00:00Z!', '"2026-11-01T10:00:00Z!"'],
		['a zone offset with a third part', '2026-11-01T10:00:00+05:30:00', '"2026-11-01T10:00:00+05:30:00"'],
		['text before a date without a zone', 'x2026-11-01T10:00:00', '"x2026-11-01T10:00:00"'],
		['a five-digit year without a zone', '12026-11-01', '"12026-11-01"'],
		['an epoch of exactly 1e11 (neither seconds nor milliseconds)', 1e11, '100000000000'],
		['an epoch between seconds and milliseconds', 5e11, '500000000000'],
		['an epoch of exactly 1e13', 1e13, '10000000000000'],
		['a negative epoch', -1, '-1'],
	])('%s is not a date Lago can use', (_name, value, shown) => {
		expect(refusal(() => parseTimestamp(value, 'UTC'))).toEqual(notADate(shown));
	});

	test('a date without a zone: the fix depends on whether the workflow has a zone', () => {
		expect(refusal(() => parseTimestamp('2026-11-01T10:00:00'))).toEqual({
			field: 'timestamp',
			message: 'Timestamp "2026-11-01T10:00:00" has no time zone',
			hint: 'Add Z for UTC or an offset such as +02:00, e.g. 2026-11-01T10:00:00Z.',
		});
		expect(refusal(() => parseTimestamp('2026-11-01T10:00:00', 'Mars/Olympus')).hint).toBe("Add Z for UTC or an offset such as +02:00, or set the workflow's Settings › Timezone.");
	});

	test('spaces around a timestamp text are not part of it: spaces only are empty', () => {
		expect(refusal(() => parseTimestamp('   ', 'UTC'))).toEqual(EMPTY_TIMESTAMP);
		expect(parseTimestamp(' 2026-11-01T10:00:00Z ', 'UTC')).toBe(Date.UTC(2026, 10, 1, 10) / 1000);
	});

	test('a text with a zone needs no workflow zone', () => {
		expect(parseTimestamp('2026-11-01T10:00:00Z')).toBe(Date.UTC(2026, 10, 1, 10) / 1000);
		expect(parseTimestamp('2026-11-01t10:00:00z')).toBe(Date.UTC(2026, 10, 1, 10) / 1000);
	});

	test('2000-01-01T00:00:00Z is the first second accepted, 2100-01-01T00:00:00Z the first refused', () => {
		expect(parseTimestamp(946684800)).toBe(946684800);
		expect(refusal(() => parseTimestamp(946684799.999))).toEqual(outside('946684799.999', '1999-12-31T23:59:59.999Z'));
		expect(parseTimestamp(4102444799.999)).toBe(4102444799.999);
		expect(refusal(() => parseTimestamp(4102444800))).toEqual(outside('4102444800', '2100-01-01T00:00:00.000Z'));
	});

	test('epoch milliseconds start at exactly 1e12', () => {
		expect(parseTimestamp(1e12)).toBe(1e9);
		expect(parseTimestamp(1e12 + 1)).toBe(1000000000.001);
	});
});

describe('ISO 8601 texts: fields and zone offsets', () => {
	test.each([
		['month 00', '2026-00-10T10:00:00Z'],
		['hour 24', '2026-11-01T24:00:00Z'],
		['minute 60', '2026-11-01T10:60:00Z'],
		['an offset of 24 hours', '2026-11-01T10:00:00+24:00'],
		['an offset of 60 minutes', '2026-11-01T10:00:00+02:60'],
		['a leap second that is not 23:59:60', '2026-06-30T12:00:60Z'],
	])('%s is refused', (_name, text) => {
		expect(refusal(() => parseTimestamp(text, 'UTC'))).toEqual(notADate(JSON.stringify(text)));
	});

	test.each([
		['+23:00, the largest hour', '2026-11-01T10:00:00+23:00', Date.UTC(2026, 10, 0, 11)],
		['+02:59, the largest minutes', '2026-11-01T10:00:00+02:59', Date.UTC(2026, 10, 1, 7, 1)],
		['+0530, without a colon', '2026-11-01T10:00:00+0530', Date.UTC(2026, 10, 1, 4, 30)],
		['-0330', '2026-11-01T10:00:00-0330', Date.UTC(2026, 10, 1, 13, 30)],
		['+05, hours only', '2026-11-01T10:00:00+05', Date.UTC(2026, 10, 1, 5)],
		['no seconds', '2026-11-01T10:07Z', Date.UTC(2026, 10, 1, 10, 7)],
		['23:59:60, a leap second', '2026-12-31T23:59:60Z', Date.UTC(2027, 0, 1)],
	])('%s', (_name, text, millis) => {
		expect(parseTimestamp(text, 'UTC')).toBe(millis / 1000);
	});

	// New York's offset changes between the first guess and the instant it gives (UTC-5 before 07:00Z, UTC-4 after):
	// only the second step reads these right.
	test.each([
		['2026-03-08T03:30:00', Date.UTC(2026, 2, 8, 7, 30)],
		['2026-03-08T05:00:00', Date.UTC(2026, 2, 8, 9)],
		['2026-03-08T12:00:00', Date.UTC(2026, 2, 8, 16)],
	])('America/New_York %s, just after clocks go forward', (text, millis) => {
		expect(parseTimestamp(text, 'America/New_York')).toBe(millis / 1000);
	});
});

describe('properties: numbers JSON cannot carry, wherever they are', () => {
	test.each([
		['NaN in a row', [{ key: 'a', value: NaN }], 'Property a is NaN, which JSON cannot carry', undefined],
		['Infinity in an object in a list', [{ key: 'a', value: [1, { b: Infinity }] }], 'Property a[1].b is Infinity, which JSON cannot carry', undefined],
		['a big whole number in a list in an object', [{ key: 'a', value: { b: [1, 2 ** 60] } }], 'Property a.b[1] is 1152921504606847000, a whole number above 2^53 that cannot be sent exactly', 'Send it as a string, e.g. "12345678901234567890".'],
	])('%s', (_name, rows, message, hint) => {
		expect(refusal(() => parsePropertiesKeyValue(rows))).toEqual({ field: 'properties', message, hint });
	});

	test('an object given as Properties (JSON) is checked from "properties" down', () => {
		expect(refusal(() => parsePropertiesJson({ a: { b: 2 ** 60 } }))).toEqual({
			field: 'properties',
			message: 'Property properties.a.b is 1152921504606847000, a whole number above 2^53 that cannot be sent exactly',
			hint: 'Send it as a string, e.g. "12345678901234567890".',
		});
	});

	test('key/value rows: an empty key and a key set twice, with their fixes', () => {
		expect(refusal(() => parsePropertiesKeyValue([{ key: 'a', value: 1 }, { key: ' ', value: 2 }]))).toEqual({ field: 'properties', message: 'Property row 2 has an empty key', hint: 'Give every property a name, or remove the empty row.' });
		expect(refusal(() => parsePropertiesKeyValue([{ key: 'a', value: 1 }, { key: 'a ', value: 2 }]))).toEqual({ field: 'properties', message: 'Property "a" is set twice', hint: 'Each property name may appear once. Remove or rename the duplicate row.' });
	});
});

describe('Properties (JSON) text', () => {
	test('spaces only is no properties', () => {
		expect(parsePropertiesJson('   ')).toEqual({});
	});

	test('not JSON, and not an object, with their fixes', () => {
		const notJson = refusal(() => parsePropertiesJson('{"a": '));
		expect(notJson.field).toBe('propertiesJson');
		expect(notJson.message.startsWith('Properties (JSON) is not valid JSON: ')).toBe(true);
		expect(notJson.hint).toBe('Write a JSON object such as {"gb": 10, "region": "eu"}.');
		expect(refusal(() => parsePropertiesJson('[1]'))).toEqual({ field: 'propertiesJson', message: 'Properties (JSON) must be a JSON object, got an array', hint: 'Write an object such as {"gb": 10}. Lago drops properties that are not an object.' });
		expect(refusal(() => parsePropertiesJson(undefined)).message).toBe('Properties (JSON) must be a JSON object, got undefined');
	});

	test('a whole number above 2^53 in the text is found before JSON.parse rounds it', () => {
		expect(refusal(() => parsePropertiesJson('{"a": 12345678901234567890}'))).toEqual({
			field: 'propertiesJson',
			message: 'Properties (JSON) contains 12345678901234567890, a whole number above 2^53 that cannot be sent exactly',
			hint: 'Put it in quotes to send it as a string.',
		});
		expect(refusal(() => parsePropertiesJson('{"a": [1, -12345678901234567890]}')).message).toBe('Properties (JSON) contains -12345678901234567890, a whole number above 2^53 that cannot be sent exactly');
	});

	test.each([
		['inside a string, after a space', '{"id": "x 12345678901234567890"}', { id: 'x 12345678901234567890' }],
		['inside a string with an escaped quote', '{"id": "a\\" 12345678901234567890"}', { id: 'a" 12345678901234567890' }],
		['the decimals of a number', '{"a": 1.12345678901234567890}', { a: 1.1234567890123457 }],
		['a key', '{"12345678901234567890": 1}', { '12345678901234567890': 1 }],
	])('digits %s are not a whole number', (_name, text, expected) => {
		expect(parsePropertiesJson(text)).toEqual(expected);
	});

	test('a number with an exponent or a fraction is judged by its value, not its digits', () => {
		expect(refusal(() => parsePropertiesJson('{"a": 1234567890123456789e5}')).message).toBe('Property properties.a is 1.2345678901234569e+23, a whole number above 2^53 that cannot be sent exactly');
		expect(refusal(() => parsePropertiesJson('{"a": 12345678901234567.5}')).message).toBe('Property properties.a is 12345678901234568, a whole number above 2^53 that cannot be sent exactly');
		expect(parsePropertiesJson('{"a": 1234567890123456.5}')).toEqual({ a: 1234567890123456.5 });
	});
});

describe('Precise Total Amount Cents', () => {
	test.each([
		['undefined', undefined],
		['null', null],
		['an empty text', ''],
	])('%s is left out', (_name, value) => {
		expect(parsePreciseTotalAmountCents(value)).toBeUndefined();
	});

	test('a text is sent without its surrounding spaces', () => {
		expect(parsePreciseTotalAmountCents(' 12.5 ')).toBe('12.5');
	});

	test.each([
		['NaN', NaN, 'Precise Total Amount Cents NaN is not a number', undefined],
		['an object', { a: 1 }, 'Precise Total Amount Cents must be a decimal number, got an object', undefined],
		['a word', 'abc', 'Precise Total Amount Cents "abc" is not a decimal number', 'Use digits with an optional decimal point, e.g. 1234.56. Lago would silently store a non-numeric value as 0.'],
	])('%s is refused', (_name, value, message, hint) => {
		expect(refusal(() => parsePreciseTotalAmountCents(value))).toEqual({ field: 'preciseTotalAmountCents', message, hint });
	});
});
