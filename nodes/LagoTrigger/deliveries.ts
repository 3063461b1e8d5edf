import { createHash } from 'crypto';

/**
 * Remembers which webhooks already started a workflow, so Lago's retries of one webhook (same `X-Lago-Unique-Key`,
 * up to 3 attempts) start it once. Bounded: the oldest entries go first past `maxEntries`, and entries expire after
 * `ttlMs`. It lives in the n8n process: after a restart, or on another webhook process in queue mode, a retry can run
 * again (Lago's payloads carry their own ids, e.g. `lago_id`, for a downstream check).
 */
export class DeliveryLog {
	private readonly seen = new Map<string, number>();

	constructor(
		readonly maxEntries = 10_000,
		readonly ttlMs = 24 * 60 * 60 * 1000,
	) {}

	/** True the first time `key` is seen (and records it); false for a repeat within the time-to-live. */
	firstTime(key: string, now = Date.now()): boolean {
		const at = this.seen.get(key);
		if (at !== undefined && now - at < this.ttlMs) return false;
		// Re-inserted rather than updated: an expired key seen again becomes the newest, not the next one evicted.
		this.seen.delete(key);
		this.seen.set(key, now);
		while (this.seen.size > this.maxEntries) {
			const oldest = this.seen.keys().next().value as string;
			this.seen.delete(oldest);
		}
		return true;
	}

	/** Forgets `key`, e.g. when its delivery did not start the workflow and Lago's retry must. */
	forget(key: string): void {
		this.seen.delete(key);
	}

	get size(): number {
		return this.seen.size;
	}
}

export const deliveryLog = new DeliveryLog();

/** The key a delivery is remembered by, per trigger node, so two workflows listening to one Lago both run. */
export function deliveryKey(scope: string, uniqueKey: string): string {
	return `${scope}\u0000key\u0000${uniqueKey}`;
}

/**
 * A signed body replayed under a new unique key (the key is not signed) is also caught, within `replayWindowMs`:
 * Lago's JWT has no expiry, so this is the only replay protection a receiver has.
 */
export function bodyKey(scope: string, rawBody: Buffer): string {
	return `${scope}\u0000body\u0000${createHash('sha256').update(rawBody).digest('hex')}`;
}
