import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteFunctions, INode } from 'n8n-workflow';

import { FieldError } from '../../nodes/LagoEvents/shared/event';
import { parseParallelPerItem, readParallelPerItem, runInParallel } from '../../nodes/LagoEvents/shared/parallel';
import type { ParameterReader } from '../../nodes/LagoEvents/shared/parameterReader';

/** Edges of Parallel Requests that parallel.test.ts does not reach (issue 23, mutation score). */

describe('parseParallelPerItem: 1 to 50, 10 when empty', () => {
	test.each([
		[undefined, 10],
		['', 10],
		[1, 1],
		[50, 50],
		['50', 50],
	])('%p reads as %p', (value, expected) => {
		expect(parseParallelPerItem(value)).toBe(expected);
	});

	test('the caller\'s fallback replaces 10', () => {
		expect(parseParallelPerItem(undefined, 4)).toBe(4);
		expect(parseParallelPerItem(7, 4)).toBe(7);
	});

	test.each([[0], [51], ['51']])('%p is refused with the field, the range and the hint', (value) => {
		let caught: unknown;
		try {
			parseParallelPerItem(value);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(FieldError);
		expect((caught as FieldError).field).toBe('parallelRequests');
		expect((caught as FieldError).message).toBe(`Parallel Requests must be a whole number from 1 to 50, got ${JSON.stringify(value)}`);
		expect((caught as FieldError).hint).toBe('Up to 50 requests may be in flight at once; 1 sends the items one at a time.');
	});
});

describe('readParallelPerItem', () => {
	const node = { name: 'Lago', type: 'n8n-nodes-lago.lagoEvents', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
	const ctx = { getNode: () => node } as unknown as IExecuteFunctions;
	const reader = (options: unknown) => {
		const calls: unknown[][] = [];
		return { calls, reader: { get: (...args: unknown[]) => (calls.push(args), options) } as unknown as ParameterReader };
	};

	test('reads the option once, from the first item, with an empty object as the fallback', () => {
		const { calls, reader: r } = reader({ parallelRequests: 3 });
		expect(readParallelPerItem(ctx, r)).toBe(3);
		expect(calls).toEqual([['options', 0, {}]]);
	});

	test('no option is the fallback: 10, or the caller\'s', () => {
		expect(readParallelPerItem(ctx, reader({}).reader)).toBe(10);
		expect(readParallelPerItem(ctx, reader({}).reader, 5)).toBe(5);
	});

	test('a bad value is a NodeOperationError naming the problem, with the hint as its description', () => {
		let caught: unknown;
		try {
			readParallelPerItem(ctx, reader({ parallelRequests: 99 }).reader);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(NodeOperationError);
		expect((caught as NodeOperationError).message).toBe('Parallel Requests must be a whole number from 1 to 50, got 99');
		expect((caught as NodeOperationError).description).toBe('Up to 50 requests may be in flight at once; 1 sends the items one at a time.');
		expect((caught as NodeOperationError).node).toBe(node);
	});
});

describe('runInParallel edges', () => {
	const tick = () => new Promise((resolve) => setTimeout(resolve, 1));

	test('a parallel of 0 still runs every task, one at a time', async () => {
		const started: number[] = [];
		let running = 0;
		let most = 0;
		await runInParallel(3, 0, () => [], async (i) => {
			started.push(i);
			most = Math.max(most, ++running);
			await tick();
			running--;
		});
		expect(started).toEqual([0, 1, 2]);
		expect(most).toBe(1);
	});

	test('without shouldStop every task runs', async () => {
		const started: number[] = [];
		await runInParallel(4, 2, () => [], async (i) => {
			started.push(i);
			await tick();
		});
		expect(started).toEqual([0, 1, 2, 3]);
	});

	test('a task with two keys waits for each earlier task holding either key', async () => {
		const keys = [['a'], ['b'], ['a', 'b'], ['c']];
		const order: string[] = [];
		await runInParallel(4, 4, (i) => keys[i], async (i) => {
			order.push(`start ${i}`);
			for (let t = 0; t < (i === 1 ? 6 : i === 0 ? 2 : 1); t++) await tick();
			order.push(`end ${i}`);
		});
		expect(order.indexOf('start 2')).toBeGreaterThan(order.indexOf('end 0'));
		expect(order.indexOf('start 2')).toBeGreaterThan(order.indexOf('end 1'));
		expect(order.indexOf('start 3')).toBeLessThan(order.indexOf('end 0'));
	});

	test('a key waits for its latest holder only: the third copy waits for the second', async () => {
		const order: string[] = [];
		await runInParallel(3, 3, () => ['k'], async (i) => {
			order.push(`start ${i}`);
			await tick();
			order.push(`end ${i}`);
		});
		expect(order).toEqual(['start 0', 'end 0', 'start 1', 'end 1', 'start 2', 'end 2']);
	});
});
