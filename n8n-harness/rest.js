'use strict';
// The few n8n editor REST calls the demo needs: owner setup (or login), read a workflow, run it like the editor's
// "Execute workflow" button, and wait for the execution. Checked against n8n 1.123.81.

const path = require('path');

class N8nRest {
	constructor(baseUrl, { timeoutMs = 30_000 } = {}) {
		this.baseUrl = baseUrl.replace(/\/+$/, '');
		this.cookie = '';
		this.timeoutMs = timeoutMs;
	}

	async request(method, urlPath, body, { allow = [] } = {}) {
		const res = await fetch(`${this.baseUrl}${urlPath}`, {
			method,
			headers: { 'content-type': 'application/json', accept: 'application/json', ...(this.cookie ? { cookie: this.cookie } : {}) },
			body: body === undefined ? undefined : JSON.stringify(body),
			signal: AbortSignal.timeout(this.timeoutMs),
		});
		const setCookie = typeof res.headers.getSetCookie === 'function' ? res.headers.getSetCookie() : [];
		const auth = setCookie.find((c) => c.startsWith('n8n-auth='));
		if (auth) this.cookie = auth.split(';')[0];
		const text = await res.text();
		let json;
		try {
			json = text ? JSON.parse(text) : undefined;
		} catch {
			json = undefined;
		}
		if (!res.ok && !allow.includes(res.status)) {
			const msg = (json && (json.message || (json.error && json.error.message))) || text.slice(0, 200);
			const err = new Error(`${method} ${urlPath} → ${res.status}: ${msg}`);
			err.status = res.status;
			throw err;
		}
		return { status: res.status, json };
	}

	/** Sets up the instance owner (first start) or logs in (owner already set up). The auth cookie is kept. */
	async setupOwnerOrLogin({ email, password, firstName, lastName }) {
		const setup = await this.request('POST', '/rest/owner/setup', { email, firstName, lastName, password }, { allow: [400] });
		if (setup.status === 200 && this.cookie) return 'owner set up';
		await this.request('POST', '/rest/login', { emailOrLdapLoginId: email, email, password });
		if (!this.cookie) throw new Error('n8n did not return an auth cookie on login');
		return 'logged in';
	}

	async getWorkflow(id) {
		const { json } = await this.request('GET', `/rest/workflows/${encodeURIComponent(id)}`);
		return json.data;
	}

	/** Activates a workflow, as the editor's Active toggle (1.123) or Publish (2.x) does. */
	async activateWorkflow(id) {
		const workflow = await this.getWorkflow(id);
		await this.request('POST', `/rest/workflows/${encodeURIComponent(id)}/activate`, { versionId: workflow.versionId });
	}

	async deactivateWorkflow(id) {
		await this.request('POST', `/rest/workflows/${encodeURIComponent(id)}/deactivate`, {});
	}

	/** The workflow's executions, newest first (at most 100). */
	async listExecutions(workflowId) {
		const filter = encodeURIComponent(JSON.stringify({ workflowId }));
		const { json } = await this.request('GET', `/rest/executions?filter=${filter}&limit=100`);
		return (json && json.data && json.data.results) || [];
	}

	/** Starts a manual run from the given trigger, as the editor does; returns the execution id. */
	async runWorkflow(workflow, triggerName) {
		const { json } = await this.request('POST', `/rest/workflows/${encodeURIComponent(workflow.id)}/run`, {
			workflowData: workflow,
			triggerToStartFrom: { name: triggerName },
		});
		const data = json && json.data;
		if (!data || !data.executionId) throw new Error(`n8n did not start an execution: ${JSON.stringify(json).slice(0, 300)}`);
		return data.executionId;
	}

	/** The credential dialog's "Test" (the credential's `test` request, run by n8n). Returns { status, message }. */
	async testCredential(credential) {
		const { json } = await this.request('POST', '/rest/credentials/test', { credentials: credential });
		return json.data;
	}

	/** A resource locator's "From List" search, as the node's parameter panel runs it. Returns { results, paginationToken }. */
	async searchList({ nodeType, version, methodName, parameters, credentials, filter, path: paramPath = 'parameters.code' }) {
		const { json } = await this.request('POST', '/rest/dynamic-node-parameters/resource-locator-results', {
			path: paramPath,
			nodeTypeAndVersion: { name: nodeType, version },
			methodName,
			currentNodeParameters: parameters,
			credentials,
			...(filter ? { filter } : {}),
		});
		return json.data;
	}

	/**
	 * Polls until the execution has finished and its data is readable; returns { status, runData, error, raw }.
	 * n8n can report a finished status a moment before the run data is stored, so an empty result is polled again.
	 */
	async waitForExecution(executionId, { timeoutMs = 120_000, flattedFrom } = {}) {
		const started = Date.now();
		let finishedEmptySince = 0;
		for (;;) {
			const { json } = await this.request('GET', `/rest/executions/${encodeURIComponent(executionId)}`, undefined, { allow: [404] });
			const ex = json && json.data;
			if (ex && ex.status && !['new', 'running', 'waiting'].includes(ex.status)) {
				const data = typeof ex.data === 'string' && ex.data ? parseFlatted(ex.data, flattedFrom) : ex.data;
				const resultData = (data && data.resultData) || {};
				const runData = resultData.runData || {};
				const result = { status: ex.status, runData, error: resultData.error, raw: ex };
				if (Object.keys(runData).length || result.error) return result;
				finishedEmptySince = finishedEmptySince || Date.now();
				if (Date.now() - finishedEmptySince > 10_000) return result;
			}
			if (Date.now() - started > timeoutMs) throw new Error(`execution ${executionId} still ${ex ? ex.status : 'unknown'} after ${timeoutMs / 1000} s`);
			await new Promise((r) => setTimeout(r, 300));
		}
	}
}

/** n8n stores execution data with `flatted`; use the copy in n8n's own tree. */
function parseFlatted(text, n8nDir) {
	const flatted = require(require.resolve('flatted', { paths: [path.join(n8nDir, 'node_modules', 'n8n'), n8nDir] }));
	return flatted.parse(text);
}

module.exports = { N8nRest };
