#!/usr/bin/env node
'use strict';
// One-command demo: a real n8n 1.x editor with n8n-nodes-lago installed as a community package, a ready Lago
// credential pointing at a local Lago sandbox, the demo workflow (all four operations, e2e/workflows/demo.json)
// and the README's examples/*.json.
//
//   npm run demo                  (= npm run build && node scripts/demo.js)
//   node scripts/demo.js --check  run every workflow through n8n's REST API, verify them, exit 0/1
//
// Options: --check  --keep (keep the n8n user folder)  --port N (n8n)  --sandbox-port N
//          --n8n2 (n8n 2.41.1 on Node 24 instead of 1.x; installed into .e2e-cache on first use)
//          --workflow FILE (use FILE instead of the demo workflow; its Lago credentials are pointed at the sandbox)

const fs = require('fs');
const http = require('http');
const path = require('path');
const { REPO_ROOT } = require('../n8n-harness/install');
const { assertBuilt } = require('../n8n-harness/pack');
const { log, fmtSecs } = require('../n8n-harness/proc');
const { parseOptions } = require('../n8n-harness/cli');
const { startEditorSession } = require('../n8n-harness/editor-session');
const { N8nRest } = require('../n8n-harness/rest');
const { TRIGGER_TYPE, activateTriggers, checkTrigger, triggerWorkflows, webhookUrl } = require('./lib/trigger-demo');

const OWNER = { email: 'demo@example.com', password: 'Lago-Demo-2026', firstName: 'Demo', lastName: 'Owner' };
const SANDBOX_KEY = 'lago-demo-key';
const CREDENTIAL = { id: 'lagoDemoCred0001', name: 'Lago sandbox (demo)' };
const LAGO_TYPE = 'n8n-nodes-lago.lagoEvents';
const SELF_CONTAINED_TYPES = [LAGO_TYPE, 'n8n-nodes-base.scheduleTrigger', 'n8n-nodes-base.if', 'n8n-nodes-base.set', 'n8n-nodes-base.code', 'n8n-nodes-base.noOp'];

/** A server on 127.0.0.1 that answers everything with a 301 to the same path on `target`, like an http-to-https proxy. */
async function startRedirector(target) {
	const server = http.createServer((req, res) => {
		res.writeHead(301, { Location: `${target}${req.url}` });
		res.end();
	});
	await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		url: `http://127.0.0.1:${server.address().port}`,
		close: () => new Promise((resolve) => server.close(() => resolve())),
	};
}

function parseArgs(argv) {
	return parseOptions(argv, {
		defaults: { flavour: 'n8n1', check: false, keep: false, port: undefined, sandboxPort: 0, workflow: path.join(REPO_ROOT, 'e2e', 'workflows', 'demo.json') },
		flags: { '--check': { check: true }, '--keep': { keep: true }, '--n8n2': { flavour: 'n8n2' } },
		values: { '--port': ['port', Number], '--sandbox-port': ['sandboxPort', Number], '--workflow': ['workflow', (v) => path.resolve(v)] },
		helpFile: __filename,
		helpLines: [2, 13],
	});
}

/** A workflow with every Lago Events node pointed at the sandbox credential. */
function loadWorkflow(file, fallbackId) {
	const wf = JSON.parse(fs.readFileSync(file, 'utf8'));
	if (!wf.id || String(wf.id).length > 16) wf.id = fallbackId;
	wf.active = false;
	const lagoNodes = (wf.nodes || []).filter((n) => n.type === LAGO_TYPE);
	if (!lagoNodes.length) throw new Error(`${file} has no ${LAGO_TYPE} node`);
	for (const n of lagoNodes) n.credentials = { lagoApi: { ...CREDENTIAL } };
	for (const n of wf.nodes.filter((node) => node.type === TRIGGER_TYPE)) n.credentials = { lagoApi: { ...CREDENTIAL } };
	// A Schedule Trigger runs at once when the editor's "Execute workflow" starts from it, as --check does; only for
	// workflows that need nothing but Lago (a Postgres example has no database here).
	const selfContained = wf.nodes.every((n) => SELF_CONTAINED_TYPES.includes(n.type));
	const trigger =
		wf.nodes.find((n) => n.type === 'n8n-nodes-base.manualTrigger') || (selfContained ? wf.nodes.find((n) => n.type === 'n8n-nodes-base.scheduleTrigger') : undefined);
	return { wf, trigger, lagoNodes, file: path.relative(REPO_ROOT, file) };
}

/** The demo workflow first, then the README's examples/*.json (if any), so the editor shows them all. */
function loadWorkflows(mainFile) {
	const list = [loadWorkflow(mainFile, 'lagoDemoWorkflow')];
	if (!list[0].trigger) throw new Error(`${mainFile} needs a Manual Trigger`);
	const examplesDir = path.join(REPO_ROOT, 'examples');
	if (fs.existsSync(examplesDir)) {
		const files = fs.readdirSync(examplesDir).filter((f) => f.endsWith('.json')).sort();
		files.forEach((f, i) => {
			try {
				list.push(loadWorkflow(path.join(examplesDir, f), `lagoExample${String(i + 1).padStart(4, '0')}`));
			} catch (e) {
				log(`skipping examples/${f}: ${e.message}`);
			}
		});
	}
	return list;
}

function summarise(result, lagoNodes) {
	const lines = [];
	let ok = result.status === 'success' && !result.error;
	for (const node of lagoNodes) {
		const runs = result.runData[node.name];
		const task = runs && runs[0];
		const items = (task && task.data && task.data.main && task.data.main[0]) || [];
		const failed = !task || task.error || items.length === 0 || items.some((i) => i.json && i.json.error);
		if (failed) ok = false;
		const op = node.parameters.operation;
		lines.push(`  ${failed ? '✗' : '✓'} ${node.name} (${op}): ${task ? `${items.length} item(s)` : 'did not run'}${task && task.error ? ` — ${task.error.message}` : ''}`);
		for (const item of items.slice(0, 3)) lines.push(`      ${JSON.stringify(item.json).slice(0, 160)}`);
		if (items.length > 3) lines.push(`      … ${items.length - 3} more`);
	}
	if (!ok) lines.push(`  (nodes that ran: ${Object.keys(result.runData).join(', ') || 'none'})`);
	return { ok, text: lines.join('\n') };
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const t0 = Date.now();
	assertBuilt();
	const workflows = loadWorkflows(opts.workflow);

	const cleanup = [];
	let stopping = false;
	const stopAll = async (code) => {
		if (stopping) return;
		stopping = true;
		for (const fn of cleanup.reverse()) {
			try {
				await fn();
			} catch (e) {
				log(`cleanup: ${e.message}`);
			}
		}
		process.exit(code);
	};
	for (const sig of ['SIGINT', 'SIGTERM']) {
		process.on(sig, () => {
			log(`${sig}: stopping n8n and the sandbox…`);
			stopAll(sig === 'SIGINT' ? 0 : 143);
		});
	}

	try {
		const { sb, n8n, url } = await startEditorSession({
			flavour: opts.flavour,
			prefix: 'demo-',
			keep: opts.keep,
			port: opts.port,
			sandboxPort: opts.sandboxPort,
			apiKey: SANDBOX_KEY,
			credential: CREDENTIAL,
			workflows: workflows.map((w) => w.wf),
			cleanup,
		});
		n8n.daemon.exited.then(({ code, signal }) => {
			if (stopping) return;
			log(`n8n exited unexpectedly (${signal || code}); log: ${n8n.logFile}`);
			stopAll(1);
		});
		const rest = new N8nRest(url);
		const how = await rest.setupOwnerOrLogin(OWNER);
		log(`n8n owner: ${how}`);
		// Workflows that start with a Lago Trigger are activated: n8n registers their webhook URL in the sandbox.
		await activateTriggers(rest, sb, url, workflows);

		if (opts.check) {
			let allOk = true;
			// What the editor does before a user runs anything: test the credential, fill the metric picker.
			const credData = { region: 'custom', baseUrl: sb.url, apiKey: SANDBOX_KEY };
			const good = await rest.testCredential({ ...CREDENTIAL, type: 'lagoApi', data: credData });
			const bad = await rest.testCredential({ ...CREDENTIAL, type: 'lagoApi', data: { ...credData, apiKey: 'not-the-key' } });
			// The wrong key must fail. (n8n 1.123 shows its own generic 401 text here, not the credential's rule message.)
			const credOk = good.status === 'OK' && bad.status === 'Error';
			allOk = allOk && credOk;
			console.log(`\n${credOk ? '✓' : '✗'} credential test: "${good.status}${good.message ? ': ' + good.message : ''}"; with a wrong key: "${bad.status}: ${bad.message}"`);
			// A Base URL that redirects must fail the test: the node does not follow redirects (a followed 301 turns
			// POST /events into a GET), so a passing test would promise sends that cannot work.
			const redirector = await startRedirector(sb.url);
			try {
				const moved = await rest.testCredential({ ...CREDENTIAL, type: 'lagoApi', data: { ...credData, baseUrl: redirector.url } });
				const movedOk = moved.status === 'Error';
				allOk = allOk && movedOk;
				console.log(`${movedOk ? '✓' : '✗'} credential test on a Base URL that redirects: "${moved.status}: ${moved.message}"`);
			} finally {
				await redirector.close();
			}
			const lagoNode = workflows[0].lagoNodes[0];
			const list = await rest.searchList({
				nodeType: LAGO_TYPE,
				version: lagoNode.typeVersion,
				methodName: 'searchBillableMetrics',
				parameters: lagoNode.parameters,
				credentials: { lagoApi: { ...CREDENTIAL } },
			});
			const codes = ((list && list.results) || []).map((r) => r.value);
			const listOk = codes.includes('storage_gb') && codes.includes('api_calls');
			allOk = allOk && listOk;
			console.log(`${listOk ? '✓' : '✗'} metric picker (From List): ${codes.length} metric(s): ${codes.slice(0, 6).join(', ')}${codes.length > 6 ? ', …' : ''}`);
			// The read side's pickers: the metric picker inside Get Many's Filters, and the subscription picker of
			// Customer Usage, which n8n sends the customer typed above it (currentNodeParameters).
			const usageParameters = { resource: 'customerUsage', operation: 'getCurrent', externalCustomerId: 'cus_demo_2', externalSubscriptionId: { __rl: true, mode: 'list', value: '' } };
			const filterList = await rest.searchList({
				nodeType: LAGO_TYPE,
				version: lagoNode.typeVersion,
				methodName: 'searchBillableMetrics',
				parameters: { resource: 'event', operation: 'getMany', filters: { code: { __rl: true, mode: 'list', value: '' } } },
				path: 'parameters.filters.code',
				credentials: { lagoApi: { ...CREDENTIAL } },
				filter: 'storage',
			});
			const filterCodes = ((filterList && filterList.results) || []).map((r) => r.value);
			const filterOk = filterCodes.length === 1 && filterCodes[0] === 'storage_gb';
			allOk = allOk && filterOk;
			console.log(`${filterOk ? '✓' : '✗'} metric picker in Get Many › Filters, searching "storage": ${filterCodes.join(', ') || 'nothing'}`);
			const subscriptionLists = {};
			for (const customer of ['cus_demo_2', '']) {
				const found = await rest.searchList({
					nodeType: LAGO_TYPE,
					version: lagoNode.typeVersion,
					methodName: 'searchSubscriptions',
					parameters: { ...usageParameters, externalCustomerId: customer },
					path: 'parameters.externalSubscriptionId',
					credentials: { lagoApi: { ...CREDENTIAL } },
				});
				subscriptionLists[customer] = ((found && found.results) || []).map((r) => `${r.value} (${r.name})`);
			}
			const subscriptionOk =
				subscriptionLists.cus_demo_2.length === 1 && subscriptionLists.cus_demo_2[0].startsWith('sub_demo_2 ') && subscriptionLists[''].length >= 3;
			allOk = allOk && subscriptionOk;
			console.log(`${subscriptionOk ? '✓' : '✗'} subscription picker (Customer Usage, customer cus_demo_2): ${subscriptionLists.cus_demo_2.join('; ') || 'nothing'}`);
			console.log(`${subscriptionOk ? '✓' : '✗'} subscription picker with no customer yet: ${subscriptionLists[''].join('; ') || 'nothing'}`);
			for (const { wf, trigger, lagoNodes, file } of workflows) {
				if (!trigger) {
					log(`${file}: no Manual Trigger, not run`);
					continue;
				}
				const t1 = Date.now();
				const stored = await rest.getWorkflow(wf.id);
				const executionId = await rest.runWorkflow(stored, trigger.name);
				const result = await rest.waitForExecution(executionId, { flattedFrom: n8n.flavour.dir });
				const { ok, text } = summarise(result, lagoNodes);
				allOk = allOk && ok;
				console.log(`\n${ok ? '✓' : '✗'} "${wf.name}" (${file}) — execution ${executionId}: ${result.status} in ${fmtSecs(Date.now() - t1)}`);
				if (result.error) console.log(`  error: ${result.error.message}`);
				console.log(text);
			}
			const triggerCheck = await checkTrigger({ rest, sb, apiKey: SANDBOX_KEY, workflows, flattedFrom: n8n.flavour.dir });
			allOk = allOk && triggerCheck.ok;
			console.log(`\n${triggerCheck.text}`);
			const st = sb.stats();
			console.log(`\nLago sandbox: ${st.requests} request(s) ${JSON.stringify(st.byStatus)}, ${st.storedEvents} event(s) stored`);
			console.log(`\n${allOk ? 'DEMO CHECK PASSED' : 'DEMO CHECK FAILED'} (total ${fmtSecs(Date.now() - t0)})`);
			await stopAll(allOk ? 0 : 1);
			return;
		}

		console.log(`
────────────────────────────────────────────────────────────────────
  n8n ${n8n.flavour.version} with n8n-nodes-lago ${n8n.packageVersion} is running (ready in ${fmtSecs(Date.now() - t0)})

  Editor:         ${url}/
${workflows.map((w, i) => `  ${i === 0 ? 'Demo workflow:' : 'Example:      '}  ${url}/workflow/${w.wf.id}   (${w.wf.name})`).join('\n')}
  Log in with:    ${OWNER.email}  /  ${OWNER.password}

  Credential "${CREDENTIAL.name}" points at the local Lago sandbox
  ${sb.apiUrl} (API key ${SANDBOX_KEY}); it knows subscriptions
  sub_demo_1 and sub_demo_2 and metrics such as api_calls and storage_gb.
  Open the workflow and click "Execute workflow".
${triggerWorkflows(workflows)
	.map(
		({ wf }) => `
  "${wf.name}" is active: its Lago Trigger is registered in the sandbox
  at ${webhookUrl(url, wf)}.
  Send an event Lago cannot bill, then run Lago's events.errors job:
    curl -s -X POST ${sb.apiUrl}/events -H 'Authorization: Bearer ${SANDBOX_KEY}' \\
      -H 'Content-Type: application/json' \\
      -d '{"event":{"transaction_id":"typo-1","external_subscription_id":"sub_demo_1","code":"api_call"}}'
    curl -s -X POST ${sb.url}/_sandbox/webhooks/events-errors
  or any other webhook, signed as Lago signs it:
    curl -s -X POST ${sb.url}/_sandbox/webhooks/send -d '{"webhook_type":"events.errors","object":{"invalid_code":["typo-1"]}}'
  then open the workflow's Executions tab.`,
	)
	.join('\n')}

  Press Ctrl-C to stop (the demo's n8n data is ${opts.keep ? `kept in ${n8n.folder}` : 'deleted'}).
────────────────────────────────────────────────────────────────────
`);
		setInterval(() => {}, 1 << 30); // stay up until a signal arrives
	} catch (e) {
		console.error(`\ndemo failed: ${e.message}`);
		await stopAll(1);
	}
}

main();
