import { runNode, sandboxCredentials, useSandbox } from '../helpers/harness';

/**
 * Send Batch reads `={{ $json.x }}` straight from the item instead of through n8n's expression engine. Every row here
 * runs twice, once in that form and once as `={{ ($json).x }}`, which means the same but always goes through the
 * engine; the requests Lago receives and the items n8n outputs must be identical.
 */

const sandbox = useSandbox('fast-path-key');

const values: unknown[] = [
	'sub_demo_1', '', ' padded ', '0', '00123', '1700000000', '1700000000.5', '1700000000123', '2026-11-01T10:00:00Z', '2026-11-01T10:00:00', 'ü-ñ-漢字', '={{ 1 }}', '{{ 2 }}',
	0, -1, 1.5, 1700000000, 1700000000.25, 1700000000123, 2 ** 53 + 2, 1e21, true, false, null, { a: 1 }, [1, 2], ['x'],
];

const items = values.map((v, i) => ({ v, nested: { deep: { v } }, list: [v], 'with space': v, id: `fp-${i}` }));

const fields = (form: (path: string) => string) => ({
	operation: 'createBatch',
	externalSubscriptionId: 'sub_demo_1',
	code: 'storage_gb',
	transactionId: form('.id'),
	timestamp: `={{ (${form('.v').slice(3, -2)}) ?? 1700000000 }}`,
	properties: {
		property: [
			{ key: 'v', value: form('.v') },
			{ key: 'deep', value: form('.nested.deep.v') },
			{ key: 'listed', value: form('.list[0]') },
			{ key: 'spaced', value: form('["with space"]') },
			{ key: 'missing', value: form('.nope') },
		],
	},
});

const fast = (path: string) => `={{ $json${path} }}`;
const slow = (path: string) => `={{ ($json)${path} }}`;

async function runWith(form: (path: string) => string, field: 'properties' | 'ids') {
	sandbox().reset();
	const parameters = field === 'properties' ? fields(form) : { ...fields(form), timestamp: '1700000000', externalSubscriptionId: form('.v'), properties: {} };
	const result = await runNode({ items: items as never, parameters: parameters as never, credentials: sandboxCredentials(sandbox()), continueOnFail: true, executionId: 'fp' });
	// lago_id and created_at are the server's own: everything else must match.
	const output = result.items.map(({ json: { lago_id, created_at, ...json }, pairedItem }) => ({ json, pairedItem, stored: Boolean(lago_id && created_at) }));
	return { bodies: sandbox().requests.map((r) => r.rawBody), output };
}

test.each([['properties'], ['ids']] as const)('fast and engine paths give identical requests and outputs (%s)', async (field) => {
	const viaFastPath = await runWith(fast, field);
	const viaEngine = await runWith(slow, field);
	expect(viaFastPath.bodies.length).toBeGreaterThan(0);
	expect(viaFastPath.bodies).toEqual(viaEngine.bodies);
	expect(viaFastPath.output).toEqual(viaEngine.output);
	expect(viaFastPath.output).toHaveLength(values.length);
});
