import type { Logger } from 'n8n-workflow';

/**
 * A warning that outside traffic can cause is written at most once a minute per kind, with how many times it happened
 * since the last line: a flood of forged requests must not fill n8n's log. (No timer: n8n's community-node rules ban
 * them, so the count is written by the first occurrence after the minute.)
 */

export const QUIET_INTERVAL_MS = 60_000;

/** What the trigger refuses or cannot answer: a closed list, so a kind cannot be misspelt (or mutated to "") unseen. */
export type QuietKind = 'unsigned' | 'no-key' | 'no-org' | 'other-org';

interface Counter {
	count: number;
	lastAt: number;
}

const counters = new Map<QuietKind, Counter>();

/** Counts one occurrence of `kind`; writes `line(count)` when the last line for it is a minute old or more. */
export function warnQuietly(logger: Logger, kind: QuietKind, line: (count: number) => string, now = Date.now()): void {
	let counter = counters.get(kind);
	if (!counter) {
		counter = { count: 0, lastAt: Number.NEGATIVE_INFINITY };
		counters.set(kind, counter);
	}
	counter.count++;
	if (now - counter.lastAt < QUIET_INTERVAL_MS) return;
	logger.warn(line(counter.count));
	counter.count = 0;
	counter.lastAt = now;
}

/** For tests. */
export function clearQuietLog(): void {
	counters.clear();
}
