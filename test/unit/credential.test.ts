import { Workflow } from 'n8n-workflow';
import type { INode, INodeTypes } from 'n8n-workflow';

import { LAGO_API_URL_EXPRESSION, LagoApi } from '../../credentials/LagoApi.credentials';
import { resolveBaseUrl } from '../../nodes/shared/transport';

/** The credential test (an n8n expression) and the node's transport must reach the same URL for every accepted form. */

const node: INode = { id: '1', name: 'Lago Events', type: 'n8n-nodes-lago.lagoEvents', typeVersion: 1, position: [0, 0], parameters: {} };
const nodeTypes = { getByName: () => ({ description: { properties: [] } }), getByNameAndVersion: () => ({ description: { properties: [] } }), getKnownTypes: () => ({}) } as unknown as INodeTypes;
const workflow = new Workflow({ nodes: [node], connections: {}, active: false, nodeTypes });

const evaluate = (credentials: Record<string, string>) =>
	workflow.expression.getParameterValue(LAGO_API_URL_EXPRESSION, null, 0, 0, node.name, [], 'manual', { $credentials: credentials } as never);

test.each([
	[{ region: 'us' }, 'https://api.getlago.com/api/v1'],
	[{ region: 'eu' }, 'https://api.eu.getlago.com/api/v1'],
	[{ region: 'custom', baseUrl: 'https://lago.example.com' }, 'https://lago.example.com/api/v1'],
	[{ region: 'custom', baseUrl: 'https://lago.example.com/' }, 'https://lago.example.com/api/v1'],
	[{ region: 'custom', baseUrl: 'https://lago.example.com/api/v1' }, 'https://lago.example.com/api/v1'],
	[{ region: 'custom', baseUrl: 'https://lago.example.com/api/v1/' }, 'https://lago.example.com/api/v1'],
	[{ region: 'custom', baseUrl: ' http://10.0.0.5:3000/api/V1 ' }, 'http://10.0.0.5:3000/api/v1'],
	[{ region: 'custom', baseUrl: 'https://example.com/lago//' }, 'https://example.com/lago/api/v1'],
])('credential test and node agree on %j', (credentials, expected) => {
	// Both against the URL written out, so the two cannot agree on a wrong one.
	expect(evaluate(credentials)).toBe(expected);
	expect(resolveBaseUrl(credentials)).toBe(expected);
});

test('the credential test calls an authenticated, cheap Lago route', () => {
	const { test: credentialTest } = new LagoApi();
	expect(credentialTest.request).toMatchObject({ url: '/billable_metrics', qs: { page: 1, per_page: 1 } });
	expect(credentialTest.rules?.map((r) => (r.properties as { value: number }).value)).toEqual([401, 404, 301, 302, 307, 308]);
	expect(credentialTest.request.disableFollowRedirect).toBe(true);
});

test('authenticate adds the API key as a bearer token and keeps the request as it was', async () => {
	const request = { url: '/events', method: 'POST' as const, headers: { Accept: 'application/json' }, body: '{"a":1}' };
	const authenticated = await new LagoApi().authenticate({ apiKey: 'lago_key_1' }, request);
	expect(authenticated).toEqual({ ...request, headers: { Accept: 'application/json', Authorization: 'Bearer lago_key_1' } });
	expect(request.headers).toEqual({ Accept: 'application/json' });
});

test('the panel: Base URL required for Self-Hosted only, hints that add to the description, one menu separator', () => {
	const properties = new LagoApi().properties;
	const baseUrl = properties.find((p) => p.name === 'baseUrl');
	expect(baseUrl).toMatchObject({ required: true, displayOptions: { show: { region: ['custom'] } }, hint: '/api/v1 is added for you' });
	expect(properties.find((p) => p.name === 'apiKey')).toMatchObject({ description: 'Sent to Lago as a bearer token', hint: 'Find it in Lago › Developers › API keys' });
	for (const p of properties) {
		expect(`${p.description ?? ''} ${p.hint ?? ''}`).not.toMatch(/ > /);
		if (p.hint) expect(p.description ?? '').not.toContain(p.hint);
	}
});
