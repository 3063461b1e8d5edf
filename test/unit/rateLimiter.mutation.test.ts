import { BUDGET_SHARE, RateLimiter, rateClassOf } from '../../nodes/shared/rateLimiter';

/** Edges of the rate limiter that the behaviour tests in rateLimiter.test.ts do not reach (issue 23, mutation score). */

describe('rateClassOf: query strings, trailing slashes and method case', () => {
	test.each([
		['post', '/events', 'events'],
		['Post', '/events/batch', 'events'],
		['POST', '/events?x=1', 'events'],
		['POST', '/events/batch/', 'events'],
		['POST', '/events//', 'events'],
		['POST', '/events/batch?a=/b', 'events'],
		['POST', '/v1/events', 'other'],
		['POST', '/eventsx', 'other'],
		['GET', '/customers/cus_1/current_usage?external_subscription_id=s', 'currentUsage'],
		['GET', '/customers/cus_1/current_usage/', 'currentUsage'],
		['GET', '/api/customers/cus_1/current_usage', 'other'],
		['GET', '/customers/cus_1/current_usage_x', 'other'],
		['GET', '/customers/a/b/current_usage', 'other'],
		['GET', '/customers//current_usage', 'other'],
	])('%s %s is %s', (method, path, expected) => {
		expect(rateClassOf(method, path)).toBe(expected);
	});
});

describe('RateLimiter limits', () => {
	test('the share is 90%', () => {
		expect(BUDGET_SHARE).toBe(0.9);
	});

	test('each class keeps the floor of its share, and never less than one a second', () => {
		expect(new RateLimiter({ events: 19, currentUsage: 3, other: 1 }, 0.5).limits).toEqual({ events: 9, currentUsage: 1, other: 1 });
		expect(new RateLimiter({ events: 1, currentUsage: 1, other: 1 }, 0.1).limits).toEqual({ events: 1, currentUsage: 1, other: 1 });
		expect(new RateLimiter({ events: 7, currentUsage: 9, other: 5 }, 1).limits).toEqual({ events: 7, currentUsage: 9, other: 5 });
	});
});

describe('RateLimiter.tryTake', () => {
	const limiter = (now: () => number) => new RateLimiter({ events: 4, currentUsage: 3, other: 8 }, 1, now, async () => undefined);

	test('the first request of each class starts at once; the next waits 1/limit of a second, rounded up', () => {
		let now = 5_000;
		const rl = limiter(() => now);
		// The first slot counts from a millisecond before now (a waiter wakes up to a millisecond late): 4_999 + 250.
		expect(rl.tryTake('events')).toBe(0);
		expect(rl.tryTake('events')).toBe(249);
		expect(rl.tryTake('currentUsage')).toBe(0);
		// 4_999 + 1000 / 3 = 5_332.33 ms: the wait rounds up, so a waiter never wakes before its slot.
		expect(rl.tryTake('currentUsage')).toBe(333);
		expect(rl.tryTake('other')).toBe(0);
		expect(rl.tryTake('other')).toBe(124);
		now += 100;
		expect(rl.tryTake('events')).toBe(149);
		now += 149;
		// Exactly on its slot (5_249): it starts, and the next slot follows this one's.
		expect(rl.tryTake('events')).toBe(0);
		expect(rl.tryTake('events')).toBe(250);
	});

	test('a waiter on time keeps the schedule; after a pause the next slot follows now', () => {
		let now = 10_000;
		const rl = limiter(() => now);
		expect(rl.tryTake('events')).toBe(0);
		now = 10_249;
		expect(rl.tryTake('events')).toBe(0);
		now = 10_498;
		expect(rl.tryTake('events')).toBe(1);
		now = 10_499;
		expect(rl.tryTake('events')).toBe(0);
		// On schedule: the next slot is 10_499 + 250, not now + 1 + 250.
		expect(rl.tryTake('events')).toBe(250);
		// A pause: 10_749 was free long ago, so the next slot is counted from now (20_000 - 1 + 250).
		now = 20_000;
		expect(rl.tryTake('events')).toBe(0);
		expect(rl.tryTake('events')).toBe(249);
	});

	test('a refused request is not counted', () => {
		let now = 1_000;
		const rl = limiter(() => now);
		expect(rl.tryTake('other')).toBe(0);
		expect(rl.tryTake('other')).toBe(124);
		expect(rl.tryTake('other')).toBe(124);
		now += 124;
		expect(rl.tryTake('other')).toBe(0);
	});
});

describe('RateLimiter.take', () => {
	test('waits exactly what tryTake says, then counts the request; not cancelled by default', async () => {
		let now = 0;
		const waits: number[] = [];
		const rl = new RateLimiter({ events: 2, currentUsage: 1, other: 1 }, 1, () => now, async (ms) => {
			waits.push(ms);
			now += ms;
		});
		expect(await rl.take('events')).toBe(true);
		expect(await rl.take('events')).toBe(true);
		expect(await rl.take('events')).toBe(true);
		expect(waits).toEqual([500, 500]);
		expect(now).toBe(1000);
	});

	test('a wait cut short waits again for the rest', async () => {
		let now = 0;
		const waits: number[] = [];
		const rl = new RateLimiter({ events: 1, currentUsage: 1, other: 1 }, 1, () => now, async (ms) => {
			waits.push(ms);
			now += Math.min(ms, 400);
		});
		expect(await rl.take('other')).toBe(true);
		expect(await rl.take('other')).toBe(true);
		expect(waits).toEqual([1000, 600, 200]);
	});

	test('cancelled is asked after each wait, and a cancelled wait does not count the request', async () => {
		let now = 0;
		let asked = 0;
		const rl = new RateLimiter({ events: 1, currentUsage: 1, other: 1 }, 1, () => now, async (ms) => {
			now += ms;
		});
		expect(await rl.take('other', () => ++asked > 5)).toBe(true);
		expect(asked).toBe(0);
		expect(await rl.take('other', () => ++asked > 0)).toBe(false);
		expect(asked).toBe(1);
		// Not counted: the slot at 1000 is still free.
		expect(now).toBe(1000);
		expect(rl.tryTake('other')).toBe(0);
	});
});

test('the default limits and share: the second events request waits 1/450 s, rounded up', () => {
	const rl = new RateLimiter(undefined, undefined, () => 1_000);
	expect(rl.tryTake('events')).toBe(0);
	// 999 + 1000 / 450 = 1_001.22
	expect(rl.tryTake('events')).toBe(2);
	expect(rl.tryTake('other')).toBe(0);
	// 999 + 1000 / 45 = 1_021.22
	expect(rl.tryTake('other')).toBe(22);
});
