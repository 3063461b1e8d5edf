#!/usr/bin/env node
'use strict';
// README screenshots of the Lago Events node in a real n8n 1.x editor, taken with headless Chromium.
//
//   npm run docs:screenshot        (= npm run build && node scripts/docs-screenshot.js)
//
// Starts the Lago sandbox and a fresh n8n 1.x with the packed package installed as a community package, imports a
// credential pointing at the sandbox and three small workflows (Manual Trigger → Code → Lago Events: Send Batch,
// Send, and a node with nothing filled in), sets up the owner over REST and drives Debian's chromium with
// playwright-core. Writes:
//   docs/images/lago-events-panel.png     Send Batch parameter panel (mapped fields, a property, metric from list)
//   docs/images/lago-events-send.png      Send parameter panel
//   docs/images/lago-credential.png       the Lago API credential dialog (Self-Hosted region, tested)
//   docs/images/lago-metric-picker.png    the Billable Metric Code list, loaded from the sandbox
//   docs/images/lago-events-new.png       a node just added (placeholders and hints, nothing filled in)
//   docs/images/lago-trigger-panel.png    the Lago Trigger's panel (events.errors, JWT, Look Up Events)
//   docs/images/lago-customer-usage.png   Customer Usage > Get Current parameter panel
//   docs/images/lago-subscription-picker.png  the External Subscription ID list: the customer's subscriptions
// Stops everything it started and exits 1 if a screenshot could not be taken.
//
// Options: --out DIR (default docs/images)  --keep (keep the n8n user folder)  --chromium PATH (default
//          /usr/bin/chromium, or $CHROMIUM_PATH)  --scale N (deviceScaleFactor, default 1)
//          --report FILE (write labels, metric list and timings as JSON)
//          --only KEY[,KEY] (just these shots, e.g. lago-trigger-panel; on 2 busy cores each takes about a minute)
// Needs: apt-get install chromium fonts-liberation; the playwright-core devDependency; npm run build.

const fs = require('fs');
const path = require('path');
const { REPO_ROOT } = require('../n8n-harness/install');
const { assertBuilt } = require('../n8n-harness/pack');
const { log, fmtSecs } = require('../n8n-harness/proc');
const { parseOptions } = require('../n8n-harness/cli');
const { startEditorSession } = require('../n8n-harness/editor-session');
const { N8nRest } = require('../n8n-harness/rest');
const { openEditor, closeToasts } = require('../n8n-harness/browser');

const OWNER = { email: 'docs@example.com', password: 'Lago-Docs-2026', firstName: 'Docs', lastName: 'Owner' };
const SANDBOX_KEY = 'lago-docs-key';
const CREDENTIAL = { id: 'lagoDocsCred0001', name: 'Lago API (self-hosted)' };
const LAGO_TYPE = 'n8n-nodes-lago.lagoEvents';
const NODE_NAME = 'Lago Events';
const SOURCE_NAME = 'Usage records';
const TOTAL_TIMEOUT_MS = 10 * 60_000;
const STEP_TIMEOUT_MS = 20_000;
const VIEWPORT = { width: 1400, height: 1800 };

function parseArgs(argv) {
	return parseOptions(argv, {
		defaults: { out: path.join(REPO_ROOT, 'docs', 'images'), keep: false, chromium: process.env.CHROMIUM_PATH || '/usr/bin/chromium', scale: 1 },
		flags: { '--keep': { keep: true } },
		values: { '--only': ['only', (v) => v.split(',')], '--out': ['out', (v) => path.resolve(v)], '--chromium': ['chromium'], '--scale': ['scale', Number], '--report': ['report', (v) => path.resolve(v)] },
		helpFile: __filename,
		helpLines: [2, 24],
	});
}

/** Manual Trigger → Code ("Usage records", pinned output so expressions show values) → Lago Events. */
function workflow(id, name, lagoParameters) {
	const records = [
		{ sub: 'sub_demo_1', record_id: 'storage-2026-11-0001', gb: 12.5, at: '2026-11-01T10:00:00Z' },
		{ sub: 'sub_demo_2', record_id: 'storage-2026-11-0002', gb: 4, at: '2026-11-01T11:30:00Z' },
	];
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		pinData: { [SOURCE_NAME]: records.map((json) => ({ json })) },
		nodes: [
			{ id: `${id}-n1`, name: 'When clicking ‘Execute workflow’', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: `${id}-n2`,
				name: SOURCE_NAME,
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [240, 0],
				parameters: { jsCode: `return ${JSON.stringify(records.map((json) => ({ json })), null, 2)};` },
			},
			{
				id: `${id}-n3`,
				name: NODE_NAME,
				type: LAGO_TYPE,
				typeVersion: 1,
				position: [480, 0],
				credentials: { lagoApi: { ...CREDENTIAL } },
				parameters: { resource: 'event', ...lagoParameters },
			},
		],
		connections: {
			'When clicking ‘Execute workflow’': { main: [[{ node: SOURCE_NAME, type: 'main', index: 0 }]] },
			[SOURCE_NAME]: { main: [[{ node: NODE_NAME, type: 'main', index: 0 }]] },
		},
	};
}

const EVENT_PARAMETERS = {
	externalSubscriptionId: '={{ $json.sub }}',
	code: { __rl: true, mode: 'list', value: 'storage_gb', cachedResultName: 'Storage (GB) (storage_gb)' },
	transactionId: '={{ $json.record_id }}',
	timestamp: '={{ $json.at }}',
	propertiesInput: 'keyValue',
	properties: { property: [{ key: 'gb', value: '={{ $json.gb }}' }] },
	additionalFields: {},
};

const TRIGGER_NAME = 'Lago Trigger';

/** A workflow holding only a Lago Trigger, as set up in the README's Lago Trigger section. */
function triggerWorkflow(id, name) {
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-n1`,
				name: TRIGGER_NAME,
				type: 'n8n-nodes-lago.lagoTrigger',
				typeVersion: 1,
				position: [0, 0],
				webhookId: '5d0c5f1e-7a7e-4c1b-9f3e-000000000001',
				credentials: { lagoApi: { ...CREDENTIAL } },
				parameters: { events: ['events.errors', 'invoice.created'], signatureAlgorithm: 'jwt', options: { splitEventErrors: true, lookUpEvents: true } },
			},
		],
		connections: {},
	};
}

const WORKFLOWS = {
	trigger: triggerWorkflow('lagoDocsTrigger1', 'Docs: Lago Trigger'),
	batch: workflow('lagoDocsBatch001', 'Docs: Lago Events – Send Batch', { operation: 'createBatch', ...EVENT_PARAMETERS, options: { onDuplicate: 'succeed', batchSize: 100 } }),
	send: workflow('lagoDocsSend0001', 'Docs: Lago Events – Send', { operation: 'create', ...EVENT_PARAMETERS, options: {} }),
	fresh: workflow('lagoDocsNew00001', 'Docs: Lago Events – new node', { operation: 'createBatch' }),
	usage: workflow('lagoDocsUsage001', 'Docs: Lago Events – Customer Usage', {
		resource: 'customerUsage',
		operation: 'getCurrent',
		externalCustomerId: 'cus_demo_2',
		externalSubscriptionId: { __rl: true, mode: 'list', value: '' },
		simplify: true,
		options: { billableMetricCode: { __rl: true, mode: 'list', value: 'api_calls', cachedResultName: 'API Calls (api_calls)' } },
	}),
};

/** Opens a resource locator's "From List" popover in the open panel and waits for Lago's answer; returns its texts. */
async function openPicker(page, parameterName, minItems) {
	const item = page.locator('[data-test-id="parameter-item"]', { has: page.locator(`[data-test-id="parameter-input-${parameterName}"]`) }).first();
	await item.locator('[data-test-id="rlc-input"]').click();
	const popover = page.locator('.el-popover:visible', { has: page.locator('[data-test-id="rlc-search"]') }).first();
	await popover.locator('[data-test-id="rlc-item"]').first().waitFor({ state: 'visible' });
	await page
		.waitForFunction((n) => [...document.querySelectorAll('.el-popover [data-test-id="rlc-item"]')].filter((el) => el.offsetParent).length >= n, minItems, { timeout: STEP_TIMEOUT_MS })
		.catch(() => {});
	await page.waitForTimeout(400);
	return { item, popover, items: await popover.locator('[data-test-id="rlc-item"]').allInnerTexts() };
}

/** Reject after ms, so no step can hang the run. */
function withTimeout(promise, ms, what) {
	let timer;
	return Promise.race([
		promise.finally(() => clearTimeout(timer)),
		new Promise((_, reject) => {
			timer = setTimeout(() => reject(new Error(`${what} did not finish within ${fmtSecs(ms)}`)), ms);
		}),
	]);
}

/** Opens a workflow and the Lago Events node's parameter panel (NDV); returns the NDV locator. */
async function openNodePanel(page, baseUrl, workflowId, nodeName = NODE_NAME) {
	await page.goto(`${baseUrl}/workflow/${workflowId}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
	if (/\/signin|\/setup/.test(page.url())) throw new Error(`n8n showed ${page.url()} instead of the workflow (not logged in)`);
	const node = page.locator(`[data-test-id="canvas-node"][data-node-name="${nodeName}"]`);
	await node.waitFor({ state: 'visible', timeout: 60_000 });
	await closeToasts(page);
	await node.dblclick();
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.waitFor({ state: 'visible' });
	await page.locator('[data-test-id="node-parameters"] [data-test-id="parameter-input"]').first().waitFor({ state: 'visible' });
	// Let the metric picker, the expression previews and the credential select settle.
	await page.waitForTimeout(1500);
	await closeToasts(page);
	await page.mouse.move(2, 2);
	return ndv;
}

/** Bounding boxes (page coordinates) of the panel parts the screenshots are cut from. */
async function panelGeometry(page) {
	return page.locator('[data-test-id="node-parameters"]').evaluate((params) => {
		const box = (el) => {
			const r = el.getBoundingClientRect();
			return { x: r.x, y: r.y, width: r.width, height: r.height, right: r.right, bottom: r.bottom };
		};
		const main = params.closest('[class*="_mainPanel_"]') || params.parentElement;
		const input = document.querySelector('[data-test-id="ndv-input-panel"]');
		// The bottom of the last visible parameter (the list itself is stretched to the panel's height).
		let last = 0;
		for (const el of params.querySelectorAll('[data-test-id="parameter-item"]')) {
			const r = el.getBoundingClientRect();
			if (r.height > 0 && r.width > 0) last = Math.max(last, r.bottom);
		}
		return { main: box(main), params: box(params), input: input ? box(input) : null, lastBottom: last || box(params).bottom, overflow: params.scrollHeight - params.clientHeight };
	});
}

/**
 * The input panel (with the mapped data) and the parameter column, from the panel header down to just below the
 * last parameter. The empty output panel is left out.
 */
async function shootPanel(page, file) {
	// The "go to the previous node" button floats over the input panel's left edge.
	await page.addStyleTag({ content: '[data-test-id="floating-nodes"] { visibility: hidden !important; }' });
	let g = await panelGeometry(page);
	if (g.overflow > 0) {
		// The parameter column scrolls inside the panel: grow the page until it does not.
		const vp = page.viewportSize();
		await page.setViewportSize({ width: vp.width, height: vp.height + g.overflow + 100 });
		await page.waitForTimeout(500);
		g = await panelGeometry(page);
	}
	// Tight at the left and top: the floating parent-node button and "Back to canvas" sit just outside.
	const x = g.input ? Math.max(0, g.input.x - 1) : g.main.x;
	const y = Math.max(0, g.main.y - 1);
	const clip = { x, y, width: g.main.right + 8 - x, height: Math.min(g.main.bottom, g.lastBottom + 24) - y };
	await page.screenshot({ path: file, clip });
	return { clip: `${Math.round(clip.width)}x${Math.round(clip.height)}`, overflow: g.overflow };
}

async function parameterLabels(page) {
	const texts = await page.locator('[data-test-id="node-parameters"] label.n8n-input-label:visible').allInnerTexts();
	return texts.map((t) => t.split('\n')[0].trim()).filter(Boolean);
}

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	const t0 = Date.now();
	assertBuilt();
	if (!fs.existsSync(opts.chromium)) throw new Error(`No Chromium at ${opts.chromium}: bash e2e/journeys/install-chromium.sh (or pass --chromium PATH)`);
	fs.mkdirSync(opts.out, { recursive: true });

	const cleanup = [];
	let stopped; // one shared promise: a signal and the normal end both wait for the same cleanup
	let interrupted = null;
	const stopAll = () =>
		(stopped ||= (async () => {
			for (const fn of cleanup.reverse()) {
				try {
					await withTimeout(Promise.resolve().then(fn), 30_000, 'cleanup step');
				} catch (e) {
					log(`cleanup: ${e.message}`);
				}
			}
		})());
	for (const sig of ['SIGINT', 'SIGTERM']) {
		process.on(sig, () => {
			if (interrupted) return;
			interrupted = sig;
			log(`${sig}: stopping Chromium, n8n and the sandbox…`);
			stopAll().then(() => process.exit(130));
		});
	}
	const deadline = setTimeout(() => {
		interrupted = 'timeout';
		log(`the whole run took longer than ${fmtSecs(TOTAL_TIMEOUT_MS)}; giving up`);
		stopAll().then(() => process.exit(1));
	}, TOTAL_TIMEOUT_MS);

	const results = { shots: {}, errors: [] };
	try {
		const { sb, n8n, url } = await startEditorSession({
			flavour: 'n8n1',
			prefix: 'docs-shot-',
			keep: opts.keep,
			apiKey: SANDBOX_KEY,
			credential: CREDENTIAL,
			workflows: Object.values(WORKFLOWS),
			extraEnv: { N8N_EXPRESSION_ENGINE: 'legacy' },
			cleanup,
		});

		const rest = new N8nRest(url);
		log(`n8n owner: ${await rest.setupOwnerOrLogin(OWNER)}`);
		for (const wf of Object.values(WORKFLOWS)) await rest.getWorkflow(wf.id); // throws if the import is not visible

		const t1 = Date.now();
		const editor = await openEditor({
			url,
			cookie: rest.cookie,
			profileDir: fs.mkdtempSync(path.join(n8n.folder, 'chromium-')),
			executablePath: opts.chromium,
			viewport: VIEWPORT,
			scale: opts.scale,
			stepTimeoutMs: STEP_TIMEOUT_MS,
		});
		cleanup.push(() => editor.close());
		const { page } = editor;

		const step = async (key, fn) => {
			if (interrupted || (opts.only && !opts.only.includes(key))) return;
			const ts = Date.now();
			try {
				results.shots[key] = { ...(await withTimeout(fn(), 90_000, key)), ms: Date.now() - ts };
				log(`✓ ${key} (${fmtSecs(Date.now() - ts)})`);
			} catch (e) {
				results.errors.push(`${key}: ${e.message.split('\n')[0]}`);
				log(`✗ ${key}: ${e.message.split('\n')[0]}`);
				await page.screenshot({ path: path.join(n8n.folder, `failed-${key}.png`) }).catch(() => {});
				await page.keyboard.press('Escape').catch(() => {});
				await page.keyboard.press('Escape').catch(() => {});
			}
		};

		// 1. Send Batch: mapped fields, a property, the metric picked from the list.
		let ndv;
		await step('lago-events-panel', async () => {
			ndv = await openNodePanel(page, url, WORKFLOWS.batch.id);
			const file = path.join(opts.out, 'lago-events-panel.png');
			return { file, ...(await shootPanel(page, file)), labels: await parameterLabels(page) };
		});

		// 2. The metric picker, opened in the same panel: the metrics come from the sandbox.
		await step('lago-metric-picker', async () => {
			if (!ndv || !(await ndv.isVisible())) ndv = await openNodePanel(page, url, WORKFLOWS.batch.id);
			const item = page.locator('[data-test-id="parameter-item"]', { has: page.locator('[data-test-id="parameter-input-code"]') }).first();
			await item.locator('[data-test-id="rlc-input"]').click();
			const popover = page.locator('.el-popover:visible', { has: page.locator('[data-test-id="rlc-search"]') }).first();
			await popover.locator('[data-test-id="rlc-item"]').first().waitFor({ state: 'visible' });
			// The saved choice shows at once; the list from Lago (the sandbox has 15 metrics) arrives a moment later.
			await page
				.waitForFunction(() => [...document.querySelectorAll('.el-popover [data-test-id="rlc-item"]')].filter((el) => el.offsetParent).length > 1, null, { timeout: STEP_TIMEOUT_MS })
				.catch(() => {});
			await page.waitForTimeout(400);
			const items = await popover.locator('[data-test-id="rlc-item"]').allInnerTexts();
			const g = await panelGeometry(page);
			const top = await item.boundingBox();
			const pop = await popover.boundingBox();
			const y = top.y - 12;
			const clip = { x: g.main.x, y, width: g.main.width, height: pop.y + pop.height + 12 - y };
			const file = path.join(opts.out, 'lago-metric-picker.png');
			await page.screenshot({ path: file, clip });
			await page.keyboard.press('Escape');
			if (items.length < 2) throw new Error(`the metric list did not load from the sandbox (items: ${JSON.stringify(items)})`);
			return { file, items };
		});

		// 3. The credential dialog (Self-Hosted), opened from the node; n8n tests the connection when it opens.
		await step('lago-credential', async () => {
			if (!ndv || !(await ndv.isVisible())) ndv = await openNodePanel(page, url, WORKFLOWS.batch.id);
			await page.locator('[data-test-id="credential-edit-button"]').first().click();
			const body = page.locator('[data-test-id="credential-edit-dialog"]');
			await body.waitFor({ state: 'visible' });
			const tested = await page
				.getByText('Connection tested successfully')
				.first()
				.waitFor({ state: 'visible', timeout: 15_000 })
				.then(
					() => true,
					() => false,
				);
			await page.waitForTimeout(300);
			await page.mouse.move(2, 2);
			const dialog = page.locator('.el-dialog', { has: body });
			const file = path.join(opts.out, 'lago-credential.png');
			await dialog.screenshot({ path: file });
			const text = await dialog.innerText();
			await page.keyboard.press('Escape');
			await body.waitFor({ state: 'hidden', timeout: 5000 }).catch(() => {});
			if (!/Self-Hosted/.test(text) && !/Base URL/.test(text)) throw new Error('the dialog does not show the Self-Hosted fields');
			if (!tested) throw new Error('the credential dialog did not show "Connection tested successfully"');
			return { file, tested };
		});

		// 4. Send: the same fields, one request per item.
		await step('lago-events-send', async () => {
			ndv = await openNodePanel(page, url, WORKFLOWS.send.id);
			const file = path.join(opts.out, 'lago-events-send.png');
			return { file, ...(await shootPanel(page, file)), labels: await parameterLabels(page) };
		});

		// 5. A node just added (nothing filled in): what a new user sees, placeholders and hints included.
		await step('lago-events-new', async () => {
			ndv = await openNodePanel(page, url, WORKFLOWS.fresh.id);
			const file = path.join(opts.out, 'lago-events-new.png');
			return { file, ...(await shootPanel(page, file)), labels: await parameterLabels(page) };
		});
		// 6. The Lago Trigger: the event-type picker, the signature algorithm and the options.
		await step('lago-trigger-panel', async () => {
			ndv = await openNodePanel(page, url, WORKFLOWS.trigger.id, TRIGGER_NAME);
			const file = path.join(opts.out, 'lago-trigger-panel.png');
			const labels = await parameterLabels(page);
			if (!labels.includes('Events') || !labels.includes('Signature Algorithm')) throw new Error(`the trigger panel shows ${JSON.stringify(labels)}`);
			return { file, ...(await shootPanel(page, file)), labels };
		});
		// 7. Customer Usage > Get Current, and its subscription picker: the subscriptions of the customer typed above.
		await step('lago-customer-usage', async () => {
			ndv = await openNodePanel(page, url, WORKFLOWS.usage.id);
			const file = path.join(opts.out, 'lago-customer-usage.png');
			return { file, ...(await shootPanel(page, file)), labels: await parameterLabels(page) };
		});
		await step('lago-subscription-picker', async () => {
			if (!ndv || !(await ndv.isVisible())) ndv = await openNodePanel(page, url, WORKFLOWS.usage.id);
			const { item, popover, items } = await openPicker(page, 'externalSubscriptionId', 1);
			const g = await panelGeometry(page);
			const top = await item.boundingBox();
			const pop = await popover.boundingBox();
			const y = top.y - 12;
			const clip = { x: g.main.x, y, width: g.main.width, height: pop.y + pop.height + 12 - y };
			const file = path.join(opts.out, 'lago-subscription-picker.png');
			await page.screenshot({ path: file, clip });
			await page.keyboard.press('Escape');
			if (!items.some((t) => t.includes('sub_demo_2'))) throw new Error(`the subscription list did not show cus_demo_2's subscription (items: ${JSON.stringify(items)})`);
			if (items.some((t) => t.includes('sub_demo_1'))) throw new Error(`the subscription list shows another customer's subscription (items: ${JSON.stringify(items)})`);
			return { file, items };
		});
		results.browserMs = Date.now() - t1;
		results.sandboxRequests = sb.requests.map((r) => `${r.method} ${r.path} → ${r.status}`).slice(0, 20);
	} catch (e) {
		results.errors.push(e.message);
		log(`docs screenshots failed: ${e.message}`);
	} finally {
		clearTimeout(deadline);
		await stopAll();
	}
	if (interrupted) return; // the signal or timeout handler exits
	results.totalMs = Date.now() - t0;
	if (opts.report) fs.writeFileSync(opts.report, JSON.stringify(results, null, 2) + '\n');
	for (const s of Object.values(results.shots)) {
		const extra = s.items ? `${s.items.length} entries: ${s.items.slice(0, 3).join(', ')}, …` : s.clip ? `${s.clip}, ${s.labels.length} fields` : '';
		console.log(`✓ ${path.relative(process.cwd(), s.file)}${extra ? `  (${extra})` : ''}`);
	}
	for (const e of results.errors) console.log(`✗ ${e}`);
	console.log(`${results.errors.length ? 'DOCS SCREENSHOTS FAILED' : 'docs screenshots written'} in ${fmtSecs(results.totalMs)}`);
	process.exit(results.errors.length ? 1 : 0);
}

if (require.main === module) {
	main().catch((e) => {
		console.error(`docs-screenshot failed: ${e.message}`);
		process.exit(1);
	});
}

module.exports = { WORKFLOWS, CREDENTIAL, SANDBOX_KEY, OWNER };
