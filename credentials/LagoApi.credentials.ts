import type {
	ICredentialDataDecryptedObject,
	ICredentialTestRequest,
	ICredentialType,
	Icon,
	IHttpRequestOptions,
	INodeProperties,
} from 'n8n-workflow';

/**
 * The API URL for the chosen region, as an n8n expression (the credential test can only use expressions). The node's
 * transport normalises the same way in resolveBaseUrl(); a test checks that both agree on every accepted form.
 */
export const LAGO_API_URL_EXPRESSION =
	'={{ $credentials.region === "custom" ? String($credentials.baseUrl || "").trim().replace(/\\/+$/, "").replace(/\\/api\\/v1$/i, "") + "/api/v1" : ($credentials.region === "eu" ? "https://api.eu.getlago.com/api/v1" : "https://api.getlago.com/api/v1") }}';

export class LagoApi implements ICredentialType {
	name = 'lagoApi';

	displayName = 'Lago API';

	icon: Icon = { light: 'file:lago.svg', dark: 'file:lago.dark.svg' };

	documentationUrl = 'https://github.com/n8n-nodes-lago/n8n-nodes-lago#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Region',
			name: 'region',
			type: 'options',
			options: [
				{ name: 'Lago Cloud (US)', value: 'us', description: 'https://api.getlago.com' },
				{ name: 'Lago Cloud (EU)', value: 'eu', description: 'https://api.eu.getlago.com' },
				{ name: 'Self-Hosted', value: 'custom', description: 'Your own Lago server' },
			],
			default: 'us',
			description: 'Where your Lago organisation lives',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			required: true,
			default: '',
			placeholder: 'https://lago.example.com',
			description: 'The address of your Lago API, with http:// or https://',
			hint: '/api/v1 is added for you',
			displayOptions: { show: { region: ['custom'] } },
		},
		{
			// On the credential, not the node: the limit belongs to the server the credential points at, so every node
			// and operation using it gets it at once, and no node can forget it.
			displayName: 'Rate Limits',
			name: 'rateLimits',
			type: 'options',
			options: [
				{
					name: "Keep to Lago Cloud's Limits",
					value: 'lagoCloud',
					description: 'Per node run, at most 500 event requests, 200 current-usage requests and 50 other requests a second',
				},
				{
					name: 'None',
					value: 'none',
					description: 'For a self-hosted Lago without a rate limiter: requests go out as fast as Parallel Requests allows',
				},
			],
			default: 'lagoCloud',
			description:
				"Self-hosted Lago has no rate limiter: choose None to let parallel requests go as fast as your server answers. Keep Lago Cloud's limits if this URL leads to Lago Cloud (e.g. through a proxy).",
			displayOptions: { show: { region: ['custom'] } },
		},
		{
			displayName: 'API Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			description: 'Sent to Lago as a bearer token',
			hint: 'Find it in Lago › Developers › API keys',
		},
		// The organisation's webhook signing key is a secret; its name is fixed by the product contract.
		// eslint-disable-next-line @n8n/community-nodes/credential-unnecessary-password
		{
			displayName: 'Webhook HMAC Key',
			name: 'webhookHmacKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			description: 'Only for the Lago Trigger with HMAC signatures; not needed for JWT signatures or for the Lago node',
			hint: 'Optional. Find it in Lago › Developers › Webhooks › HMAC key',
		},
	];

	/**
	 * A function rather than a generic `=Bearer {{$credentials.apiKey}}` template: n8n resolves a template through its
	 * expression engine on every request (about 0.6 ms of CPU each, measured with `npm run bench`), a function is a call.
	 */
	async authenticate(credentials: ICredentialDataDecryptedObject, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		return { ...requestOptions, headers: { ...requestOptions.headers, Authorization: `Bearer ${String(credentials.apiKey ?? '')}` } };
	}

	test: ICredentialTestRequest = {
		request: {
			baseURL: LAGO_API_URL_EXPRESSION,
			url: '/billable_metrics',
			qs: { page: 1, per_page: 1 },
			// As in the node: a Base URL that redirects must fail here too, not pass and then fail every send.
			disableFollowRedirect: true,
		},
		rules: [
			{
				type: 'responseCode',
				properties: { value: 401, message: 'Lago rejected the API key. Check the key and that the Region matches your Lago account.' },
			},
			{
				type: 'responseCode',
				properties: {
					value: 404,
					message: 'This URL does not look like a Lago API (404). Use the API host, e.g. https://lago.example.com; /api/v1 is added for you.',
				},
			},
			...[301, 302, 307, 308].map((status) => ({
				type: 'responseCode' as const,
				properties: {
					value: status,
					message: `This URL redirects to another address (${status}), e.g. http:// to https://. Enter the address Lago is served at: the node does not follow redirects.`,
				},
			})),
		],
	};
}
