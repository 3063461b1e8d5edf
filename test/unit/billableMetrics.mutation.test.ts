import type { IExecuteFunctions, INode } from 'n8n-workflow';

import * as transport from '../../nodes/shared/transport';
import type { LagoResponse } from '../../nodes/shared/transport';
import { checkEvents, readBillableMetrics } from '../../nodes/LagoEvents/shared/billableMetrics';
import type { LagoEventInput } from '../../nodes/LagoEvents/shared/event';

/**
 * Reading the billable metrics and what each outcome does to the run, at the edges the engine tests never reach (the
 * page cap, a next page that does not move on, the 2xx, 429 and 5xx bounds, an error that is a network failure or
 * not, the exact error texts items get, a context without a logger or execution hints): the mutants the first Stryker
 * run of billableMetrics.ts left alive (issue 23). Lago's answers are scripted by replacing the transport's send.
 */

const node = { name: 'Lago', type: 'n8n-nodes-lago.lagoEvents', typeVersion: 1, position: [0, 0], parameters: {} } as unknown as INode;
const POLICY: transport.RetryPolicy = { maxAttempts: 1, maxRetryTimeMs: 0, initialDelayMs: 0 };

function context(extra: Partial<Record<'logger' | 'addExecutionHints' | 'continueOnFail', unknown>> = {}): IExecuteFunctions {
	return { getNode: () => node, continueOnFail: () => false, ...extra } as unknown as IExecuteFunctions;
}

const answer = (status: number, body: unknown): LagoResponse => ({ status, body, headers: {}, attempts: 1, ambiguous: false, elapsedMs: 0 });
const page = (codes: string[], next: unknown) => answer(200, { billable_metrics: codes.map((code) => ({ code, aggregation_type: 'count_agg' })), meta: { next_page: next } });

let send: jest.SpyInstance;
const script = (reply: (page: number) => LagoResponse | Promise<LagoResponse>) =>
	send.mockImplementation(async (request: { qs: { page: number } }) => reply(request.qs.page));
beforeEach(() => {
	send = jest.spyOn(transport, 'sendToLago');
});
afterEach(() => jest.restoreAllMocks());

describe('the pages of GET /billable_metrics', () => {
	test('a server that always announces a next page is read for exactly 1,000 pages', async () => {
		script((n) => page([`m${n}`], n + 1));
		const read = await readBillableMetrics(context(), POLICY);
		expect(read).toMatchObject({ outcome: 'read', requests: 1000 });
		expect(send).toHaveBeenCalledTimes(1000);
		expect(send.mock.calls[999][0]).toEqual({ method: 'GET', path: '/billable_metrics', qs: { page: 1000, per_page: 100 } });
	});

	test.each([
		['the same page', 1],
		['an earlier page', 0],
		['no number', '2'],
	])('a next page that is %s ends the read after one request', async (_name, next) => {
		script(() => page(['a'], next));
		expect(await readBillableMetrics(context(), POLICY)).toMatchObject({ outcome: 'read', requests: 1 });
	});

	test('an empty page ends the read even when it announces a next one', async () => {
		script((n) => (n === 1 ? page(['a'], 2) : page([], 3)));
		const read = await readBillableMetrics(context(), POLICY);
		expect(read).toMatchObject({ outcome: 'read', requests: 2 });
	});

	test('two pages: both read, their metrics indexed', async () => {
		script((n) => (n === 1 ? page(['a'], 2) : page(['b'], null)));
		const read = await readBillableMetrics(context(), POLICY);
		if (read.outcome !== 'read') throw new Error(read.outcome);
		expect(read.requests).toBe(2);
		expect(read.index.check({ code: 'b' } as never)).toEqual([]);
	});
});

describe('what each answer of Lago is', () => {
	test.each([
		[200, 'read'],
		[299, 'read'],
		[300, 'failed'],
		[199, 'failed'],
		[404, 'failed'],
		[429, 'unreachable'],
		[499, 'failed'],
		[500, 'unreachable'],
		[503, 'unreachable'],
	])('%i with a metrics list is %s', async (status, outcome) => {
		script(() => answer(status, { billable_metrics: [], status, error: 'x' }));
		expect((await readBillableMetrics(context(), POLICY)).outcome).toBe(outcome);
	});

	test('403 without a code in its body is "403 Forbidden"', async () => {
		script(() => answer(403, undefined));
		expect(await readBillableMetrics(context(), POLICY)).toEqual({ outcome: 'forbidden', reason: '403 Forbidden', requests: 1 });
	});

	test('200 without a metrics list fails, saying where to look', async () => {
		script(() => answer(200, { metrics: [] }));
		const read = await readBillableMetrics(context(), POLICY);
		if (read.outcome !== 'failed') throw new Error(read.outcome);
		expect(read.error.message).toBe('Lago answered GET /billable_metrics without a billable_metrics list');
		expect(read.error.description).toBe("Check that the Base URL in the Lago API credential points at Lago's API.");
	});

	test.each([
		['a network code', 'ECONNREFUSED', 'unreachable'],
		['an empty code', '', 'failed'],
		['a null code', null, 'failed'],
		['no code', undefined, 'failed'],
		['a numeric code', 500, 'failed'],
	])('a thrown error with %s is %s', async (_name, httpCode, outcome) => {
		const error = Object.assign(new Error('boom'), { httpCode });
		send.mockRejectedValue(error);
		expect(await readBillableMetrics(context(), POLICY)).toEqual({ outcome, error, requests: 1 });
	});
});

describe('what items get when the metrics cannot be read', () => {
	const events = [
		{ itemIndex: 0, event: { transaction_id: 't0', external_subscription_id: 's', code: 'a', timestamp: 1 } as LagoEventInput },
		{ itemIndex: 4, event: { transaction_id: 't4', external_subscription_id: 's', code: 'a', timestamp: 1 } as LagoEventInput },
	];
	const UNREACHABLE =
		"Lago's billable metrics could not be read, so the events were not checked and not sent. Run again once Lago answers; to send unchecked when the metrics cannot be read, set Options › Check Against Billable Metrics to \"Send and Flag\".";

	test("unreachable: each item's error keeps Lago's text without its item, the network code, and says what to do", async () => {
		send.mockRejectedValue(Object.assign(new Error('Could not reach Lago [item 12]'), { httpCode: 'ECONNREFUSED', description: 'Nothing is listening.' }));
		const result = await checkEvents(context({ continueOnFail: () => true }), 'dontSend', POLICY, events);
		expect([...result.blocked.keys()]).toEqual([0, 4]);
		const json = result.blocked.get(4)!.json;
		expect(json.error).toBe('Could not reach Lago [item 4]');
		expect(json.transaction_id).toBe('t4');
		await expect(checkEvents(context(), 'dontSend', POLICY, events)).rejects.toMatchObject({
			message: 'Could not reach Lago [item 0]',
			description: `Nothing is listening.\n${UNREACHABLE}`,
			httpCode: 'ECONNREFUSED',
		});
	});

	test('an item number inside the text, not at its end, stays', async () => {
		send.mockRejectedValue(Object.assign(new Error('x [item 5] y'), { httpCode: 'ECONNRESET' }));
		await expect(checkEvents(context(), 'dontSend', POLICY, events)).rejects.toMatchObject({ message: 'x [item 5] y [item 0]', description: UNREACHABLE });
	});

	test('failed (401): the events were not sent, and nothing about running again', async () => {
		send.mockRejectedValue(Object.assign(new Error('Lago refused the API key'), { httpCode: undefined }));
		await expect(checkEvents(context(), 'dontSend', POLICY, events)).rejects.toMatchObject({ message: 'Lago refused the API key [item 0]', description: 'The events were not sent.' });
	});

	test('a mode that is not one of the three is refused with the choices', async () => {
		await expect(checkEvents(context(), 'sometimes', POLICY, events)).rejects.toMatchObject({ description: "Choose Don't Send, Send and Flag or Don't Check." });
		expect(send).not.toHaveBeenCalled();
	});

	test('403 on a context without a logger or execution hints (older n8n): sent unchecked, nothing thrown', async () => {
		script(() => answer(403, { code: 'read_action_not_allowed_for_billable_metric' }));
		expect(await checkEvents(context(), 'dontSend', POLICY, events)).toEqual({ blocked: new Map(), flagged: new Map() });
	});

	test('403 says why once, in the log and as an execution hint', async () => {
		script(() => answer(403, { code: 'read_action_not_allowed_for_billable_metric' }));
		const warn = jest.fn();
		const addExecutionHints = jest.fn();
		await checkEvents(context({ logger: { warn }, addExecutionHints }), 'dontSend', POLICY, events);
		expect(warn).toHaveBeenCalledTimes(1);
		expect(warn.mock.calls[0][0]).toMatch(/^Events were sent without the billable-metric check: the API key may not read billable metrics \(403 read_action_not_allowed_for_billable_metric\)/);
		expect(addExecutionHints).toHaveBeenCalledWith({ message: warn.mock.calls[0][0], type: 'warning', location: 'outputPane' });
	});
});
