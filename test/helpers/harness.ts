import { ExecutionLifecycleHooks, LoadOptionsContext, SupplyDataContext, WorkflowExecute } from 'n8n-core';
import { ICredentialsHelper, Workflow } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteData,
	IHttpRequestOptions,
	INode,
	INodeExecutionData,
	INodeParameters,
	INodeProperties,
	INodeType,
	INodeTypes,
	IRun,
	IRunExecutionData,
	ITaskData,
	IVersionedNodeType,
	IWorkflowExecuteAdditionalData,
} from 'n8n-workflow';

import { LagoApi } from '../../credentials/LagoApi.credentials';
import { startSandbox } from '../../sandbox';
import type { Sandbox } from '../../sandbox';
import { LagoEvents } from '../../nodes/LagoEvents/LagoEvents.node';

/**
 * Runs the Lago Events node through n8n-core's real execution engine (WorkflowExecute), in-process: parameters,
 * expressions, credentials, customOperations, Continue On Fail and Retry On Fail behave as in n8n.
 */

export const API_KEY = 'lago_test_key_5b1f0c9e-SECRET';
export const NODE_NAME = 'Lago Events';

const credentialType = new LagoApi();

/** n8n's credentials helper for one Lago API credential: given as it is, or read on each use (the trigger's tests change it). */
export class TestCredentialsHelper extends ICredentialsHelper {
	constructor(private readonly credentials: ICredentialDataDecryptedObject | (() => ICredentialDataDecryptedObject)) {
		super();
	}

	getParentTypes(): string[] {
		return [];
	}

	async authenticate(credentials: ICredentialDataDecryptedObject, _type: string, requestOptions: IHttpRequestOptions): Promise<IHttpRequestOptions> {
		// n8n calls a credential's authenticate function as it is.
		return await credentialType.authenticate(credentials, requestOptions);
	}

	async preAuthentication(): Promise<undefined> {
		return undefined;
	}

	async getCredentials(): Promise<never> {
		throw new Error('not used');
	}

	async getDecrypted(): Promise<ICredentialDataDecryptedObject> {
		return { ...(typeof this.credentials === 'function' ? this.credentials() : this.credentials) };
	}

	async updateCredentials(): Promise<void> {}

	async updateCredentialsOauthTokenData(): Promise<void> {}

	getCredentialsProperties(): INodeProperties[] {
		return credentialType.properties;
	}
}

const nodeTypes: INodeTypes = {
	getByName: (type: string): INodeType | IVersionedNodeType => getNodeType(type),
	getByNameAndVersion: (type: string): INodeType => getNodeType(type),
	getKnownTypes: () => ({}),
};

const lagoEvents = new LagoEvents();
function getNodeType(type: string): INodeType {
	if (type === 'n8n-nodes-lago.lagoEvents') return lagoEvents;
	throw new Error(`Unknown node type ${type}`);
}

export interface RunOptions {
	parameters: INodeParameters;
	items?: IDataObject[];
	/** The workflow's Settings › Timezone (n8n's default otherwise). */
	timezone?: string;
	credentials?: ICredentialDataDecryptedObject;
	baseUrl?: string;
	/** true: Continue (regular output); 'errorOutput': Continue (using error output). */
	continueOnFail?: boolean | 'errorOutput';
	retryOnFail?: { maxTries: number; waitBetweenTries: number };
	executionId?: string;
	runIndex?: number;
	nodeName?: string;
	/** 'retry' for a run started by Retry in the executions list; default 'manual'. */
	mode?: 'manual' | 'retry';
	/** The node contexts a failed execution left (run.data.executionData.contextData), as Retry hands them back. */
	contextData?: IRunExecutionData['executionData'] extends infer E ? (E extends { contextData: infer C } ? C : never) : never;
}

export interface RunResult {
	run: IRun;
	/** The node's output items (first output), or [] when the node failed. */
	items: INodeExecutionData[];
	json: IDataObject[];
	/** Items on the error output (only with continueOnFail: 'errorOutput'). */
	errorItems: INodeExecutionData[];
	/** The node's error when it failed, as n8n records it. */
	error?: Error & { description?: string | null; httpCode?: string | null; context?: IDataObject };
	taskData: ITaskData[];
}

/** The Lago Events node as it sits in a workflow, with its credential attached. */
function makeNode(name: string, parameters: INodeParameters, settings: Partial<INode> = {}): INode {
	return {
		id: 'lago-node-1',
		name,
		type: 'n8n-nodes-lago.lagoEvents',
		typeVersion: 1,
		position: [0, 0],
		parameters: { resource: 'event', ...parameters },
		credentials: { lagoApi: { id: 'cred-1', name: 'Lago test' } },
		...settings,
	};
}

function makeWorkflow(node: INode, timezone?: string): Workflow {
	const settings = timezone ? { executionOrder: 'v1' as const, timezone } : { executionOrder: 'v1' as const };
	return new Workflow({ id: 'wf-test', name: 'test', nodes: [node], connections: {}, active: false, nodeTypes, settings });
}

/** The URLs n8n's additional data carries for an instance; tests never call them. */
export const INSTANCE_URLS = {
	restApiUrl: 'http://127.0.0.1/rest',
	instanceBaseUrl: 'http://127.0.0.1/',
	formWaitingBaseUrl: 'http://127.0.0.1/form-waiting',
	webhookBaseUrl: 'http://127.0.0.1/webhook',
	webhookWaitingBaseUrl: 'http://127.0.0.1/webhook-waiting',
	webhookTestBaseUrl: 'http://127.0.0.1/webhook-test',
};

function makeAdditionalData(node: INode, credentials: ICredentialDataDecryptedObject, executionId: string): IWorkflowExecuteAdditionalData {
	const hooks = new ExecutionLifecycleHooks('manual', executionId, {
		id: 'wf-test',
		name: 'test',
		active: false,
		isArchived: false,
		nodes: [node],
		connections: {},
		createdAt: new Date(),
		updatedAt: new Date(),
	} as never);
	return {
		credentialsHelper: new TestCredentialsHelper(credentials),
		hooks,
		executionId,
		...INSTANCE_URLS,
		currentNodeParameters: undefined,
		executionTimeoutTimestamp: undefined,
		userId: 'user-1',
		variables: {},
		encryptedRunnerIdentity: undefined,
		setExecutionStatus: () => {},
		sendDataToUI: () => {},
		logAiEvent: () => {},
		startRunnerTask: async () => {
			throw new Error('not used');
		},
	} as unknown as IWorkflowExecuteAdditionalData;
}

/** The context n8n gives a node's listSearch/loadOptions methods in the editor. */
export function loadOptionsContext(credentials: ICredentialDataDecryptedObject, parameters: INodeParameters = {}): LoadOptionsContext {
	const node = makeNode(NODE_NAME, { operation: 'create', ...parameters });
	return new LoadOptionsContext(makeWorkflow(node), node, makeAdditionalData(node, credentials, 'load-options'), 'code');
}

export async function runNode(options: RunOptions): Promise<RunResult> {
	const nodeName = options.nodeName ?? NODE_NAME;
	const node = makeNode(nodeName, options.parameters, {
		...(options.continueOnFail ? { onError: options.continueOnFail === 'errorOutput' ? ('continueErrorOutput' as const) : ('continueRegularOutput' as const) } : {}),
		...(options.retryOnFail ? { retryOnFail: true, ...options.retryOnFail } : {}),
	});
	const workflow = makeWorkflow(node, options.timezone);
	const credentials = options.credentials ?? { region: 'custom', baseUrl: options.baseUrl ?? 'http://127.0.0.1:9', apiKey: API_KEY };
	const executionId = options.executionId ?? 'exec-1001';
	const additionalData = makeAdditionalData(node, credentials, executionId);

	const items = (options.items ?? [{}]).map((json) => ({ json }));
	const runIndex = options.runIndex ?? 0;
	const executeData: IExecuteData = { node, data: { main: [items] }, source: null };
	const runData: IRunExecutionData['resultData']['runData'] = {};
	if (runIndex > 0) {
		// Earlier runs of the node (loop iterations, AI tool calls) make this run's index `runIndex`.
		runData[nodeName] = Array.from({ length: runIndex }, () => ({ startTime: 0, executionTime: 0, executionIndex: 0, source: [], data: { main: [[]] } }) as ITaskData);
	}
	const runExecutionData: IRunExecutionData = {
		startData: {},
		resultData: { runData },
		executionData: {
			contextData: options.contextData ?? {},
			nodeExecutionStack: [executeData],
			metadata: {},
			waitingExecution: {},
			waitingExecutionSource: {},
		},
	} as IRunExecutionData;
	const workflowExecute = new WorkflowExecute(additionalData, options.mode ?? 'manual', runExecutionData);
	const run = await workflowExecute.processRunExecutionData(workflow);
	const taskData = run.data.resultData.runData[nodeName] ?? [];
	const last = taskData[taskData.length - 1];
	const out = (last?.data?.main?.[0] ?? []) as INodeExecutionData[];
	return {
		run,
		items: out,
		json: out.map((item) => item.json),
		errorItems: (last?.data?.main?.[1] ?? []) as INodeExecutionData[],
		error: (run.data.resultData.error ?? last?.error) as RunResult['error'],
		taskData,
	};
}

/**
 * The node as an AI agent sees it: n8n-core's own createNodeAsTool (tool name, description and the schema built from
 * $fromAI() placeholders) and makeHandleToolInvocation (how an agent's tool call runs the node), as in n8n.
 */
export function asAiTool(parameters: INodeParameters, credentials: ICredentialDataDecryptedObject, nodeName = 'Send usage to Lago', agentItem: IDataObject = {}) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { createNodeAsTool } = require('n8n-core/dist/execution-engine/node-execution-context/utils/create-node-as-tool');
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { makeHandleToolInvocation } = require('n8n-core/dist/execution-engine/node-execution-context/utils/get-input-connection-data');
	const node = makeNode(nodeName, parameters);
	const agent: INode = { id: 'agent-1', name: 'AI Agent', type: 'test.agent', typeVersion: 1, position: [0, 0], parameters: {} };
	const workflow = makeWorkflow(node);
	const additionalData = makeAdditionalData(node, credentials, 'exec-tool-1');
	const runExecutionData = { startData: {}, resultData: { runData: {} }, executionData: { contextData: {}, nodeExecutionStack: [], metadata: {}, waitingExecution: {}, waitingExecutionSource: {} } } as unknown as IRunExecutionData;
	// The agent's input item: what `$json` means in the tool's parameters (the tool call's arguments are its input data).
	const agentItems = [{ json: agentItem }];
	const executeData: IExecuteData = { node: agent, data: { main: [agentItems] }, source: null };
	const contextFactory = (runIndex: number) =>
		new SupplyDataContext(workflow, node, additionalData, 'manual', runExecutionData, runIndex, agentItems, {}, 'ai_tool', executeData, [], undefined, agent);
	const handleToolInvocation = makeHandleToolInvocation(contextFactory, node, lagoEvents, runExecutionData);
	const { response } = createNodeAsTool({ node, nodeType: lagoEvents, handleToolInvocation });
	return { tool: response as { name: string; description: string; schema: any; invoke: (args: object) => Promise<string> }, runExecutionData, node };
}

/**
 * One Lago sandbox (sandbox/) per test file, reset before each test. Returns a getter, since the sandbox starts in
 * beforeAll.
 */
export function useSandbox(apiKey: string): () => Sandbox {
	let sandbox: Sandbox | undefined;
	beforeAll(async () => {
		sandbox = await startSandbox({ apiKey });
	});
	afterAll(async () => sandbox?.stop());
	beforeEach(() => {
		sandbox?.reset();
		sandbox?.setFaults(null);
		sandbox?.setRejectTransactionIds([]);
		sandbox?.setBatchMaxLength(100);
		sandbox?.setBillableMetrics(null);
	});
	return () => {
		if (!sandbox) throw new Error('the sandbox is not started yet');
		return sandbox;
	};
}

/** Credentials pointing the node at a sandbox. */
export const sandboxCredentials = (sandbox: Sandbox): ICredentialDataDecryptedObject => ({ region: 'custom', baseUrl: sandbox.url, apiKey: sandbox.apiKey });
