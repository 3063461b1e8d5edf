import { runNode, useSandbox } from '../helpers/harness';

const sandbox = useSandbox('lago_test_key_5b1f0c9e-SECRET');

const run = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ parameters: parameters as never, credentials: { region: 'custom', baseUrl: `${sandbox().url}/api/v1/`, apiKey: sandbox().apiKey }, ...extra });

describe('Get', () => {
	test('encodes the transaction id into the path and returns the event, unwrapped', async () => {
		const [stored] = sandbox().seedEvents([{ transaction_id: 'ord/2026#7?x', external_subscription_id: 'sub_demo_1', code: 'api_calls', timestamp: 1700000000.5 }]);
		const result = await run({ operation: 'get', transactionId: 'ord/2026#7?x' });
		expect(result.error).toBeUndefined();
		expect(sandbox().requests).toHaveLength(1);
		expect(sandbox().requests[0].method).toBe('GET');
		expect(sandbox().requests[0].path).toBe('/api/v1/events/ord%2F2026%237%3Fx');
		expect(sandbox().requests[0].rawBody).toBe('');
		expect(result.items).toEqual([{ json: stored, pairedItem: { item: 0 } }]);
		expect(result.json[0].timestamp).toBe('2023-11-14T22:13:20.500Z');
	});

	test('a missing event gives a message that names the id', async () => {
		const result = await run({ operation: 'get', transactionId: 'nope-1' });
		expect(result.error?.message).toBe('No event with transaction ID "nope-1" was found in Lago [item 0]');
		expect(result.error?.description).toContain('Lago code: event_not_found');
	});

	test('one lookup per item, with Continue On Fail for the missing ones', async () => {
		sandbox().seedEvents([{ transaction_id: 'a', external_subscription_id: 'sub_demo_1', code: 'api_calls' }]);
		const result = await run({ operation: 'get', transactionId: '={{ $json.id }}' }, { items: [{ id: 'a' }, { id: 'b' }, { id: '' }], continueOnFail: true });
		expect(result.json[0].transaction_id).toBe('a');
		expect(result.json[1].error).toBe('No event with transaction ID "b" was found in Lago [item 1]');
		expect(result.json[2].error).toBe('Transaction ID is empty [item 2]');
		expect(sandbox().requests).toHaveLength(2);
	});
});

describe('Estimate Fees', () => {
	test('sends the event root with code, subscription and properties, and simplifies the fee', async () => {
		const result = await run({
			operation: 'estimateFees',
			externalSubscriptionId: 'sub_demo_2',
			code: 'storage_gb',
			properties: { property: [{ key: 'gb', value: '={{ 10 }}' }] },
		});
		expect(result.error).toBeUndefined();
		expect(sandbox().requests[0].path).toBe('/api/v1/events/estimate_fees');
		expect(sandbox().requests[0].rawBody).toBe('{"event":{"code":"storage_gb","external_subscription_id":"sub_demo_2","properties":{"gb":10}}}');
		expect(result.items).toEqual([
			{
				json: {
					metric_code: 'storage_gb',
					metric_name: 'Storage (GB)',
					units: '10.0',
					amount_cents: 500,
					taxes_amount_cents: 100,
					taxes_rate: 20,
					total_amount_cents: 600,
					currency: 'EUR',
				},
				pairedItem: { item: 0 },
			},
		]);
		expect(sandbox().stats().storedEvents).toBe(0);
	});

	test('Simplify off returns the whole fee object', async () => {
		const result = await run({ operation: 'estimateFees', externalSubscriptionId: 'sub_demo_1', code: 'api_calls', simplify: false });
		expect(result.json[0]).toMatchObject({ lago_id: null, pay_in_advance: true, amount_currency: 'EUR', units: '1.0', item: { type: 'charge', code: 'api_calls' } });
		expect(Object.keys(result.json[0]).length).toBeGreaterThan(10);
	});

	test.each([
		['an unknown subscription', { externalSubscriptionId: 'sub_nope', code: 'api_calls' }, 'Lago found no active subscription with external ID "sub_nope" [item 0]', 'subscription_not_found'],
		['a terminated subscription', { externalSubscriptionId: 'sub_terminated', code: 'api_calls' }, 'Lago found no active subscription with external ID "sub_terminated" [item 0]', 'subscription_not_found'],
		['an unknown metric', { externalSubscriptionId: 'sub_demo_1', code: 'nope' }, 'Lago has no billable metric with code "nope" [item 0]', 'billable_metric_not_found'],
		['a metric without a pay-in-advance charge', { externalSubscriptionId: 'sub_demo_1', code: 'seats' }, 'Billable metric "seats" has no pay-in-advance charge on the plan of subscription "sub_demo_1" [item 0]', 'validation_errors'],
		['a non-numeric value for a sum metric', { externalSubscriptionId: 'sub_demo_1', code: 'storage_gb', propertiesInput: 'json', propertiesJson: '{"gb": "ten"}' }, 'A property used by billable metric "storage_gb" is not a number [item 0]', 'validation_errors'],
	])('%s has its own message', async (_name, parameters, message, lagoCode) => {
		const result = await run({ operation: 'estimateFees', ...parameters });
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toContain(`Lago code: ${lagoCode}`);
	});
});
