import { LAGO_CLOUD_LIMITS, RateLimiter, rateClassOf } from '../../nodes/shared/rateLimiter';
import { keepsLagoCloudLimits } from '../../nodes/shared/transport';

describe('rateClassOf: the Lago Cloud budget a request counts against', () => {
	test.each([
		['POST', '/events', 'events'],
		['POST', '/events/batch', 'events'],
		['GET', '/events', 'other'],
		['GET', '/events/order-1', 'other'],
		['POST', '/events/estimate_fees', 'other'],
		['POST', '/events/batch_estimate_instant_fees', 'other'],
		['GET', '/customers/cus%2F1/current_usage', 'currentUsage'],
		['GET', '/customers/cus_1/past_usage', 'other'],
		['GET', '/billable_metrics', 'other'],
	])('%s %s is %s', (method, path, expected) => {
		expect(rateClassOf(method, path)).toBe(expected);
	});
});

describe('RateLimiter', () => {
	test('keeps 90% of each Lago Cloud budget', () => {
		expect(new RateLimiter().limits).toEqual({ events: 450, currentUsage: 180, other: 45 });
		expect(LAGO_CLOUD_LIMITS).toEqual({ events: 500, currentUsage: 200, other: 50 });
	});

	test('at most `limit` starts of a class in any second, evenly spaced; the classes do not share a budget', async () => {
		let now = 1_000_000;
		const starts: Record<string, number[]> = { events: [], other: [] };
		const limiter = new RateLimiter({ events: 10, currentUsage: 4, other: 3 }, 1, () => now, async (ms) => {
			now += ms;
		});
		for (let i = 0; i < 30; i++) {
			await limiter.take('events');
			starts.events.push(now);
			await limiter.take('other');
			starts.other.push(now);
		}
		for (const [rateClass, limit] of [['events', 10], ['other', 3]] as const) {
			const times = starts[rateClass];
			// At most `limit` in any second (one millisecond of slack for whole-millisecond sleeps), spread evenly.
			for (let i = limit; i < times.length; i++) expect(times[i] - times[i - limit]).toBeGreaterThanOrEqual(999);
			for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(Math.floor(1000 / limit) - 1);
		}
		// `other` is the bottleneck: 30 of them at 3 a second, evenly spaced, take 29 intervals of 333 ms.
		expect(starts.other[29] - starts.other[0]).toBeGreaterThanOrEqual(9640);
		expect(starts.other[29] - starts.other[0]).toBeLessThanOrEqual(9700);
	});

	test('a wall clock set back an hour does not hold requests: the default clock is monotonic', () => {
		// The wall clock (Date) is faked and set back; the limiter is built under it, as n8n would build it then.
		jest.useFakeTimers({ doNotFake: ['performance'], advanceTimers: true });
		try {
			const limiter = new RateLimiter({ events: 1, currentUsage: 1, other: 1 }, 1);
			expect(limiter.tryTake('other')).toBe(0);
			jest.setSystemTime(Date.now() - 3_600_000);
			// The next slot is one interval (1 s at 1/s) away, not an hour and a second.
			const wait = limiter.tryTake('other');
			expect(wait).toBeGreaterThan(0);
			expect(wait).toBeLessThanOrEqual(1000);
		} finally {
			jest.useRealTimers();
		}
	});

	test('an injected clock that steps back starts the schedule again instead of waiting the step out', () => {
		let now = 1_000_000;
		const limiter = new RateLimiter({ events: 1, currentUsage: 1, other: 2 }, 1, () => now);
		expect(limiter.tryTake('other')).toBe(0);
		// The first slot after a pause follows `now - 1` (a millisecond of slack for whole-millisecond sleeps).
		expect(limiter.tryTake('other')).toBe(499);
		now -= 60_000;
		expect(limiter.tryTake('other')).toBe(0);
		expect(limiter.tryTake('other')).toBe(500);
	});

	test('a cancelled wait gives up', async () => {
		const limiter = new RateLimiter({ events: 1, currentUsage: 1, other: 1 }, 1, () => 0, async () => undefined);
		expect(await limiter.take('other')).toBe(true);
		expect(await limiter.take('other', () => true)).toBe(false);
	});
});

test('Lago Cloud always keeps the limits; a self-hosted URL keeps them unless lifted', () => {
	expect(keepsLagoCloudLimits({ region: 'us', rateLimits: 'none' })).toBe(true);
	expect(keepsLagoCloudLimits({ region: 'eu' })).toBe(true);
	expect(keepsLagoCloudLimits({ region: 'custom' })).toBe(true);
	expect(keepsLagoCloudLimits({ region: 'custom', rateLimits: 'lagoCloud' })).toBe(true);
	expect(keepsLagoCloudLimits({ region: 'custom', rateLimits: 'none' })).toBe(false);
});
