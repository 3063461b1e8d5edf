import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';

import { resolveBaseUrl } from '../shared/transport';
import type { LagoCredentials } from '../shared/transport';
import { deleteEndpoint, getEndpoint, endpointMatches, registerEndpoint } from './endpoints';
import type { WantedEndpoint } from './endpoints';
import { eventTypeOptions, normaliseEventTypes } from './eventTypes';
import { getPublicKey } from './publicKey';
import { resolveAlgorithm } from './signature';
import type { SignatureAlgorithm } from './signature';
import { handleDelivery } from './webhook';

interface TriggerStaticData extends IDataObject {
	endpointId?: string;
	endpointUrl?: string;
	/** False when the endpoint was made by someone else and only used: deactivation then leaves it. */
	endpointOwned?: boolean;
	organizationId?: string;
}

type TriggerCredentials = LagoCredentials & { webhookHmacKey?: string };

function forgetEndpoint(data: TriggerStaticData): void {
	delete data.endpointId;
	delete data.endpointUrl;
	delete data.endpointOwned;
}

const signatureOptions = [
	{
		name: 'JWT (RS256)',
		value: 'jwt',
		description: "Checked with Lago's public key, which the node fetches itself. Lago puts the whole body in the signature header: deliveries over about 11 KB need n8n started with a larger header limit (see the notice).",
	},
	{
		name: 'HMAC (SHA-256)',
		value: 'hmac',
		description: 'Checked with the Webhook HMAC Key of the Lago API credential (Lago › Developers › Webhooks). Any size of delivery.',
	},
];

const LARGE_JWT_NOTICE =
	"With JWT, Lago sends the whole webhook in a header, and n8n answers 431 to headers over 16 KB before this node runs: a webhook over about 11 KB (an events.errors with a few hundred failed events, an invoice with many fees) never arrives. Use HMAC (put the Webhook HMAC Key in the credential), or start n8n with NODE_OPTIONS=--max-http-header-size=1048576 (about 750 KB of webhook).";

const TEST_LISTEN_NOTICE =
	"Listen for test event rarely sees events.errors: Lago sends it once an hour, at :05, and only when some events of the past hour could not be billed. To build the workflow now, pin the sample events.errors payload from the README to this node, or also pick a type you can cause at once in Lago, e.g. Customer Created (create a customer).";

function wantedEndpoint(ctx: IHookFunctions, credentials: TriggerCredentials): WantedEndpoint {
	const url = ctx.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(ctx.getNode(), 'n8n has no webhook URL for this trigger');
	const eventTypes = normaliseEventTypes(ctx.getNodeParameter('events', []));
	if (eventTypes.length === 0) {
		throw new NodeOperationError(ctx.getNode(), 'Pick at least one type in Events', {
			description: 'Choose the Lago webhooks that should start this workflow, or All.',
		});
	}
	const signatureAlgo: SignatureAlgorithm = resolveAlgorithm(ctx.getNodeParameter('signatureAlgorithm', 'auto') as string, credentials);
	return { url, signatureAlgo, eventTypes };
}

export class LagoTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Lago Trigger',
		name: 'lagoTrigger',
		icon: { light: 'file:lago.svg', dark: 'file:lago.dark.svg' },
		group: ['trigger'],
		version: [1, 2],
		defaultVersion: 2,
		subtitle: '={{ ($parameter["events"] || []).includes("*") ? "All events" : ($parameter["events"] || []).join(", ") }}',
		description: "Starts the workflow on Lago's webhooks (events Lago could not bill, invoices, subscriptions, wallets, ...), with verified signatures",
		defaults: { name: 'Lago Trigger' },
		eventTriggerDescription: 'Waiting for a webhook from Lago (events.errors comes hourly at :05; see the notice)',
		activationMessage:
			'Lago now sends the picked webhooks to this workflow. events.errors arrives at most once an hour (at :05), only when some events could not be billed.',
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'lagoApi', required: true }],
		webhooks: [{ name: 'default', httpMethod: 'POST', responseMode: 'onReceived', path: 'webhook' }],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				default: ['events.errors'],
				options: eventTypeOptions,
				description:
					'The Lago webhooks that start this workflow. Lago is asked to send only these, and the node ignores any other type it receives.',
			},
			{
				displayName: TEST_LISTEN_NOTICE,
				name: 'testListenNotice',
				type: 'notice',
				default: '',
			},
			{
				displayName: 'Signature Algorithm',
				name: 'signatureAlgorithm',
				type: 'options',
				options: [
					{
						name: 'Automatic',
						value: 'auto',
						description: 'HMAC when the Lago API credential has a Webhook HMAC Key (any size of delivery), otherwise JWT',
					},
					...signatureOptions,
				],
				default: 'auto',
				description: 'How Lago signs the webhooks. Requests without a valid signature are answered 401 and start nothing.',
				displayOptions: { show: { '@version': [{ _cnd: { gte: 2 } }] } },
			},
			{
				displayName: 'Signature Algorithm',
				name: 'signatureAlgorithm',
				type: 'options',
				options: signatureOptions,
				default: 'jwt',
				description: 'How Lago signs the webhooks. Requests without a valid signature are answered 401 and start nothing.',
				displayOptions: { show: { '@version': [1] } },
			},
			{
				displayName: LARGE_JWT_NOTICE,
				name: 'largeJwtNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { signatureAlgorithm: ['jwt', 'auto'] } },
			},
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Look Up Events',
						name: 'lookUpEvents',
						type: 'boolean',
						default: false,
						description: 'Whether to add the full event (code, subscription, properties) to each failed-event item, read from Lago',
						displayOptions: { hide: { splitEventErrors: [false] } },
					},
					{
						displayName: 'Split Event Errors',
						name: 'splitEventErrors',
						type: 'boolean',
						default: true,
						description:
							'Whether an events.errors webhook outputs one item per failed event, with its error kind and how to fix it, instead of one item for the whole webhook',
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				if (!data.endpointId) return false;
				const credentials = (await this.getCredentials('lagoApi')) as TriggerCredentials;
				const wanted = wantedEndpoint(this, credentials);
				const endpoint = await getEndpoint.call(this, data.endpointId);
				if (!endpoint) {
					forgetEndpoint(data);
					return false;
				}
				if (endpoint.lago_organization_id) data.organizationId = endpoint.lago_organization_id;
				// Not the same URL, types or algorithm: create() updates it (or says why it cannot).
				return endpointMatches(endpoint, wanted);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const credentials = (await this.getCredentials('lagoApi')) as TriggerCredentials;
				const wanted = wantedEndpoint(this, credentials);
				if (wanted.signatureAlgo === 'hmac' && !String(credentials.webhookHmacKey ?? '').trim()) {
					throw new NodeOperationError(this.getNode(), 'Signature Algorithm is HMAC, but the Lago API credential has no Webhook HMAC Key', {
						description: 'Copy the HMAC key from Lago › Developers › Webhooks into the credential, or pick JWT.',
					});
				}
				if (wanted.signatureAlgo === 'jwt') {
					// Fetched now, so a key without the permission fails here rather than on every delivery.
					await getPublicKey.call(this, resolveBaseUrl(credentials), { activation: true });
				}
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				// Endpoints remembered by earlier versions of the node were all created by it.
				const registration = await registerEndpoint.call(this, wanted, { id: data.endpointId, owned: data.endpointOwned !== false });
				data.endpointId = registration.id;
				data.endpointUrl = wanted.url;
				data.endpointOwned = registration.owned;
				if (registration.organizationId) data.organizationId = registration.organizationId;
				if (registration.action === 'adopted') {
					this.logger.info(
						`Lago Trigger: using the webhook endpoint ${registration.id} already in Lago for ${wanted.url} (not created by this trigger, so it stays in Lago on deactivation)`,
					);
				}
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				if (!data.endpointId) return true;
				if (data.endpointOwned === false) {
					forgetEndpoint(data);
					return true;
				}
				try {
					await deleteEndpoint.call(this, data.endpointId);
				} catch (error) {
					this.logger.warn(`Lago Trigger: could not delete webhook endpoint ${data.endpointId} in Lago: ${(error as Error).message}`);
					return false;
				}
				forgetEndpoint(data);
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery.call(this);
	}
}
