import { runNode, useSandbox } from '../helpers/harness';
import { startMock } from '../helpers/mockLago';

// Written out, not imported from the node: the text users read is what is checked.
const NO_INSTANT_CHARGE_NOTE =
	"No fee: the subscription's plan has no pay-in-advance standard or percentage charge for this metric, so nothing is billed at the moment of the event (any other charge is billed at the end of the period)";

const sandbox = useSandbox('lago_test_key_instant-SECRET');

const run = (parameters: Record<string, unknown>, extra: Partial<Parameters<typeof runNode>[0]> = {}) =>
	runNode({ parameters: { operation: 'estimateInstantFees', ...parameters } as never, credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: sandbox().apiKey }, ...extra });

/** Each field mapped from the item, as a workflow estimating many planned actions would. */
const mapped = {
	externalSubscriptionId: '={{ $json.sub }}',
	code: { __rl: true, mode: 'id', value: '={{ $json.code }}' },
	transactionId: '={{ $json.tx }}',
	propertiesInput: 'json',
	propertiesJson: '={{ JSON.stringify($json.props ?? {}) }}',
	options: { initialRetryDelay: 0 },
};

const requestsTo = (path: string) => sandbox().requests.filter((r) => r.path === `/api/v1/events/${path}`);

describe('Estimate Instant Fees', () => {
	test('one batch request for the items, each fee paired to its item by transaction id, simplified', async () => {
		const result = await run(mapped, {
			items: [
				{ sub: 'sub_demo_1', code: 'storage_gb', tx: 'a', props: { gb: 4 } },
				{ sub: 'sub_demo_3', code: 'payment_volume', tx: 'b', props: { amount: 200 } },
				{ sub: 'sub_demo_2', code: 'api_calls', tx: 'c' },
			],
		});
		expect(result.error).toBeUndefined();
		expect(sandbox().requests).toHaveLength(1);
		expect(sandbox().requests[0].path).toBe('/api/v1/events/batch_estimate_instant_fees');
		expect(sandbox().requests[0].body).toEqual({
			events: [
				{ transaction_id: 'a', external_subscription_id: 'sub_demo_1', code: 'storage_gb', properties: { gb: 4 } },
				{ transaction_id: 'b', external_subscription_id: 'sub_demo_3', code: 'payment_volume', properties: { amount: 200 } },
				{ transaction_id: 'c', external_subscription_id: 'sub_demo_2', code: 'api_calls' },
			],
		});
		expect(result.items).toEqual([
			{
				json: {
					transaction_id: 'a',
					external_subscription_id: 'sub_demo_1',
					external_customer_id: 'cus_demo_1',
					metric_code: 'storage_gb',
					metric_name: 'Storage (GB)',
					instant_charge: true,
					units: 4,
					amount_cents: 200,
					amount: 2,
					currency: 'EUR',
				},
				pairedItem: { item: 0 },
			},
			// Percentage charge: 2.5 % of 200 plus 0.30 per transaction.
			{ json: expect.objectContaining({ transaction_id: 'b', metric_code: 'payment_volume', units: 200, amount_cents: 530, amount: 5.3 }), pairedItem: { item: 1 } },
			{ json: expect.objectContaining({ transaction_id: 'c', metric_code: 'api_calls', units: 1, amount_cents: 2, amount: 0.02 }), pairedItem: { item: 2 } },
		]);
		expect(sandbox().stats().storedEvents).toBe(0);
	});

	test('150 items over 3 subscriptions: 2 requests, every item output once, paired, the 2 without instant charge saying so', async () => {
		const subs = ['sub_demo_1', 'sub_demo_2', 'sub_demo_3'];
		const items = Array.from({ length: 150 }, (_, i) => ({ sub: subs[i % 3], code: i === 40 || i === 140 ? 'seats' : 'api_calls', tx: `plan-${i}`, props: i === 40 || i === 140 ? { user_id: 'u1' } : undefined }));
		const result = await run(mapped, { items });
		expect(result.error).toBeUndefined();
		expect(requestsTo('batch_estimate_instant_fees').map((r) => (r.body as { events: unknown[] }).events.length)).toEqual([100, 50]);
		expect(sandbox().requests).toHaveLength(2);
		expect(result.items).toHaveLength(150);
		expect(result.items.map((i) => (i.pairedItem as { item: number }).item)).toEqual(items.map((_, i) => i));
		expect(result.json.map((j) => j.transaction_id)).toEqual(items.map((i) => i.tx));
		const without = result.json.filter((j) => j.instant_charge === false);
		expect(without).toEqual([
			{ transaction_id: 'plan-40', external_subscription_id: 'sub_demo_2', external_customer_id: null, metric_code: 'seats', metric_name: null, instant_charge: false, units: null, amount_cents: null, amount: null, currency: null, note: NO_INSTANT_CHARGE_NOTE },
			expect.objectContaining({ transaction_id: 'plan-140', metric_code: 'seats', instant_charge: false }),
		]);
		expect(result.json.filter((j) => j.instant_charge === true).map((j) => j.amount_cents)).toEqual(items.filter((i) => i.code === 'api_calls').map((i) => (i.sub === 'sub_demo_3' ? 1 : 2)));
	});

	test('an empty Transaction ID is derived from the run and item and comes back in the output', async () => {
		const result = await run({ ...mapped, transactionId: '' }, { items: [{ sub: 'sub_demo_1', code: 'api_calls' }, { sub: 'sub_demo_1', code: 'api_calls' }], executionId: '77' });
		const sent = (sandbox().requests[0].body as { events: Array<{ transaction_id: string }> }).events.map((e) => e.transaction_id);
		expect(sent).toEqual([expect.stringMatching(/^n8n-77-[0-9a-f]{8}-0-0$/), expect.stringMatching(/^n8n-77-[0-9a-f]{8}-0-1$/)]);
		expect(result.json.map((j) => j.transaction_id)).toEqual(sent);
	});

	test('items sharing a transaction id go into separate requests, so each fee still maps to its item', async () => {
		const result = await run(mapped, {
			items: [
				{ sub: 'sub_demo_1', code: 'api_calls', tx: 'same' },
				{ sub: 'sub_demo_1', code: 'storage_gb', tx: 'same', props: { gb: 2 } },
				{ sub: 'sub_demo_1', code: 'api_calls', tx: 'other' },
			],
		});
		expect(requestsTo('batch_estimate_instant_fees').map((r) => (r.body as { events: Array<{ transaction_id: string }> }).events.map((e) => e.transaction_id))).toEqual([['same'], ['same', 'other']]);
		expect(result.json.map((j) => [j.transaction_id, j.metric_code, j.amount_cents])).toEqual([
			['same', 'api_calls', 2],
			['same', 'storage_gb', 100],
			['other', 'api_calls', 2],
		]);
	});

	test('Simplify off: the fee objects, and the event with fees [] for an item without instant charge', async () => {
		const result = await run({ ...mapped, simplify: false }, { items: [{ sub: 'sub_demo_2', code: 'storage_gb', tx: 'x', props: { gb: 1 } }, { sub: 'sub_demo_2', code: 'support_tickets', tx: 'y' }] });
		expect(result.json[0]).toMatchObject({ event_transaction_id: 'x', lago_charge_id: expect.any(String), pay_in_advance: true, amount_cents: 50, taxes_amount_cents: 0, units: '1.0', item: { code: 'storage_gb' } });
		expect(result.json[1]).toEqual({ transaction_id: 'y', external_subscription_id: 'sub_demo_2', code: 'support_tickets', fees: [], instant_charge: false, note: NO_INSTANT_CHARGE_NOTE });
	});

	describe('a batch Lago fails as a whole (500)', () => {
		const items = [
			{ sub: 'sub_demo_1', code: 'api_calls', tx: 'good-1' },
			{ sub: 'sub_nope', code: 'api_calls', tx: 'bad' },
			{ sub: 'sub_demo_1', code: 'seats', tx: 'no-charge' },
			{ sub: 'sub_demo_2', code: 'storage_gb', tx: 'good-2', props: { gb: 2 } },
		];

		test('is retried once, then estimated item by item: the good items get their fees, the bad one its error', async () => {
			const result = await run(mapped, { items, continueOnFail: true });
			expect(sandbox().requests.map((r) => `${r.path.replace('/api/v1/events/', '')} ${r.status}`)).toEqual([
				'batch_estimate_instant_fees 500',
				'batch_estimate_instant_fees 500',
				'estimate_instant_fees 200',
				'estimate_instant_fees 404',
				'estimate_instant_fees 422',
				'estimate_instant_fees 200',
			]);
			expect(requestsTo('estimate_instant_fees')[1].body).toEqual({ event: { transaction_id: 'bad', external_subscription_id: 'sub_nope', code: 'api_calls' } });
			expect(result.items.map((i) => (i.pairedItem as { item: number }).item)).toEqual([0, 1, 2, 3]);
			expect(result.json[0]).toMatchObject({ transaction_id: 'good-1', amount_cents: 2 });
			expect(result.json[1]).toMatchObject({ error: 'Lago found no active subscription with external ID "sub_nope" [item 1]', lago_code: 'subscription_not_found' });
			expect(result.json[2]).toMatchObject({ transaction_id: 'no-charge', instant_charge: false });
			expect(result.json[3]).toMatchObject({ transaction_id: 'good-2', amount_cents: 100 });
		});

		test('without Continue On Fail the node fails naming the bad item', async () => {
			const result = await run(mapped, { items });
			expect(result.error?.message).toBe('Lago found no active subscription with external ID "sub_nope" [item 1]');
		});

		test('a non-number for a sum metric also fails the batch, and only that item', async () => {
			const result = await run(mapped, { items: [{ sub: 'sub_demo_1', code: 'storage_gb', tx: 'n', props: { gb: 'ten' } }, { sub: 'sub_demo_1', code: 'api_calls', tx: 'ok' }], continueOnFail: true });
			expect(result.json[0]).toMatchObject({ error: 'A property used by billable metric "storage_gb" is not a number [item 0]' });
			expect(result.json[1]).toMatchObject({ transaction_id: 'ok', amount_cents: 2 });
		});

		test('only the failing batch falls back; the other batches stay batched', async () => {
			const many = Array.from({ length: 201 }, (_, i) => ({ sub: i === 150 ? 'sub_nope' : 'sub_demo_1', code: 'api_calls', tx: `t${i}` }));
			const result = await run(mapped, { items: many, continueOnFail: true });
			// Batches overlap, so the retried 500 and the third batch arrive in either order.
			expect(requestsTo('batch_estimate_instant_fees').map((r) => r.status).sort()).toEqual([200, 200, 500, 500]);
			expect(requestsTo('estimate_instant_fees')).toHaveLength(100);
			expect(result.json).toHaveLength(201);
			expect(result.json.filter((j) => j.error).map((j) => j.error)).toEqual(['Lago found no active subscription with external ID "sub_nope" [item 150]']);
		});
	});

	test('bad input fails its item before any request; the other items are estimated', async () => {
		const result = await run(mapped, { items: [{ sub: '', code: 'api_calls', tx: 'e' }, { sub: 'sub_demo_1', code: 'api_calls', tx: 'f' }], continueOnFail: true });
		expect(result.json[0]).toMatchObject({ error: 'External Subscription ID is empty [item 0]' });
		expect(result.json[1]).toMatchObject({ transaction_id: 'f', amount_cents: 2 });
		expect((sandbox().requests[0].body as { events: unknown[] }).events).toHaveLength(1);
	});

	test('a wrong key fails every item of the batch with the credential message', async () => {
		const result = await runNode({
			parameters: { operation: 'estimateInstantFees', ...mapped } as never,
			credentials: { region: 'custom', baseUrl: sandbox().url, apiKey: 'wrong' },
			items: [{ sub: 'sub_demo_1', code: 'api_calls', tx: 'a' }, { sub: 'sub_demo_1', code: 'api_calls', tx: 'b' }],
			continueOnFail: true,
		});
		expect(result.json.map((j) => j.error)).toEqual(['Lago rejected the API key (401 Unauthorized) [item 0]', 'Lago rejected the API key (401 Unauthorized) [item 1]']);
		expect(sandbox().requests).toHaveLength(1);
	});
});

describe('Estimate Instant Fees against a Lago that does not name the transaction of each fee', () => {
	test('the fees cannot be paired by guess: each item is estimated on its own', async () => {
		const fee = (code: string, cents: number, tx?: string) => ({ item: { code, name: code }, units: '1.0', amount_cents: cents, amount_currency: 'EUR', ...(tx ? { event_transaction_id: tx } : {}) });
		const mock = await startMock((request) => {
			if (request.path.endsWith('/batch_estimate_instant_fees')) return { status: 200, body: { fees: [fee('api_calls', 2), fee('sms_sent', 5)] } };
			const event = request.body.event;
			return { status: 200, body: { fees: [fee(event.code, event.code === 'api_calls' ? 2 : 5)] } };
		});
		try {
			const result = await runNode({
				parameters: { operation: 'estimateInstantFees', ...mapped } as never,
				credentials: { region: 'custom', baseUrl: mock.url, apiKey: 'k' },
				items: [{ sub: 'sub_demo_1', code: 'sms_sent', tx: 'a' }, { sub: 'sub_demo_1', code: 'api_calls', tx: 'b' }],
			});
			expect(mock.requests.map((r) => r.path)).toEqual(['/api/v1/events/batch_estimate_instant_fees', '/api/v1/events/estimate_instant_fees', '/api/v1/events/estimate_instant_fees']);
			expect(result.json.map((j) => [j.metric_code, j.amount_cents])).toEqual([
				['sms_sent', 5],
				['api_calls', 2],
			]);
		} finally {
			await mock.close();
		}
	});
});
