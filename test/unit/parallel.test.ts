import { FieldError } from '../../nodes/LagoEvents/shared/event';
import { formatItemRanges, parseWholeNumberOption, runInParallel } from '../../nodes/LagoEvents/shared/parallel';

/** The pure parts of Parallel Requests: the option, the "items 0-99" text, and the scheduler's guarantees. */

const parse = (value: unknown) => parseWholeNumberOption('parallelRequests', 'Parallel Requests', value, 1, 4, 3, 'the hint');

describe('parseWholeNumberOption', () => {
	test.each([
		[undefined, 3],
		[null, 3],
		['', 3],
		[1, 1],
		[4, 4],
		['2', 2],
		[' 4 ', 4],
	])('%p reads as %p', (value, expected) => {
		expect(parse(value)).toBe(expected);
	});

	test.each([
		[0, '0'],
		[5, '5'],
		[2.5, '2.5'],
		['2.5', '"2.5"'],
		['   ', '"   "'],
		['two', '"two"'],
		[true, 'true'],
		[Number.NaN, 'null'],
	])('%p is refused, naming the field, the range and the value', (value, shown) => {
		let caught: unknown;
		try {
			parse(value);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(FieldError);
		expect((caught as FieldError).message).toBe(`Parallel Requests must be a whole number from 1 to 4, got ${shown}`);
		expect((caught as FieldError).field).toBe('parallelRequests');
		expect((caught as FieldError).hint).toBe('the hint');
	});
});

describe('formatItemRanges', () => {
	test.each([
		[[], ''],
		[[7], '7'],
		[[3, 4], '3-4'],
		[[0, 1, 2, 5, 7, 8, 9], '0-2, 5, 7-9'],
		[[9, 8, 0, 7, 2, 1, 5], '0-2, 5, 7-9'],
		[[10, 2], '2, 10'],
	])('%j reads %p', (indexes, text) => {
		expect(formatItemRanges(indexes)).toBe(text);
	});

	test('leaves the caller\'s array as it was', () => {
		const indexes = [3, 1, 2];
		formatItemRanges(indexes);
		expect(indexes).toEqual([3, 1, 2]);
	});
});

describe('runInParallel', () => {
	const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

	async function schedule(count: number, parallel: number, keysOf: (i: number) => string[] = () => [], stopAfter = Infinity) {
		const started: number[] = [];
		const finished: number[] = [];
		let running = 0;
		let most = 0;
		await runInParallel(
			count,
			parallel,
			keysOf,
			async (i) => {
				started.push(i);
				running++;
				most = Math.max(most, running);
				for (let t = 0; t < (i % 3) + 1; t++) await tick();
				running--;
				finished.push(i);
			},
			() => finished.length >= stopAfter,
		);
		return { started, finished, most };
	}

	test('runs every task once, starting them in index order, at most `parallel` at a time', async () => {
		const { started, finished, most } = await schedule(10, 3);
		expect(started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect([...finished].sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
		expect(most).toBe(3);
	});

	test('one at a time when parallel is 1, and never more workers than tasks', async () => {
		expect((await schedule(5, 1)).most).toBe(1);
		expect((await schedule(2, 4)).most).toBe(2);
		expect((await schedule(0, 4)).started).toEqual([]);
	});

	test('a task sharing a key with an earlier one starts only after that one finished', async () => {
		// 0 takes the longest of the first three; 2 repeats its key.
		const keys = [['a'], ['b'], ['a'], ['c']];
		const order: string[] = [];
		await runInParallel(
			4,
			4,
			(i) => keys[i],
			async (i) => {
				order.push(`start ${i}`);
				for (let t = 0; t < (i === 0 ? 5 : 1); t++) await tick();
				order.push(`end ${i}`);
			},
		);
		expect(order.indexOf('start 2')).toBeGreaterThan(order.indexOf('end 0'));
		// The others did not wait for 0.
		expect(order.indexOf('start 3')).toBeLessThan(order.indexOf('end 0'));
		expect(order.indexOf('start 1')).toBeLessThan(order.indexOf('end 0'));
	});

	test('a waiting task whose earlier copy finished after the stop does not start', async () => {
		const started: number[] = [];
		let stop = false;
		await runInParallel(
			3,
			3,
			(i) => (i === 2 ? ['a'] : i === 0 ? ['a'] : ['b']),
			async (i) => {
				started.push(i);
				for (let t = 0; t < (i === 0 ? 3 : 1); t++) await tick();
				if (i === 0) stop = true;
			},
			() => stop,
		);
		expect(started).toEqual([0, 1]);
	});

	test('after a stop no new task starts; those started finish', async () => {
		const { started, finished } = await schedule(20, 2, () => [], 3);
		expect(started.length).toBeLessThan(20);
		expect([...finished].sort((a, b) => a - b)).toEqual([...started].sort((a, b) => a - b));
	});
});
