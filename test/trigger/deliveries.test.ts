import { bodyKey, deliveryKey, deliveryLog, DeliveryLog } from '../../nodes/LagoTrigger/deliveries';

/** The edges of DeliveryLog that decide whether a webhook from Lago starts a workflow once, never, or twice. */

const HOUR = 60 * 60 * 1000;

describe('DeliveryLog: time-to-live and eviction edges', () => {
	test('by default a key is remembered for exactly 24 hours', () => {
		const log = new DeliveryLog();
		expect(log.ttlMs).toBe(24 * HOUR);
		expect(log.firstTime('k', 0)).toBe(true);
		expect(log.firstTime('k', 24 * HOUR - 1)).toBe(false);
		expect(log.firstTime('k', 24 * HOUR)).toBe(true);
	});

	test('the shared delivery log keeps 10,000 keys for 24 hours', () => {
		expect([deliveryLog.maxEntries, deliveryLog.ttlMs]).toEqual([10_000, 24 * HOUR]);
	});

	test('a key seen again exactly when its time-to-live ends counts as new', () => {
		const log = new DeliveryLog(10, 1000);
		expect(log.firstTime('k', 5000)).toBe(true);
		expect(log.firstTime('k', 5999)).toBe(false);
		expect(log.firstTime('k', 6000)).toBe(true);
		// ...and from then on it is remembered from 6000.
		expect(log.firstTime('k', 6999)).toBe(false);
	});

	test('a repeat within the time-to-live does not renew it', () => {
		const log = new DeliveryLog(10, 1000);
		log.firstTime('k', 0);
		expect(log.firstTime('k', 900)).toBe(false);
		expect(log.firstTime('k', 1000)).toBe(true);
	});

	test('an expired key seen again becomes the newest entry, so it is not the next one evicted', () => {
		const log = new DeliveryLog(2, 10);
		log.firstTime('a', 0);
		log.firstTime('b', 5);
		expect(log.firstTime('a', 20)).toBe(true);
		log.firstTime('c', 21);
		expect(log.size).toBe(2);
		// b was the oldest; a, renewed at 20, is still remembered.
		expect(log.firstTime('a', 22)).toBe(false);
		expect(log.firstTime('b', 22)).toBe(true);
	});

	test('at the limit, exactly the oldest entry goes', () => {
		const log = new DeliveryLog(3, 1000);
		['a', 'b', 'c', 'd'].forEach((key, i) => log.firstTime(key, i));
		expect(log.size).toBe(3);
		expect(['d', 'c', 'b'].map((key) => log.firstTime(key, 10))).toEqual([false, false, false]);
		expect(log.firstTime('a', 10)).toBe(true);
	});

	test('forget lets the next delivery with that key through, and only that key', () => {
		const log = new DeliveryLog(10, 1000);
		log.firstTime('a', 0);
		log.firstTime('b', 0);
		log.forget('a');
		expect(log.size).toBe(1);
		expect(log.firstTime('a', 1)).toBe(true);
		expect(log.firstTime('b', 1)).toBe(false);
	});
});

describe('delivery and body keys', () => {
	test('are scoped to the trigger node and separate the unique key from the body hash', () => {
		expect(deliveryKey('wf1\u0000n1', 'u-1')).toBe('wf1\u0000n1\u0000key\u0000u-1');
		// sha256("a")
		expect(bodyKey('wf1\u0000n1', Buffer.from('a'))).toBe('wf1\u0000n1\u0000body\u0000ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb');
	});
});
