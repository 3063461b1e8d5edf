import type { IDataObject } from 'n8n-workflow';

import {
	alreadyStarted,
	clearProcessRecords,
	deliveryKeys,
	forgetStarted,
	MAX_RECORDS,
	prune,
	recordStarted,
	RECORD_TTL_MS,
	storedRecords,
} from '../../nodes/LagoTrigger/deliveries';

/** The edges of the delivery records that decide whether a webhook from Lago starts a workflow once, never, or twice. */

const HOUR = 60 * 60 * 1000;
const T0 = Date.UTC(2026, 10, 15, 12);

beforeEach(() => clearProcessRecords());

describe('delivery records: time-to-live and eviction edges', () => {
	test('a record is kept for exactly 24 hours, in the static data and after a restart', () => {
		expect(RECORD_TTL_MS).toBe(24 * HOUR);
		const staticData: IDataObject = {};
		recordStarted(staticData, 'wf\u0000a', ['k'], T0);
		clearProcessRecords(); // a restart: only the static data is left
		expect(alreadyStarted(staticData, 'wf\u0000a', ['k'], T0 + 24 * HOUR - 1000)).toBe(true);
		expect(alreadyStarted(staticData, 'wf\u0000a', ['k'], T0 + 24 * HOUR)).toBe(false);
	});

	test('a record in this process alone (another request saved no static data yet) still counts', () => {
		recordStarted({}, 'wf\u0000a', ['k'], T0);
		expect(alreadyStarted({}, 'wf\u0000a', ['k'], T0 + 1000)).toBe(true);
		expect(alreadyStarted({}, 'wf\u0000b', ['k'], T0 + 1000)).toBe(false);
	});

	test(`past ${MAX_RECORDS} records exactly the oldest go, by time and not by key order`, () => {
		expect(MAX_RECORDS).toBe(2_000);
		const staticData: IDataObject = {};
		// Keys recorded newest-first in key order, so an eviction by insertion order would drop the wrong ones.
		for (let i = 0; i < MAX_RECORDS + 3; i++) recordStarted(staticData, 'wf\u0000a', [`key-${i}`], T0 + i * 1000);
		expect(Object.keys(storedRecords(staticData))).toHaveLength(MAX_RECORDS);
		clearProcessRecords();
		expect([0, 1, 2, 3].map((i) => alreadyStarted(staticData, 'wf\u0000a', [`key-${i}`], T0 + 3 * HOUR))).toEqual([false, false, false, true]);
		expect(alreadyStarted(staticData, 'wf\u0000a', [`key-${MAX_RECORDS + 2}`], T0 + 3 * HOUR)).toBe(true);
	});

	test('prune drops expired records first, then the oldest past the cap', () => {
		const nowSec = T0 / 1000;
		const records = { old: nowSec - RECORD_TTL_MS / 1000, a: nowSec - 30, b: nowSec - 20, c: nowSec - 10 };
		prune(records, nowSec, 2);
		expect(records).toEqual({ b: nowSec - 20, c: nowSec - 10 });
	});

	test('forget lets the next delivery with that key through, and only that key', () => {
		const staticData: IDataObject = {};
		recordStarted(staticData, 'wf\u0000a', ['a', 'b'], T0);
		forgetStarted(staticData, 'wf\u0000a', ['a']);
		expect(alreadyStarted(staticData, 'wf\u0000a', ['a'], T0 + 1000)).toBe(false);
		expect(alreadyStarted(staticData, 'wf\u0000a', ['b'], T0 + 1000)).toBe(true);
	});
});

describe('delivery keys', () => {
	test('hash the body and the unique key apart, at a fixed length whatever the key', () => {
		const [body, key] = deliveryKeys(Buffer.from('a'), 'u'.repeat(15_000));
		expect(body).toMatch(/^k[A-Za-z0-9_-]{22}$/);
		expect(key).toMatch(/^k[A-Za-z0-9_-]{22}$/);
		expect(body).not.toBe(key);
		// The same text as body and as unique key gives different records.
		expect(deliveryKeys(Buffer.from('x'), 'x')[0]).not.toBe(deliveryKeys(Buffer.from('x'), 'x')[1]);
		expect(deliveryKeys(Buffer.from('a'), undefined)).toEqual([body]);
	});
});
