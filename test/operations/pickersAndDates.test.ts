import { ExecuteContext } from 'n8n-core';

import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

/**
 * External Subscription ID became a picker (resource locator) in Send, Send Batch, both estimates and Get Many's filter,
 * and Timestamp, Timestamp From and Timestamp To became date pickers. Workflows saved before keep a plain string there;
 * these runs go through n8n-core's engine and check that such a workflow sends exactly what it sent before, that the
 * new shapes send the same, and that the fast path still answers the mapped forms without n8n's expression engine.
 */

const sandbox = useSandbox('pickers-dates-key');

/** n8n-core's own parameter resolution (see fastPath.test.ts). */
function engineParameterReads() {
	let owner = ExecuteContext.prototype as object | null;
	while (owner && !Object.prototype.hasOwnProperty.call(owner, '_getNodeParameter')) owner = Object.getPrototypeOf(owner) as object | null;
	if (!owner) throw new Error("n8n-core's _getNodeParameter was not found");
	return jest.spyOn(owner as { _getNodeParameter: (name: string, itemIndex: number) => unknown }, '_getNodeParameter');
}

const items = Array.from({ length: 12 }, (_, i) => ({ id: `pk-${i}`, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2' }));

async function send(externalSubscriptionId: unknown, extra: Record<string, unknown> = {}) {
	sandbox().reset();
	const reads = engineParameterReads();
	try {
		const result = await runNode({
			items,
			parameters: { operation: 'createBatch', externalSubscriptionId, code: 'api_calls', transactionId: '={{ $json.id }}', timestamp: '1700000000', ...extra } as never,
			credentials: sandboxCredentials(sandbox()),
			executionId: 'pickers',
		});
		const subscriptionReads = reads.mock.calls.filter(([name, itemIndex]) => name === 'externalSubscriptionId' && itemIndex > 0).length;
		const events = sandbox()
			.requests.filter((r) => r.method === 'POST')
			.flatMap((r) => (r.body as { events: Array<Record<string, unknown>> }).events);
		return { result, events, subscriptionReads };
	} finally {
		reads.mockRestore();
	}
}

describe('External Subscription ID: saved text and the new picker send the same', () => {
	const expected = items.map((item) => ({ transaction_id: item.id, external_subscription_id: item.sub, code: 'api_calls', timestamp: 1700000000 }));

	test.each([
		['a mapped expression saved as text (before the picker)', '={{ $json.sub }}'],
		['the same expression in the picker\'s By ID mode', { __rl: true, mode: 'id', value: '={{ $json.sub }}' }],
		['the same expression in the picker\'s From List mode', { __rl: true, mode: 'list', value: '={{ $json.sub }}' }],
	])('%s: every item sends its own subscription, answered by the fast path', async (_name, value) => {
		const { result, events, subscriptionReads } = await send(value);
		expect(result.error).toBeUndefined();
		expect(events).toEqual(expected);
		expect(subscriptionReads).toBe(0);
	});

	test('an expression only n8n can answer goes to n8n, per item, with the same result', async () => {
		const { result, events, subscriptionReads } = await send({ __rl: true, mode: 'id', value: '={{ ($json).sub }}' });
		expect(result.error).toBeUndefined();
		expect(events).toEqual(expected);
		expect(subscriptionReads).toBe(items.length - 1);
	});

	test.each([
		['fixed text saved before the picker', 'sub_demo_1'],
		['a subscription picked from the list', { __rl: true, mode: 'list', value: 'sub_demo_1', cachedResultName: 'sub_demo_1, plan startup' }],
	])('%s', async (_name, value) => {
		const { result, events } = await send(value);
		expect(result.error).toBeUndefined();
		expect(events.map((e) => e.external_subscription_id)).toEqual(items.map(() => 'sub_demo_1'));
	});

	test('an empty picker is a required field left empty: n8n refuses to run the workflow, and nothing is sent', async () => {
		await expect(send({ __rl: true, mode: 'list', value: '' })).rejects.toThrow('The workflow has issues and cannot be executed');
		expect(sandbox().requests).toEqual([]);
	});

	test.each([
		['saved text', 'sub_demo_1'],
		['the picker', { __rl: true, mode: 'list', value: 'sub_demo_1' }],
	])('Estimate Fees, Estimate Instant Fees and Get Many read %s', async (_name, value) => {
		sandbox().reset();
		const credentials = sandboxCredentials(sandbox());
		const fees = await runNode({ parameters: { operation: 'estimateFees', externalSubscriptionId: value, code: 'api_calls' } as never, credentials });
		const instant = await runNode({ parameters: { operation: 'estimateInstantFees', externalSubscriptionId: value, code: 'api_calls', transactionId: 't-1' } as never, credentials });
		const many = await runNode({ parameters: { operation: 'getMany', filters: { externalSubscriptionId: value } } as never, credentials });
		const bodies = sandbox().requests.filter((r) => r.method === 'POST').map((r) => r.body as Record<string, any>);
		expect(bodies[0].event.external_subscription_id).toBe('sub_demo_1');
		expect(bodies[1].events[0].external_subscription_id).toBe('sub_demo_1');
		expect(sandbox().requests.find((r) => r.method === 'GET')?.query.external_subscription_id).toBe('sub_demo_1');
		expect(many.error).toBeUndefined();
		// Lago's answers differ by plan (no pay-in-advance charge on api_calls); what matters here is what was sent.
		expect([fees.error?.message, instant.error?.message].every((m) => m === undefined || !/External Subscription ID/.test(m))).toBe(true);
	});
});

describe('Dates without a time zone are read in the workflow\'s time zone', () => {
	test.each([
		// 2026-11-01 is after Europe/Paris left summer time (UTC+1).
		['Europe/Paris', '2026-11-01T10:00:00', Date.UTC(2026, 10, 1, 9) / 1000],
		// Still summer time in July (UTC+2).
		['Europe/Paris', '2026-07-01T10:00:00.250', Date.UTC(2026, 6, 1, 8, 0, 0, 250) / 1000],
		['Asia/Tokyo', '2026-07-01', Date.UTC(2026, 5, 30, 15) / 1000],
		['UTC', '2026-07-01 10:00', Date.UTC(2026, 6, 1, 10) / 1000],
		// A time zone in the value wins over the workflow's.
		['Asia/Tokyo', '2026-07-01T10:00:00Z', Date.UTC(2026, 6, 1, 10) / 1000],
	])('Send Batch in %s: %s', async (timezone, timestamp, seconds) => {
		sandbox().reset();
		const result = await runNode({
			timezone,
			parameters: { operation: 'createBatch', externalSubscriptionId: 'sub_demo_1', code: 'api_calls', transactionId: 'tz-1', timestamp } as never,
			credentials: sandboxCredentials(sandbox()),
		});
		expect(result.error).toBeUndefined();
		expect((sandbox().requests.find((r) => r.method === 'POST')?.body as { events: Array<{ timestamp: number }> }).events[0].timestamp).toBe(seconds);
	});

	test('Get Many: a date picked for Timestamp From and To is sent as the instant it means in the workflow\'s time zone', async () => {
		sandbox().reset();
		const result = await runNode({
			timezone: 'America/New_York',
			parameters: { operation: 'getMany', filters: { timestampFrom: '2026-01-01T00:00:00', timestampTo: '2026-01-31T23:59:59' } } as never,
			credentials: sandboxCredentials(sandbox()),
		});
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].query).toMatchObject({ timestamp_from: '2026-01-01T05:00:00.000Z', timestamp_to: '2026-02-01T04:59:59.000Z' });
	});
});
