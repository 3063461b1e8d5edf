import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { FieldError } from '../../nodes/LagoEvents/shared/event';

import { processItems, readEvent, rememberRun, runContext, runStartedAt } from '../../nodes/LagoEvents/shared/parameters';
import type { RunContext } from '../../nodes/LagoEvents/shared/parameters';
import type { ParameterReader } from '../../nodes/LagoEvents/shared/parameterReader';

/**
 * The event-reading helpers at the edges the engine tests never reach (a parameter missing or null, a remembered run
 * that is incomplete, the bound of remembered run starts, two failures finishing out of order): the mutants the
 * first Stryker run of parameters.ts left alive (issue 23).
 */

/** A reader over fixed raw values; `get` answers the fallback for a parameter that has none, as n8n's does. */
function reader(values: Record<string, unknown>): ParameterReader {
	return {
		raw: (name: string) => values[name],
		get: (name: string, _itemIndex: number, fallback?: unknown) => (values[name] === undefined ? fallback : values[name]),
	} as unknown as ParameterReader;
}

const run: RunContext = { instanceId: 'inst', executionId: '42', nodeName: 'Lago', runIndex: 0, startedAtMillis: 1_700_000_000_123, timeZone: 'UTC' };
const mapped = { externalSubscriptionId: 'sub_1', code: 'api_calls' };

describe('a Transaction ID or Timestamp with no value at all is left empty', () => {
	test.each([
		['missing', undefined],
		['null', null],
		['empty text', ''],
	])('%s: the derived id and the run start time', (_name, value) => {
		const event = readEvent(reader({ ...mapped, transactionId: value, timestamp: value }), 3, run);
		expect(event.transaction_id).toMatch(/^n8n-42-[0-9a-f]{8}-0-3$/);
		expect(event).toStrictEqual({ transaction_id: event.transaction_id, external_subscription_id: 'sub_1', code: 'api_calls', timestamp: 1_700_000_000.123 });
	});

	test('an event without Precise Total Amount Cents or properties has no such keys (not even undefined ones)', () => {
		expect(Object.keys(readEvent(reader({ ...mapped, transactionId: 't', timestamp: '1700000000' }), 0, run))).toEqual([
			'transaction_id',
			'external_subscription_id',
			'code',
			'timestamp',
		]);
	});

	test.each([
		['External Subscription ID', { code: 'api_calls' }, 'External Subscription ID is empty'],
		['Billable Metric Code', { externalSubscriptionId: 'sub_1' }, 'Billable Metric Code is empty'],
	])('%s with no value at all is empty, not a made-up value', (_label, values, message) => {
		expect(() => readEvent(reader({ ...values, transactionId: 't', timestamp: '1700000000' }), 0, run)).toThrow(message);
	});

	test.each([
		['externalSubscriptionId', { code: 'api_calls', transactionId: 't' }],
		['code', { externalSubscriptionId: 'sub_1', transactionId: 't' }],
		['transactionId', { ...mapped, transactionId: 'x'.repeat(300) }],
	])('a refusal of %s names that parameter', (field, values) => {
		let caught: unknown;
		try {
			readEvent(reader({ ...values, timestamp: '1700000000' }), 0, run);
		} catch (error) {
			caught = error;
		}
		expect(caught).toBeInstanceOf(FieldError);
		expect((caught as FieldError).field).toBe(field);
	});

	test('a property row with no key is refused; one with no value is sent as empty text', () => {
		const rows = (row: Record<string, unknown>) => reader({ ...mapped, transactionId: 't', timestamp: '1700000000', 'properties.property': [row], ...Object.fromEntries(Object.entries(row).map(([k, v]) => [`properties.property[0].${k}`, v])) });
		expect(() => readEvent(rows({ value: '5' }), 0, run)).toThrow('Property row 1 has an empty key');
		expect(readEvent(rows({ key: 'gb' }), 0, run).properties).toStrictEqual({ gb: '' });
	});

	test('a refused Transaction ID is called by its label in the message', () => {
		expect(() => readEvent(reader({ ...mapped, transactionId: { id: 7 }, timestamp: '1700000000' }), 0, run)).toThrow(/^Transaction ID /);
	});

	test('a Transaction ID mapped to text is that text', () => {
		expect(readEvent(reader({ ...mapped, transactionId: 'order-7', timestamp: '1700000000' }), 0, run).transaction_id).toBe('order-7');
	});
});

describe('the node context a retried execution reads', () => {
	test("it is kept under the key 'lagoEvents' (saved executions hold it)", () => {
		const context: Record<string, unknown> = {};
		rememberRun(context, 'exec-1', 2, 1000);
		expect(context).toEqual({ lagoEvents: { executionId: 'exec-1', run: { runIndex: 2, startedAtMillis: 1000 } } });
	});

	test('a remembered execution id that is empty is not used: this execution id is', () => {
		expect(rememberRun({ lagoEvents: { executionId: '' } }, 'exec-2', 0, 5)).toEqual({ executionId: 'exec-2', startedAtMillis: 5 });
	});

	test('a remembered run without a start time: this run start is used, under the remembered execution id', () => {
		expect(rememberRun({ lagoEvents: { executionId: 'exec-1', run: { runIndex: 0 } } }, 'exec-2', 0, 1234)).toEqual({ executionId: 'exec-1', startedAtMillis: 1234 });
	});
});

describe('run start times kept in the process', () => {
	test('exactly the last 1,000 runs are remembered: the 1,001st forgets the oldest', () => {
		const key = (i: number) => `bound-${i}`;
		for (let i = 0; i < 1000; i++) expect(runStartedAt(key(i), i)).toBe(i);
		expect(runStartedAt(key(0), 99_999)).toBe(0);
		expect(runStartedAt(key(1000), 1000)).toBe(1000);
		expect(runStartedAt(key(1), 99_999)).toBe(1);
		expect(runStartedAt(key(0), 77_777)).toBe(77_777);
	});

	test('the parts of a run are kept apart: instance "i" with execution "12" is not instance "i1" with execution "2"', () => {
		const ctx = (instanceId: string, executionId: string) =>
			({ runIndex: 0, getExecutionId: () => executionId, getInstanceId: () => instanceId, getNode: () => ({ name: 'n' }), getTimezone: () => 'UTC' }) as unknown as IExecuteFunctions;
		const now = jest.spyOn(Date, 'now').mockReturnValue(1_000);
		try {
			expect(runContext(ctx('parts-i', '12')).startedAtMillis).toBe(1_000);
			now.mockReturnValue(2_000);
			expect(runContext(ctx('parts-i1', '2')).startedAtMillis).toBe(2_000);
		} finally {
			now.mockRestore();
		}
	});
});

describe('processItems without Continue On Fail', () => {
	test('two items fail, the later one first: the error is the lowest item', async () => {
		const ctx = { getInputData: () => [{}, {}, {}, {}], continueOnFail: () => false, getNode: () => ({ name: 'Lago' }) } as unknown as IExecuteFunctions;
		const send = async (_value: number, itemIndex: number): Promise<INodeExecutionData[]> => {
			if (itemIndex === 1) {
				await new Promise((resolve) => setTimeout(resolve, 50));
				throw new Error('item 1 failed');
			}
			if (itemIndex === 3) throw new Error('item 3 failed');
			return [{ json: { itemIndex } }];
		};
		await expect(processItems(ctx, (i) => i, send, 4)).rejects.toThrow('item 1 failed');
	});
});
