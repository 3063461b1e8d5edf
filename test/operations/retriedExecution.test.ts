import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';
import { rememberRun, RUN_CONTEXT_KEY } from '../../nodes/LagoEvents/shared/parameters';

/**
 * Retry in n8n's executions list starts a new execution (mode `retry`, a new id) from the failed one's saved data,
 * node contexts included. With Transaction ID and Timestamp left empty, the retried run must send the events the
 * failed run already stored with the same ids and timestamps, so Lago keeps them once.
 */

const sandbox = useSandbox('retry-key');

const items = Array.from({ length: 100 }, (_, i) => ({ n: i }));
const parameters = {
	operation: 'createBatch',
	externalSubscriptionId: 'sub_demo_1',
	code: 'api_calls',
	properties: { property: [{ key: 'n', value: '={{ $json.n }}' }] },
	options: { batchSize: 10, parallelRequests: 1, maxAttempts: 1 },
};
const batchBodies = () => sandbox().requests.filter((r) => r.path === '/api/v1/events/batch').map((r) => r.body as { events: Array<{ transaction_id: string; timestamp: number }> });

test('a failed Send Batch retried from the executions list stores every event once, with the same ids and timestamps', async () => {
	// Lago goes down at the 6th batch, past the retry budget: 5 of 10 batches are stored and the execution fails.
	sandbox().setFaults({ failRequests: [6, 7, 8, 9, 10] });
	const failed = await runNode({ items, parameters: parameters as never, credentials: sandboxCredentials(sandbox()), executionId: '501' });
	expect(failed.error?.message).toBe("The server answered 503 with a page that is not from Lago's API (probably a proxy or load balancer) [item 50]");
	expect(sandbox().events).toHaveLength(50);
	const firstRun = new Map(batchBodies().flatMap((b) => b.events).map((e) => [e.transaction_id, e.timestamp]));

	// Lago is back. The user clicks Retry: execution 502, mode retry, the failed execution's node contexts.
	sandbox().setFaults(null);
	await new Promise((r) => setTimeout(r, 20));
	const contextData = failed.run.data.executionData!.contextData;
	const retried = await runNode({ items, parameters: parameters as never, credentials: sandboxCredentials(sandbox()), executionId: '502', mode: 'retry', contextData });
	expect(retried.error).toBeUndefined();
	expect(sandbox().events).toHaveLength(100);
	expect(new Set(sandbox().events.map((e) => e.transaction_id)).size).toBe(100);
	expect(retried.json.filter((j) => j.already_ingested === true)).toHaveLength(50);
	expect(retried.json.every((j) => String(j.transaction_id).startsWith('n8n-501-'))).toBe(true);
	// Every event the failed run sent went out again with the same id and the same timestamp.
	const resent = batchBodies().slice(-10).flatMap((b) => b.events);
	for (const event of resent) if (firstRun.has(event.transaction_id)) expect(event.timestamp).toBe(firstRun.get(event.transaction_id));
	expect(resent.filter((e) => firstRun.has(e.transaction_id))).toHaveLength(60);
});

test('a new execution (not a retry) derives new ids, as documented', async () => {
	await runNode({ items: items.slice(0, 2), parameters: parameters as never, credentials: sandboxCredentials(sandbox()), executionId: '601' });
	await runNode({ items: items.slice(0, 2), parameters: parameters as never, credentials: sandboxCredentials(sandbox()), executionId: '602' });
	expect(sandbox().events.map((e) => e.transaction_id.split('-')[1])).toEqual(['601', '601', '602', '602']);
});

describe('rememberRun', () => {
	test('the first run remembers its execution id and start time', () => {
		const context: Record<string, unknown> = {};
		expect(rememberRun(context, '7', 0, 1000)).toEqual({ executionId: '7', startedAtMillis: 1000 });
		expect(context[RUN_CONTEXT_KEY]).toEqual({ executionId: '7', run: { runIndex: 0, startedAtMillis: 1000 } });
	});

	test('a retried run of the same run index derives from the first execution and start time', () => {
		const context: Record<string, unknown> = { [RUN_CONTEXT_KEY]: { executionId: '7', run: { runIndex: 2, startedAtMillis: 1000 } } };
		expect(rememberRun(context, '9', 2, 5000)).toEqual({ executionId: '7', startedAtMillis: 1000 });
	});

	test('a later run index (a loop) keeps the execution id and takes its own start time', () => {
		const context: Record<string, unknown> = { [RUN_CONTEXT_KEY]: { executionId: '7', run: { runIndex: 0, startedAtMillis: 1000 } } };
		expect(rememberRun(context, '7', 1, 2000)).toEqual({ executionId: '7', startedAtMillis: 2000 });
		expect(context[RUN_CONTEXT_KEY]).toEqual({ executionId: '7', run: { runIndex: 1, startedAtMillis: 2000 } });
	});

	test('without a node context (older n8n, some tool contexts) the run derives from itself', () => {
		expect(rememberRun(undefined, '9', 0, 5000)).toEqual({ executionId: '9', startedAtMillis: 5000 });
	});
});
