import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';
import { asAiTool, sandboxCredentials, useSandbox } from '../helpers/harness';

const sandbox = useSandbox('tool-key');

const credentials = () => (sandboxCredentials(sandbox()));

const sendParameters = {
	operation: 'create',
	externalSubscriptionId: "={{ $fromAI('subscription_id', 'External ID of the Lago subscription, e.g. sub_1234', 'string') }}",
	code: { __rl: true, mode: 'id', value: "={{ $fromAI('metric_code', 'Billable metric code, e.g. api_calls', 'string') }}" },
	transactionId: "={{ $fromAI('transaction_id', 'Unique ID of this usage; reuse the same value when retrying the call', 'string') }}",
	properties: { property: [{ key: 'gb', value: "={{ $fromAI('gb', 'Gigabytes used', 'number') }}" }] },
};

describe('Lago Events as an AI agent tool', () => {
	test('the node is declared usable as a tool, with a description an agent can act on', () => {
		const { description } = new LagoEvents();
		expect(description.usableAsTool).toBe(true);
		expect(description.description).toMatch(/usage events to Lago/);
		const transactionId = description.properties.find((p) => p.name === 'transactionId' && p.displayOptions?.show?.operation?.includes('create'));
		// The tooltip is for the person building the workflow; an agent reads the $fromAI() description (README, AI agents).
		expect(transactionId?.description).toBe(
			'Unique ID of this usage record, e.g. an order ID. Lago bills each ID once per subscription. Empty: the node derives one that stays the same on retries.',
		);
	});

	test('the generated tool has a valid name, description and a schema built from $fromAI()', () => {
		const { tool } = asAiTool(sendParameters, credentials());
		expect(tool.name).toBe('Send_usage_to_Lago');
		expect(tool.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
		// n8n builds it from the operation's action and the node's name, when the user gives the tool no description.
		expect(tool.description).toBe('Send event in Lago');
		expect(Object.keys(tool.schema.shape).sort()).toEqual(['gb', 'metric_code', 'subscription_id', 'transaction_id']);
		expect(tool.schema.shape.transaction_id.description).toBe('Unique ID of this usage; reuse the same value when retrying the call');
		expect(tool.schema.safeParse({ subscription_id: 'sub_demo_1', metric_code: 'storage_gb', transaction_id: 't', gb: 3 }).success).toBe(true);
		expect(tool.schema.safeParse({ subscription_id: 'sub_demo_1', metric_code: 'storage_gb', transaction_id: 't', gb: 'three' }).success).toBe(false);
		expect(tool.schema.safeParse({ subscription_id: 'sub_demo_1' }).success).toBe(false);
	});

	test('a tool call resolves $fromAI() and sends the event; a retried call with the same transaction_id is not counted twice', async () => {
		const { tool } = asAiTool(sendParameters, credentials());
		const args = { subscription_id: 'sub_demo_1', metric_code: 'storage_gb', transaction_id: 'agent-call-7', gb: 2.5 };
		const first = JSON.parse(await tool.invoke(args));
		expect(first).toMatchObject([{ transaction_id: 'agent-call-7', external_subscription_id: 'sub_demo_1', code: 'storage_gb', properties: { gb: 2.5 } }]);
		// The first request reads the billable metrics for the check; the second sends the event.
		expect(sandbox().requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/billable_metrics', 'POST /api/v1/events']);
		const sent = sandbox().requests[1].body as { event: Record<string, unknown> };
		expect(sent.event).toMatchObject({ transaction_id: 'agent-call-7', external_subscription_id: 'sub_demo_1', code: 'storage_gb', properties: { gb: 2.5 } });
		const retried = JSON.parse(await tool.invoke(args));
		expect(retried).toMatchObject([{ transaction_id: 'agent-call-7', already_ingested: true }]);
		expect(sandbox().stats().storedEvents).toBe(1);
	});

	test('$json in a tool parameter is the agent\'s input item, as n8n evaluates it, not the tool call\'s arguments', async () => {
		const parameters = {
			...sendParameters,
			externalSubscriptionId: '={{ $json.subscription_id }}',
			properties: { property: [{ key: 'gb', value: "={{ $fromAI('gb', 'Gigabytes used', 'number') }}" }, { key: 'team', value: '={{ $json.team }}' }, { key: 'asked', value: "={{ $fromAI('subscription_id', 'Subscription', 'string') }}" }] },
		};
		const { tool } = asAiTool(parameters, credentials(), 'Send usage to Lago', { subscription_id: 'sub_demo_1', team: 'billing-team' });
		await tool.invoke({ subscription_id: 'sub_demo_2', team: 'from-the-tool-call', metric_code: 'storage_gb', transaction_id: 'agent-json-1', gb: 1 });
		expect(sandbox().requests.filter((r) => r.method === 'POST').map((r) => r.body)).toEqual([
			{ event: expect.objectContaining({ transaction_id: 'agent-json-1', external_subscription_id: 'sub_demo_1', properties: { gb: 1, team: 'billing-team', asked: 'sub_demo_2' } }) },
		]);
	});

	test('with no transaction_id from the agent, each tool call derives its own id (no collision across calls)', async () => {
		const { tool } = asAiTool({ ...sendParameters, transactionId: '' }, credentials());
		expect(Object.keys(tool.schema.shape)).not.toContain('transaction_id');
		await tool.invoke({ subscription_id: 'sub_demo_1', metric_code: 'api_calls', gb: 1 });
		await tool.invoke({ subscription_id: 'sub_demo_1', metric_code: 'api_calls', gb: 1 });
		const ids = sandbox().events.map((e) => e.transaction_id);
		expect(ids).toHaveLength(2);
		expect(ids[0]).not.toBe(ids[1]);
		expect(ids[0]).toMatch(/-0-0$/);
		expect(ids[1]).toMatch(/-1-0$/);
	});

	test('an error reaches the agent as a readable message', async () => {
		const { tool } = asAiTool({ operation: 'get', transactionId: "={{ $fromAI('transaction_id', 'Transaction ID to look up', 'string') }}" }, credentials());
		await expect(tool.invoke({ transaction_id: 'missing-1' })).rejects.toThrow('No event with transaction ID "missing-1" was found in Lago [item 0]');
	});
});
