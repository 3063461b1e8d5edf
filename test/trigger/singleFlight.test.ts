import { SingleFlight } from '../../nodes/LagoTrigger/singleFlight';

/** The bound on what outside requests can make the trigger read from Lago (public key, organisation). */

const MINUTE = 60_000;
let now = 1_000_000;
beforeEach(() => {
	now = 1_000_000;
	jest.spyOn(Date, 'now').mockImplementation(() => now);
});
afterEach(() => jest.restoreAllMocks());

/** A read that counts its calls and settles when told. */
function reader<T>() {
	let calls = 0;
	let settle: { resolve: (v: T | undefined) => void; reject: (e: unknown) => void } | undefined;
	const read = () =>
		new Promise<T | undefined>((resolve, reject) => {
			calls++;
			settle = { resolve, reject };
		});
	return {
		read,
		get calls() {
			return calls;
		},
		resolve: (v: T | undefined) => settle!.resolve(v),
		reject: (e: unknown) => settle!.reject(e),
	};
}

const flush = () => new Promise((r) => setImmediate(r));

test('50 callers at once share one read, and all get its value as fresh', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	const r = reader<string>();
	const all = Promise.all(Array.from({ length: 50 }, () => flight.get('lago', r.read)));
	await flush();
	r.resolve('key-1');
	expect(await all).toEqual(Array.from({ length: 50 }, () => ({ value: 'key-1', fresh: true })));
	expect(r.calls).toBe(1);
});

test('a value is kept: no read again, and refresh reads again only a minute after the last read started', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	expect(await flight.get('lago', async () => 'key-1')).toEqual({ value: 'key-1', fresh: true });
	const read = jest.fn(async () => 'key-2');
	now += 10 * MINUTE;
	expect(await flight.get('lago', read)).toEqual({ value: 'key-1', fresh: false });
	expect(read).not.toHaveBeenCalled();
	expect(await flight.get('lago', read, { refresh: true })).toEqual({ value: 'key-2', fresh: true });
	now += MINUTE - 1;
	expect(await flight.get('lago', async () => 'key-3', { refresh: true })).toEqual({ value: 'key-2', fresh: false });
	now += 1;
	expect(await flight.get('lago', async () => 'key-3', { refresh: true })).toEqual({ value: 'key-3', fresh: true });
	expect(read).toHaveBeenCalledTimes(1);
});

test('a failure is remembered for a minute: every caller gets the same error without a read, then one read again', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	const failure = new Error('Forbidden (403)');
	await expect(flight.get('lago', async () => Promise.reject(failure))).rejects.toBe(failure);
	const read = jest.fn(async () => 'key-1');
	for (let i = 0; i < 20; i++) await expect(flight.get('lago', read)).rejects.toBe(failure);
	now += MINUTE - 1;
	await expect(flight.get('lago', read, { refresh: true })).rejects.toBe(failure);
	expect(read).not.toHaveBeenCalled();
	now += 1;
	expect(await flight.get('lago', read)).toEqual({ value: 'key-1', fresh: true });
	expect(read).toHaveBeenCalledTimes(1);
});

test('a failed refresh keeps the value it had', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	await flight.get('lago', async () => 'key-1');
	now += MINUTE;
	await expect(flight.get('lago', async () => Promise.reject(new Error('500')), { refresh: true })).rejects.toThrow('500');
	expect(await flight.get('lago', async () => 'never')).toEqual({ value: 'key-1', fresh: false });
});

test('callers joining a read in flight get its failure too', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	const r = reader<string>();
	const all = Promise.allSettled(Array.from({ length: 5 }, () => flight.get('lago', r.read)));
	await flush();
	r.reject(new Error('timeout'));
	expect((await all).map((s) => (s.status === 'rejected' ? (s.reason as Error).message : s.status))).toEqual(Array(5).fill('timeout'));
	expect(r.calls).toBe(1);
});

test('an empty answer is given as it is, and not asked again within the minute', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	const read = jest.fn(async (): Promise<string | undefined> => undefined);
	expect(await flight.get('lago', read)).toEqual({ value: undefined, fresh: true });
	expect(await flight.get('lago', read)).toEqual({ value: undefined, fresh: false });
	expect(read).toHaveBeenCalledTimes(1);
	now += MINUTE;
	read.mockResolvedValueOnce('org-1');
	expect(await flight.get('lago', read)).toEqual({ value: 'org-1', fresh: true });
});

test('force reads whatever the last read did, but still joins one in flight', async () => {
	const flight = new SingleFlight<string>(10, MINUTE);
	await flight.get('lago', async () => 'key-1');
	expect(await flight.get('lago', async () => 'key-2', { force: true })).toEqual({ value: 'key-2', fresh: true });
	const r = reader<string>();
	const first = flight.get('lago', r.read, { force: true });
	const second = flight.get('lago', r.read, { force: true });
	await flush();
	r.resolve('key-3');
	expect([await first, await second]).toEqual([
		{ value: 'key-3', fresh: true },
		{ value: 'key-3', fresh: true },
	]);
	expect(r.calls).toBe(1);
});

test('keys are separate, and at most maxKeys are held (the oldest goes first)', async () => {
	const flight = new SingleFlight<string>(3, MINUTE);
	for (const k of ['a', 'b', 'c', 'd']) await flight.get(k, async () => `value-${k}`);
	expect(flight.size).toBe(3);
	const read = jest.fn(async () => 'again');
	expect(await flight.get('d', read)).toEqual({ value: 'value-d', fresh: false });
	expect(await flight.get('a', read)).toEqual({ value: 'again', fresh: true });
	expect(read).toHaveBeenCalledTimes(1);
	expect(flight.size).toBe(3);
	flight.clear();
	expect(flight.size).toBe(0);
});
