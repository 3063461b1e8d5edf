import { randomUUID } from 'crypto';
import { ExecutionLifecycleHooks, HookContext, WebhookContext } from 'n8n-core';
import { Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeParameters,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
	IWebhookData,
	IWebhookResponseData,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { signHmac, signJwt, startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { clearProcessRecords } from '../../nodes/LagoTrigger/deliveries';
import { LagoTrigger } from '../../nodes/LagoTrigger/LagoTrigger.node';
import { clearOrganisationCache } from '../../nodes/LagoTrigger/organisation';
import { clearPublicKeyCache } from '../../nodes/LagoTrigger/publicKey';
import { clearQuietLog } from '../../nodes/LagoTrigger/quietLog';
import { TestCredentialsHelper } from '../helpers/harness';

/**
 * The Lago Trigger inside n8n-core's own contexts: HookContext for activation (checkExists/create/delete) and
 * WebhookContext for a delivery, with n8n's real request helpers, credential handling and static data.
 */

export const API_KEY = 'lago_trigger_key_0c1d-SECRET';
export const WEBHOOK_BASE = 'http://n8n.test:5678/webhook';

export const trigger = new LagoTrigger();
const nodeTypes: INodeTypes = {
	getByName: (): INodeType | IVersionedNodeType => trigger,
	getByNameAndVersion: (): INodeType => trigger,
	getKnownTypes: () => ({}),
};

export interface Logged {
	level: string;
	message: string;
}

/** A fake express response: what the node sets is what n8n would send. */
export class FakeResponse {
	statusCode = 200;
	body: unknown = undefined;
	status(code: number) {
		this.statusCode = code;
		return this;
	}
	json(body: unknown) {
		this.body = body;
		return this;
	}
}

export interface Delivery {
	body: string | Buffer;
	headers?: Record<string, string | undefined>;
	/** Changes the request n8n hands the node (e.g. a body n8n has not read yet, a header given as a list). */
	adjustRequest?: (req: { headers: Record<string, unknown>; rawBody?: unknown; readRawBody?: () => Promise<void> }) => void;
}

export interface DeliveryResult {
	/** What n8n answers: the node's own status when it answered itself (it always does), else 200 (onReceived). */
	status: number;
	responseBody: unknown;
	/** The items that would start an execution, or undefined when none starts. */
	items?: IDataObject[];
	raw: IWebhookResponseData;
}

/** One trigger node in one workflow, as n8n would hold it between activation and deactivation. */
export class TriggerUnderTest {
	readonly node: INode;
	readonly workflow: Workflow;
	readonly logs: Logged[] = [];
	credentials: ICredentialDataDecryptedObject;

	constructor(
		parameters: INodeParameters,
		credentials: ICredentialDataDecryptedObject,
		{
			workflowId = 'wf-trigger-1',
			webhookId = randomUUID(),
			nodeId = 'trigger-node-1',
			typeVersion = 1,
			staticData = {},
		}: { workflowId?: string; webhookId?: string; nodeId?: string; typeVersion?: number; staticData?: IDataObject } = {},
	) {
		this.credentials = credentials;
		this.node = {
			id: nodeId,
			name: 'Lago Trigger',
			type: 'n8n-nodes-lago.lagoTrigger',
			typeVersion,
			position: [0, 0],
			webhookId,
			parameters,
			credentials: { lagoApi: { id: 'cred-1', name: 'Lago test' } },
		};
		this.workflow = new Workflow({ id: workflowId, name: 'trigger test', nodes: [this.node], connections: {}, active: true, nodeTypes, staticData, settings: { executionOrder: 'v1' } });
	}

	get url(): string {
		return `${WEBHOOK_BASE}/${this.node.webhookId}/webhook`;
	}

	get staticData(): IDataObject {
		return this.workflow.getStaticData('node', this.node);
	}

	/** The workflow's static data as n8n would save it in its database (and load it after a restart). */
	savedStaticData(): IDataObject {
		return JSON.parse(JSON.stringify(this.workflow.staticData)) as IDataObject;
	}

	private additionalData(extra: Partial<IWorkflowExecuteAdditionalData> = {}): IWorkflowExecuteAdditionalData {
		const hooks = new ExecutionLifecycleHooks('webhook', 'exec-1', { id: this.workflow.id, name: 'trigger test', active: true, isArchived: false, nodes: [this.node], connections: {}, createdAt: new Date(), updatedAt: new Date() } as never);
		return {
			credentialsHelper: new TestCredentialsHelper(() => this.credentials),
			hooks,
			executionId: 'exec-1',
			restApiUrl: 'http://n8n.test:5678/rest',
			instanceBaseUrl: 'http://n8n.test:5678/',
			formWaitingBaseUrl: 'http://n8n.test:5678/form-waiting',
			webhookBaseUrl: WEBHOOK_BASE,
			webhookWaitingBaseUrl: 'http://n8n.test:5678/webhook-waiting',
			webhookTestBaseUrl: 'http://n8n.test:5678/webhook-test',
			currentNodeParameters: undefined,
			executionTimeoutTimestamp: undefined,
			userId: 'user-1',
			variables: {},
			setExecutionStatus: () => {},
			sendDataToUI: () => {},
			logAiEvent: () => {},
			...extra,
		} as unknown as IWorkflowExecuteAdditionalData;
	}

	private webhookData(): IWebhookData {
		return {
			httpMethod: 'POST',
			node: this.node.name,
			path: `${this.node.webhookId}/webhook`,
			webhookDescription: trigger.description.webhooks![0],
			workflowId: this.workflow.id,
			workflowExecuteAdditionalData: this.additionalData(),
			webhookId: this.node.webhookId,
		};
	}

	private captureLogs<T extends { logger: unknown }>(ctx: T): T {
		const record = (level: string) => (message: string) => this.logs.push({ level, message });
		Object.defineProperty(ctx, 'logger', { value: { debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') } });
		return ctx;
	}

	private hook(): HookContext {
		return this.captureLogs(new HookContext(this.workflow, this.node, this.additionalData(), 'webhook', 'activate', this.webhookData()));
	}

	async checkExists(): Promise<boolean> {
		return await trigger.webhookMethods.default.checkExists.call(this.hook());
	}

	/** What n8n does on activation: checkExists, then create when it says false. */
	async activate(): Promise<void> {
		if (!(await this.checkExists())) await trigger.webhookMethods.default.create.call(this.hook());
	}

	async create(): Promise<boolean> {
		return await trigger.webhookMethods.default.create.call(this.hook());
	}

	async deactivate(): Promise<boolean> {
		return await trigger.webhookMethods.default.delete.call(this.hook());
	}

	/** One request to the trigger's URL, as n8n's webhook server hands it to the node. */
	async deliver({ body, headers = {}, adjustRequest }: Delivery): Promise<DeliveryResult> {
		const rawBody = Buffer.isBuffer(body) ? body : Buffer.from(body);
		const lowerHeaders: Record<string, string> = { 'content-type': 'application/json' };
		for (const [k, v] of Object.entries(headers)) if (v !== undefined) lowerHeaders[k.toLowerCase()] = v;
		let parsed: unknown = {};
		try {
			parsed = JSON.parse(rawBody.toString('utf8'));
		} catch {
			parsed = {};
		}
		const res = new FakeResponse();
		const req: { headers: Record<string, unknown>; rawBody?: unknown; body: unknown; params: object; query: object } = { headers: lowerHeaders, rawBody, body: parsed, params: {}, query: {} };
		adjustRequest?.(req);
		const ctx = this.captureLogs(
			new WebhookContext(this.workflow, this.node, this.additionalData({ httpRequest: req, httpResponse: res } as never), 'webhook', this.webhookData(), [], null),
		);
		const raw = await trigger.webhook.call(ctx);
		const items = raw.workflowData?.[0]?.map((i) => i.json);
		if (raw.noWebhookResponse) return { status: res.statusCode, responseBody: res.body, items, raw };
		return { status: 200, responseBody: raw.webhookResponse, items, raw };
	}
}

/** What a trigger test file shares: its sandbox and the trigger set up against it. */
export interface TriggerSuite {
	/** The sandbox (started before the file's first test). */
	readonly sandbox: Sandbox;
	credentials(extra?: object): ICredentialDataDecryptedObject;
	params(extra?: object): INodeParameters;
	/** Headers as Lago signs `body`, with the sandbox's keys (a new unique key unless one is given). */
	signed(body: string, algorithm?: 'jwt' | 'hmac', uniqueKey?: string): Record<string, string>;
	/** A trigger in a workflow of its own, activated (checkExists, then create). */
	activeTrigger(extra?: object, options?: { typeVersion?: number; creds?: object }): Promise<TriggerUnderTest>;
	/** A workflow id no other test of the file uses. */
	workflowId(): string;
}

/**
 * Starts a sandbox for the test file (its API key API_KEY, its organisation's HMAC key `hmacKey`), and before each
 * test resets it and clears every per-process state of the trigger (public keys, organisations, delivery records,
 * quiet log), as a fresh n8n process would have them.
 */
export function useTriggerSuite(hmacKey: string, prefix: string): TriggerSuite {
	let sandbox: Sandbox | undefined;
	let seq = 0;
	beforeAll(async () => {
		sandbox = await startSandbox({ apiKey: API_KEY, webhookHmacKey: hmacKey });
	});
	afterAll(async () => sandbox?.stop());
	beforeEach(() => {
		sandbox!.reset();
		sandbox!.webhooks.reset();
		clearPublicKeyCache();
		clearOrganisationCache();
		clearProcessRecords();
		clearQuietLog();
	});
	const suite: TriggerSuite = {
		get sandbox() {
			if (!sandbox) throw new Error('the sandbox starts in beforeAll');
			return sandbox;
		},
		credentials: (extra = {}) => ({ region: 'custom', baseUrl: suite.sandbox.url, apiKey: API_KEY, webhookHmacKey: hmacKey, ...extra }),
		params: (extra = {}) => ({ events: ['events.errors', 'invoice.created'], signatureAlgorithm: 'jwt', options: {}, ...extra }) as INodeParameters,
		signed: (body, algorithm = 'jwt', uniqueKey = `uk-${prefix}-${++seq}`) => {
			const signature = algorithm === 'jwt' ? signJwt({ data: body, iss: 'http://lago-api:3000' }, suite.sandbox.webhooks.keys.privateKey) : signHmac(body, hmacKey);
			return { 'X-Lago-Signature': signature, 'X-Lago-Signature-Algorithm': algorithm, 'X-Lago-Unique-Key': uniqueKey };
		},
		activeTrigger: async (extra = {}, { typeVersion = 1, creds = {} } = {}) => {
			const t = new TriggerUnderTest(suite.params(extra), suite.credentials(creds), { workflowId: suite.workflowId(), typeVersion });
			await t.activate();
			return t;
		},
		workflowId: () => `${prefix}-${++seq}`,
	};
	return suite;
}
