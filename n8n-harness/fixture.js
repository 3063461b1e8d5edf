'use strict';
/**
 * The set-up the e2e files share: one sandbox and one n8n install per describe block, the package packed once per jest
 * run, Lago credentials pointing at the sandbox, and a sandbox that is restored when n8n crashes before printing a run
 * (so the repeated run starts from the same state; crashes.js).
 *
 *   describe.each(FLAVOURS)('… in %s', (_label, key) => {
 *     let sb, n8n;
 *     beforeAll(async () => ({ sb, n8n } = await startWithSandbox(key, { credentials, workflows })), 300_000);
 *     afterAll(() => stopAll({ sb, n8n }));
 */
const { startSandbox } = require('../sandbox');
const { N8nInstance } = require('./instance');
const { assertBuilt, buildPackage, currentTarball } = require('./pack');
const { sleep } = require('./proc');

/** The n8n versions every e2e file runs against, as describe.each rows: [label, flavour key]. */
const FLAVOURS = [
	['n8n 1.x', 'n8n1'],
	['n8n 2.x', 'n8n2'],
];

let tarballPromise;
/**
 * The packed package, packed (or found up to date) once per jest run and shared by every describe block; built
 * first when dist/ is missing (the queue suite runs without e2e/setup.js, which builds).
 */
const tarballOnce = () =>
	(tarballPromise =
		tarballPromise ||
		(async () => {
			try {
				assertBuilt();
			} catch {
				await buildPackage();
			}
			return currentTarball();
		})());

/** A Lago API credential for `n8n import:credentials` on a self-hosted base URL (the sandbox). */
const lagoCredential = (id, name, baseUrl, apiKey, extra = {}) => ({ id, name, type: 'lagoApi', data: { region: 'custom', baseUrl, apiKey, ...extra } });

/**
 * Starts a sandbox (`sandbox`: startSandbox's options besides the port) and an n8n of flavour `key` with the package
 * installed, imports `credentials(sb)` and `workflows`, and has n8n restore the sandbox when a crash repeats a run.
 */
async function startWithSandbox(key, { sandbox = {}, credentials, workflows = [] }) {
	const sb = await startSandbox({ port: 0, ...sandbox });
	const n8n = await N8nInstance.create(key, { tarball: await tarballOnce() });
	n8n.restoreOnCrash(sb);
	await n8n.importCredentials(credentials(sb));
	if (workflows.length) await n8n.importWorkflows(workflows);
	return { sb, n8n };
}

/** Stops what startWithSandbox started; either may be missing when its beforeAll failed part way. */
async function stopAll({ sb, n8n }) {
	if (n8n) await n8n.dispose();
	if (sb) await sb.stop();
}

/**
 * `n8n execute` of one workflow. The run must have been printed, and the API key must appear nowhere in what n8n
 * printed. With `ok` (the default) the execution must also have succeeded; the error names the run. Other options
 * (timeoutMs) go to N8nInstance.execute.
 */
async function executeChecked(n8n, id, apiKey, { ok = true, ...executeOptions } = {}) {
	const res = await n8n.execute(id, executeOptions);
	if (!res.run) throw new Error(`n8n printed no run: ${res.describe()}`);
	if (`${res.stdout}\n${res.stderr}`.includes(apiKey)) throw new Error(`the API key shows in n8n's output of ${id}`);
	if (ok && !res.ok) throw new Error(`expected a successful run: ${res.describe()}`);
	return res;
}

/** A workflow's executions as n8n's REST API lists them (`rest`: a logged-in N8nRest), at most the newest 100. */
async function executions(rest, workflowId) {
	const filter = encodeURIComponent(JSON.stringify({ workflowId }));
	const { json } = await rest.request('GET', `/rest/executions?filter=${filter}&limit=100`);
	return (json.data && json.data.results) || [];
}

/**
 * Waits (at most a minute) until the workflow has `count` executions, then `settleMs` more, and expects exactly
 * `count`: a run that should not have started has had time to show up. Returns the list.
 */
async function expectExecutionCount(rest, workflowId, count, settleMs = 2000) {
	const started = Date.now();
	let list = await executions(rest, workflowId);
	while (list.length < count && Date.now() - started < 60_000) {
		await sleep(300);
		list = await executions(rest, workflowId);
	}
	await sleep(settleMs);
	list = await executions(rest, workflowId);
	expect(list.length).toBe(count);
	return list;
}

/** The workflow's newest execution, finished, with its run data (flatted, read with n8n's own copy of flatted). */
async function lastRun(rest, n8n, workflowId) {
	const list = await executions(rest, workflowId);
	const newest = list.reduce((a, b) => (Number(a.id) > Number(b.id) ? a : b));
	return await rest.waitForExecution(newest.id, { flattedFrom: n8n.flavour.dir });
}

/** The items `node` output in its first run of `run`, as plain JSON. */
const itemsOf = (run, node) => ((run.runData[node] || [])[0]?.data?.main?.[0] || []).map((i) => i.json);

module.exports = { FLAVOURS, tarballOnce, lagoCredential, startWithSandbox, stopAll, executeChecked, executions, expectExecutionCount, lastRun, itemsOf };
