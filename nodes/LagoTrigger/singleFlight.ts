/**
 * A value the trigger reads from Lago on behalf of requests from outside (forged ones included): Lago's webhook
 * public key, the organisation of the trigger's API key. What those requests can cost is bounded per key:
 * - one read in flight, shared by every caller meanwhile;
 * - at most one read per `minIntervalMs`, whether the last one succeeded or failed: a failure is remembered and
 *   thrown to every caller until then, and an empty answer (undefined) is given as it is;
 * - at most `maxKeys` keys, the oldest forgotten first (keys come from credentials, never from a request).
 */

interface Entry<T> {
	value?: T;
	/** When the last read started, whether it succeeded or not. */
	attemptedAt: number;
	error?: unknown;
	inFlight?: Promise<T | undefined>;
}

export interface Flight<T> {
	value: T | undefined;
	/** True when the value comes from a read made for this call, or joined while in flight. */
	fresh: boolean;
}

export interface FlightOptions {
	/** Read again even with a value, if the last read started `minIntervalMs` ago or more. */
	refresh?: boolean;
	/** Read now whatever the last read did (a user is waiting, not an outsider); still joins a read in flight. */
	force?: boolean;
}

export class SingleFlight<T> {
	private readonly entries = new Map<string, Entry<T>>();

	constructor(
		private readonly maxKeys: number,
		private readonly minIntervalMs: number,
	) {}

	private entry(key: string): Entry<T> {
		let entry = this.entries.get(key);
		if (!entry) {
			if (this.entries.size >= this.maxKeys) this.entries.delete(this.entries.keys().next().value as string);
			entry = { attemptedAt: Number.NEGATIVE_INFINITY };
			this.entries.set(key, entry);
		}
		return entry;
	}

	async get(key: string, read: () => Promise<T | undefined>, { refresh = false, force = false }: FlightOptions = {}): Promise<Flight<T>> {
		const entry = this.entry(key);
		if (entry.inFlight) return { value: await entry.inFlight, fresh: true };
		const now = Date.now();
		const recent = now - entry.attemptedAt < this.minIntervalMs;
		if (!force) {
			if (entry.value !== undefined && (!refresh || recent)) return { value: entry.value, fresh: false };
			if (entry.value === undefined && recent) {
				if (entry.error !== undefined) throw entry.error;
				return { value: undefined, fresh: false };
			}
		}
		entry.attemptedAt = now;
		const reading = read();
		entry.inFlight = reading;
		// Attached before any caller awaits `reading`, so the entry is settled before the first of them resumes.
		void reading.then(
			(value) => {
				entry.inFlight = undefined;
				if (value !== undefined) entry.value = value;
				entry.error = undefined;
			},
			(error: unknown) => {
				entry.inFlight = undefined;
				entry.error = error;
			},
		);
		return { value: await reading, fresh: true };
	}

	/** How many keys are held (at most maxKeys). */
	get size(): number {
		return this.entries.size;
	}

	/** For tests: forget every value and every remembered failure. */
	clear(): void {
		this.entries.clear();
	}
}
