import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { FieldError } from './event';
import type { ParameterReader } from './parameterReader';

/**
 * Requests in flight at once, for Send and Send Batch. Output order and per-item results never depend on it: results
 * are stored by item index, and two requests that carry the same transaction id never overlap (see runInParallel).
 */

/** A whole-number option from `min` to `max`; empty means the default. Expressions can give anything, so check. */
export function parseWholeNumberOption(name: string, label: string, value: unknown, min: number, max: number, fallback: number, hint: string): number {
	if (value === undefined || value === null || value === '') return fallback;
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
		throw new FieldError(name, `${label} must be a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`, hint);
	}
	return n;
}

/**
 * Requests in flight at once for the per-item operations (Send, Get, Estimate Fees, Get Current, Get Past): up to 50.
 * The rate limiter, not this bound, keeps a run under Lago Cloud's limits.
 */
export const MAX_PARALLEL_REQUESTS_PER_ITEM = 50;
/**
 * 10 for the reads and estimates: a request over a new TLS connection at 50 ms RTT takes about 3 round trips (150-200
 * ms), so 10 in flight make 50-65 requests a second, what Lago Cloud allows the "other" class (50/s) and well past
 * one-at-a-time with keep-alive (about 18/s); more would only wait in the limiter (README, Performance).
 */
export const DEFAULT_PARALLEL_REQUESTS_PER_ITEM = 10;

/** Parallel Requests from 1 to 50; empty means `fallback`. */
export function parseParallelPerItem(value: unknown, fallback: number = DEFAULT_PARALLEL_REQUESTS_PER_ITEM): number {
	return parseWholeNumberOption(
		'parallelRequests',
		'Parallel Requests',
		value,
		1,
		MAX_PARALLEL_REQUESTS_PER_ITEM,
		fallback,
		`Up to ${MAX_PARALLEL_REQUESTS_PER_ITEM} requests may be in flight at once; 1 sends the items one at a time.`,
	);
}

/** The node's Parallel Requests option (read once, from the first item), or a NodeOperationError naming the problem. */
export function readParallelPerItem(ctx: IExecuteFunctions, reader: ParameterReader, fallback: number = DEFAULT_PARALLEL_REQUESTS_PER_ITEM): number {
	try {
		return parseParallelPerItem((reader.get('options', 0, {}) as IDataObject).parallelRequests, fallback);
	} catch (error) {
		throw new NodeOperationError(ctx.getNode(), (error as Error).message, { description: (error as FieldError).hint });
	}
}

/** "0-99, 150, 200-204": item indexes as short ranges, for error descriptions. */
export function formatItemRanges(indexes: number[]): string {
	const sorted = [...indexes].sort((a, b) => a - b);
	const ranges: string[] = [];
	for (let i = 0; i < sorted.length; i++) {
		const start = sorted[i];
		while (i + 1 < sorted.length && sorted[i + 1] === sorted[i] + 1) i++;
		ranges.push(start === sorted[i] ? `${start}` : `${start}-${sorted[i]}`);
	}
	return ranges.join(', ');
}

/**
 * Runs tasks 0 to count-1, at most `parallel` at a time, started in index order. A task that shares a key (a
 * transaction id) with an earlier task starts only once that task has finished, so Lago sees the copies in input
 * order and the later copy is the duplicate, as when the tasks run one at a time. `shouldStop` is asked before each
 * task starts; tasks already started finish. `task` must not throw.
 */
export async function runInParallel(
	count: number,
	parallel: number,
	keysOf: (index: number) => readonly string[],
	task: (index: number) => Promise<void>,
	shouldStop: () => boolean = () => false,
): Promise<void> {
	const finished: Array<Promise<void>> = new Array(count);
	const lastTaskWithKey = new Map<string, number>();
	let next = 0;
	const start = async (index: number) => {
		const earlier = new Set<number>();
		for (const key of keysOf(index)) {
			const previous = lastTaskWithKey.get(key);
			if (previous !== undefined) earlier.add(previous);
			lastTaskWithKey.set(key, index);
		}
		if (earlier.size) {
			await Promise.all([...earlier].map((i) => finished[i]));
			if (shouldStop()) return;
		}
		await task(index);
	};
	const worker = async () => {
		while (next < count && !shouldStop()) {
			const index = next++;
			finished[index] = start(index);
			await finished[index];
		}
	};
	await Promise.all(Array.from({ length: Math.max(1, Math.min(parallel, count)) }, worker));
}
