import { sleep } from 'n8n-workflow';

/**
 * Keeps the requests of one node run under Lago Cloud's per-organisation limits (api-reference/rate-limits), so that
 * parallel requests do not run into a wall of 429s: the shared 429 gate in transport.ts stays for what still comes back
 * (other workflows using the same organisation, a server with lower limits).
 */

export type RateClass = 'events' | 'currentUsage' | 'other';

/** Lago Cloud's budgets, requests per second: event ingestion, current usage, everything else. */
export const LAGO_CLOUD_LIMITS: Readonly<Record<RateClass, number>> = { events: 500, currentUsage: 200, other: 50 };

/**
 * Share of each budget this node uses: requests leave here spaced by start time, but arrive spread by the network's
 * jitter (a slow handshake lets later requests catch up), so a request counted in one second here can land in the same
 * second as the next window's first ones at Lago.
 */
export const BUDGET_SHARE = 0.9;
const WINDOW_MS = 1000;

/** Which budget a request counts against: ingestion is POST /events and /events/batch; reads and estimates are "other". */
export function rateClassOf(method: string, path: string): RateClass {
	const bare = path.split('?')[0].replace(/\/+$/, '');
	if (method.toUpperCase() === 'POST' && (bare === '/events' || bare === '/events/batch')) return 'events';
	if (/^\/customers\/[^/]+\/current_usage$/.test(bare)) return 'currentUsage';
	return 'other';
}

/**
 * Requests of a class spaced evenly, 1/limit of a second apart (a leaky bucket without burst credit): at most `limit`
 * start in any second. Even spacing, rather than `limit` at once and then a pause, keeps a server that counts per
 * calendar second under its limit when arrival times jitter: a burst landing a few milliseconds late would fall into
 * the next second together with that second's burst. Single-threaded, so the check and the record happen together.
 */
export class RateLimiter {
	/** When the next request of each class may start (ms, fractional). */
	private readonly nextStart: Record<RateClass, number> = { events: 0, currentUsage: 0, other: 0 };

	readonly limits: Readonly<Record<RateClass, number>>;

	constructor(
		limits: Readonly<Record<RateClass, number>> = LAGO_CLOUD_LIMITS,
		share = BUDGET_SHARE,
		// Monotonic: a wall clock set back (NTP, a VM resumed) would otherwise hold the next request until it caught up.
		private readonly now: () => number = () => performance.now(),
		private readonly wait: (ms: number) => Promise<void> = sleep,
	) {
		this.limits = {
			events: Math.max(1, Math.floor(limits.events * share)),
			currentUsage: Math.max(1, Math.floor(limits.currentUsage * share)),
			other: Math.max(1, Math.floor(limits.other * share)),
		};
	}

	/** Milliseconds until a request of this class may start; 0 means it may start now, and it is then counted. */
	tryTake(rateClass: RateClass): number {
		const now = this.now();
		const interval = WINDOW_MS / this.limits[rateClass];
		let next = this.nextStart[rateClass];
		// A slot is only ever booked one interval ahead of the clock, so a wait longer than that means the clock stepped
		// back (an injected clock, a test's fake one): start the schedule again from now rather than wait it out.
		if (next - now > interval + 1) next = now;
		if (next > now) return Math.ceil(next - now);
		// On schedule (a waiter wakes up to a millisecond late, sleep being whole milliseconds) the next slot follows this
		// one's; after a pause it follows now.
		this.nextStart[rateClass] = Math.max(next, now - 1) + interval;
		return 0;
	}

	/** Waits until a request of this class may start, and counts it; false when `cancelled()` said so meanwhile. */
	async take(rateClass: RateClass, cancelled: () => boolean = () => false): Promise<boolean> {
		for (let wait = this.tryTake(rateClass); wait > 0; wait = this.tryTake(rateClass)) {
			await this.wait(wait);
			if (cancelled()) return false;
		}
		return true;
	}
}
