import { runNode } from '../helpers/harness';
import { lagoEvent, ok, startMock } from '../helpers/mockLago';

test('smoke: send one event', async () => {
	const mock = await startMock((req) => ok({ event: lagoEvent(req.body.event) }));
	try {
		const result = await runNode({
			baseUrl: mock.url,
			parameters: { operation: 'create', externalSubscriptionId: 'sub_1', code: 'api_calls', transactionId: 'tx-1', timestamp: '1700000000.123' },
		});
		expect(result.error).toBeUndefined();
		expect(mock.requests).toHaveLength(1);
		expect(mock.requests[0].rawBody).toBe('{"event":{"transaction_id":"tx-1","external_subscription_id":"sub_1","code":"api_calls","timestamp":1700000000.123}}');
		expect(result.json[0].transaction_id).toBe('tx-1');
	} finally {
		await mock.close();
	}
});
