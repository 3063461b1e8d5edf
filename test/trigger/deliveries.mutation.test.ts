import type { IDataObject } from 'n8n-workflow';

import {
	alreadyStarted,
	clearProcessRecords,
	deliveryKeys,
	prune,
	processRecordCount,
	recordStarted,
	storedRecords,
} from '../../nodes/LagoTrigger/deliveries';

/** Edges of the delivery records that deliveries.test.ts does not reach (issue 23's mutation run found them). */

const T0 = Date.UTC(2026, 10, 15, 12);

beforeEach(() => clearProcessRecords());

describe('record keys are stable across versions', () => {
	// The records outlive the process in the workflow's static data: if an upgrade hashed differently, Lago's retry of
	// a delivery received before the upgrade would start a second run.
	test('a body and a unique key hash to the exact keys earlier versions stored', () => {
		expect(deliveryKeys(Buffer.from('{"webhook_type":"invoice.created"}'), 'uk-1')).toEqual(['k1qdP5wZJZUwnY4a0n-_2Tl', 'kI0lHEEYdR7q-KyM9ln6UNF']);
	});
});

describe('static data that is not what the trigger wrote', () => {
	test.each([
		['null', null],
		['an array', ['k']],
		['a string', 'k'],
		['a number', 7],
	])('deliveries holding %s is replaced by an empty record set', (_name, value) => {
		const staticData: IDataObject = { deliveries: value as IDataObject['deliveries'] };
		expect(storedRecords(staticData)).toEqual({});
		expect(staticData.deliveries).toEqual({});
		expect(alreadyStarted(staticData, 'wf\u0000a', ['k'], T0)).toBe(false);
	});

	test('a record whose time is not a number (hand-edited static data) does not count as started', () => {
		const staticData: IDataObject = { deliveries: { k: String(T0 / 1000) } };
		expect(alreadyStarted(staticData, 'wf\u0000a', ['k'], T0 + 1000)).toBe(false);
	});
});

describe('pruning goes by time, whatever order the keys come in', () => {
	// Postgres jsonb gives an object's keys back sorted (by length, then bytes), not in the order they were written.
	test('the oldest go first even when they come last in key order', () => {
		const nowSec = T0 / 1000;
		const records = { c: nowSec - 10, b: nowSec - 20, a: nowSec - 30, d: nowSec - 5 };
		prune(records, nowSec, 2);
		expect(records).toEqual({ c: nowSec - 10, d: nowSec - 5 });
	});
});

describe("this process's own copy", () => {
	test('holds at most 500 trigger nodes: the 501st drops the node recorded first', () => {
		for (let i = 0; i <= 500; i++) recordStarted({}, `wf\u0000${i}`, ['k'], T0);
		expect(processRecordCount()).toBe(500);
		// Asked in this order: asking about a node this process does not hold makes room for it.
		expect(alreadyStarted({}, 'wf\u0000500', ['k'], T0 + 1000)).toBe(true);
		expect(alreadyStarted({}, 'wf\u00001', ['k'], T0 + 1000)).toBe(true);
		expect(alreadyStarted({}, 'wf\u00000', ['k'], T0 + 1000)).toBe(false);
	});

	test('a restart (clearProcessRecords) forgets what only this process held', () => {
		recordStarted({}, 'wf\u0000a', ['k'], T0);
		expect(processRecordCount()).toBe(1);
		clearProcessRecords();
		expect(processRecordCount()).toBe(0);
		expect(alreadyStarted({}, 'wf\u0000a', ['k'], T0 + 1000)).toBe(false);
	});
});
