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
import type { SignatureAlgorithm } from './signature';
import { handleDelivery } from './webhook';

interface TriggerStaticData extends IDataObject {
	endpointId?: string;
	endpointUrl?: string;
}

function wantedEndpoint(ctx: IHookFunctions): WantedEndpoint {
	const url = ctx.getNodeWebhookUrl('default');
	if (!url) throw new NodeOperationError(ctx.getNode(), 'n8n has no webhook URL for this trigger');
	const eventTypes = normaliseEventTypes(ctx.getNodeParameter('events', []));
	if (eventTypes.length === 0) {
		throw new NodeOperationError(ctx.getNode(), 'Pick at least one type in Events', {
			description: 'Choose the Lago webhooks that should start this workflow, or All.',
		});
	}
	return { url, signatureAlgo: ctx.getNodeParameter('signatureAlgorithm', 'jwt') as SignatureAlgorithm, eventTypes };
}

export class LagoTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Lago Trigger',
		name: 'lagoTrigger',
		icon: { light: 'file:lago.svg', dark: 'file:lago.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: '={{ ($parameter["events"] || []).join(", ") }}',
		description: "Starts the workflow on Lago's webhooks (events Lago could not bill, invoices, subscriptions, wallets, ...), with verified signatures",
		defaults: { name: 'Lago Trigger' },
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
				displayName: 'Signature Algorithm',
				name: 'signatureAlgorithm',
				type: 'options',
				options: [
					{
						name: 'JWT (RS256)',
						value: 'jwt',
						description: "Checked with Lago's public key, which the node fetches itself. Nothing else to set up.",
					},
					{
						name: 'HMAC (SHA-256)',
						value: 'hmac',
						description: 'Checked with the Webhook HMAC Key of the Lago API credential (Lago › Developers › Webhooks)',
					},
				],
				default: 'jwt',
				description: 'How Lago signs the webhooks. Requests without a valid signature are answered 401 and start nothing.',
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
						description:
							'Whether to add the full event (code, subscription, properties) to each failed-event item, read from Lago with GET /events/{transaction_id}. Needs Split Event Errors on (the default).',
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
				const wanted = wantedEndpoint(this);
				const endpoint = await getEndpoint.call(this, data.endpointId);
				if (!endpoint) {
					delete data.endpointId;
					delete data.endpointUrl;
					return false;
				}
				// Not the same URL, types or algorithm: create() updates it.
				return endpointMatches(endpoint, wanted);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				const wanted = wantedEndpoint(this);
				const credentials = (await this.getCredentials('lagoApi')) as LagoCredentials & { webhookHmacKey?: string };
				if (wanted.signatureAlgo === 'hmac' && !String(credentials.webhookHmacKey ?? '').trim()) {
					throw new NodeOperationError(this.getNode(), 'Signature Algorithm is HMAC, but the Lago API credential has no Webhook HMAC Key', {
						description: 'Copy the HMAC key from Lago › Developers › Webhooks into the credential, or pick JWT.',
					});
				}
				if (wanted.signatureAlgo === 'jwt') {
					// Fetched now, so a key without the permission fails here rather than on every delivery.
					await getPublicKey.call(this, resolveBaseUrl(credentials), { refresh: true });
				}
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				const { id } = await registerEndpoint.call(this, wanted, data.endpointId);
				data.endpointId = id;
				data.endpointUrl = wanted.url;
				return true;
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				const data = this.getWorkflowStaticData('node') as TriggerStaticData;
				if (!data.endpointId) return true;
				try {
					await deleteEndpoint.call(this, data.endpointId);
				} catch (error) {
					this.logger.warn(`Lago Trigger: could not delete webhook endpoint ${data.endpointId} in Lago: ${(error as Error).message}`);
					return false;
				}
				delete data.endpointId;
				delete data.endpointUrl;
				return true;
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		return await handleDelivery.call(this);
	}
}
