'use strict';
// The no-code journeys (issue 22), clicked in n8n's editor in headless Chromium, on n8n 1.x and 2.x, with the Lago
// sandbox behind n8n. Each journey asserts what the user sees, and what Lago (the sandbox) received; the last step of
// each is saved as a screenshot in .tmp/journeys/<n8n1|n8n2>/. Labels, display names and action names are read from
// the built node descriptions (dist/), so the journeys follow the panels when their wording changes.
//
// Waits are on UI state (a selector, a text, an item count) or on the sandbox's state, never on time.

const fs = require('fs');
const path = require('path');
const { startEditorSession } = require('../../n8n-harness/editor-session');
const { N8nRest } = require('../../n8n-harness/rest');
const { FLAVOURS, tarballOnce } = require('../../n8n-harness/fixture');
const { log } = require('../../n8n-harness/proc');
const B = require('../../n8n-harness/browser');
const { descriptions, prop, option, workflows, CREDENTIAL, RECORDS, SOURCE } = require('./workflows');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SHOTS = path.join(REPO_ROOT, '.tmp', 'journeys');
const DOCS_IMAGES = path.join(REPO_ROOT, 'docs', 'images');
const API_KEY = 'lago-journey-key';
const OWNER = { email: 'journeys@example.com', password: 'Lago-Journey-2026', firstName: 'Journey', lastName: 'Owner' };

/** Polls a condition on the sandbox (not the UI) until it holds; what the user cannot see is checked this way. */
async function until(what, fn, timeoutMs = 30_000) {
	const started = Date.now();
	for (;;) {
		if (await fn()) return;
		if (Date.now() - started > timeoutMs) throw new Error(`${what}: not after ${timeoutMs / 1000} s`);
		await new Promise((r) => setTimeout(r, 100));
	}
}

/** Switches a parameter to Expression and types `{{ <expr> }}` the way a user does (n8n closes the braces). */
async function typeExpression(page, item, expr) {
	await item.locator('[data-test-id^="parameter-input-"]').first().hover();
	await item.locator('[data-test-id="radio-button-expression"]').first().click();
	const editor = item.locator('[data-test-id="inline-expression-editor-input"]').first();
	await editor.click();
	await page.keyboard.press('ControlOrMeta+a');
	await page.keyboard.type('{{');
	await page.keyboard.type(expr);
	return editor;
}

describe.each(FLAVOURS)('No-code journeys in %s (headless Chromium)', (label, key) => {
	const shots = path.join(SHOTS, key);
	/**
	 * A journey's last step, kept as a test artifact; with LAGO_DOCS_IMAGES=1 (npm run docs:screenshot) n8n 1.x's also
	 * becomes the README's image docs/images/journey-<name>.png, so the README shows what the journeys check.
	 */
	const shot = async (name) => {
		const file = await B.saveShot(page, shots, name);
		if (process.env.LAGO_DOCS_IMAGES === '1' && key === 'n8n1') fs.copyFileSync(file, path.join(DOCS_IMAGES, `journey-${name}.png`));
	};
	const cleanup = [];
	let d, wf, nodeName, triggerName;
	let sb;
	let url;
	let page;

	beforeAll(async () => {
		await tarballOnce(); // builds first when dist/ is missing
		d = descriptions();
		wf = workflows(d);
		nodeName = d.events.defaults.name;
		triggerName = d.trigger.defaults.name;
		let n8n;
		({ sb, n8n, url } = await startEditorSession({ flavour: key, prefix: 'journeys-', apiKey: API_KEY, credential: CREDENTIAL, workflows: Object.values(wf), cleanup }));
		const rest = new N8nRest(url);
		await rest.setupOwnerOrLogin(OWNER);
		const editor = await B.openEditor({ url, cookie: rest.cookie, profileDir: path.join(n8n.folder, 'chromium'), viewport: { width: 1600, height: 1100 } });
		cleanup.push(() => editor.close());
		page = editor.page;
		// Leaving a workflow with unsaved changes asks first (beforeunload); a user answers Leave.
		page.on('dialog', (dialog) => dialog.accept().catch(() => {}));
	}, 600_000);

	afterAll(async () => {
		for (const fn of cleanup.reverse()) {
			try {
				await fn();
			} catch (e) {
				log(`journeys cleanup: ${e.message}`);
			}
		}
	}, 120_000);

	// A failed journey leaves its page behind for the reader, then the next journey starts from a fresh page load.
	afterEach(async () => {
		const name = expect.getState().currentTestName.replace(/^.*› /, '').replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
		if (page) await B.saveShot(page, path.join(shots, 'last-page'), name).catch(() => {});
	});

	test('1. create the Lago credential: a wrong key shows the fix-it message, the right key tests OK', async () => {
		const cred = d.credential;
		const region = prop(cred, 'region');
		await B.openWorkflow(page, url, wf.credential.id, nodeName);
		await B.openNode(page, nodeName);
		await page.locator('[data-test-id="node-credentials-select"]').click();
		await page.locator('.el-select-dropdown:visible').getByText('Create new credential').click();
		const dialog = page.locator('[data-test-id="credential-edit-dialog"]');
		await dialog.waitFor();
		// Lago Cloud (EU) is the region a cloud user picks; the journey then points the node at the sandbox, since tests
		// talk only to 127.0.0.1 (Self-Hosted with its URL): the same dialog, one more field.
		await B.selectOption(page, dialog, 'region', option(region, 'eu').name);
		await dialog.locator('[data-test-id="parameter-input-baseUrl"]').waitFor({ state: 'detached' });
		await B.selectOption(page, dialog, 'region', option(region, 'custom').name);
		await dialog.locator('[data-test-id="parameter-input-baseUrl"] input').fill(sb.url);
		await dialog.locator('[data-test-id="parameter-input-apiKey"] input').fill('not-the-key');
		await page.locator('[data-test-id="credential-save-button"]').click();
		await dialog.getByText('More details').click();
		// n8n 1.123 shows its own words for a 401; 2.x shows the credential's fix-it message (e2e/README.md).
		const rule = cred.test.rules.find((r) => r.properties.value === 401).properties.message;
		const wrongKey = key === 'n8n1' ? 'Authorization failed - please check your credentials' : rule;
		await dialog.getByText(wrongKey).waitFor();
		await dialog.locator('[data-test-id="parameter-input-apiKey"] input').fill(API_KEY);
		await page.locator('[data-test-id="credential-save-button"]').click();
		// n8n 1.x keeps the dialog open and says so; 2.x closes it once the saved credential tests OK, and the node
		// shows it selected with no issue.
		const tested = dialog.getByText('Connection tested successfully');
		await Promise.race([tested.waitFor().catch(() => {}), dialog.waitFor({ state: 'hidden' }).catch(() => {})]);
		if (await dialog.isVisible()) {
			await tested.waitFor();
			await shot('1-credential');
			await page.keyboard.press('Escape');
			await dialog.waitFor({ state: 'hidden' });
		} else {
			await shot('1-credential');
		}
		const selected = await page.locator('[data-test-id="node-credentials-select"] input').first().inputValue();
		expect(selected).not.toBe(CREDENTIAL.name);
		expect(selected).not.toBe('');
		expect(await page.locator('[data-test-id="ndv"] [data-test-id="node-credentials-select"] ~ * [data-test-id="parameter-issues"]').count()).toBe(0);
		const tests = sb.requests.filter((r) => r.path.includes('/billable_metrics')).map((r) => r.status);
		expect(tests).toContain(401);
		expect(tests[tests.length - 1]).toBe(200);
	});

	test('2. add Lago › Send Batch after a Code node, pick the metric, map with expressions, execute: one item per input, stored in Lago', async () => {
		const operation = prop(d.events, 'operation', { resource: 'event' });
		const action = option(operation, 'createBatch').action;
		await B.openWorkflow(page, url, wf.batch.id, SOURCE);
		await page.locator(`[data-test-id="canvas-node"][data-node-name="${SOURCE}"]`).hover();
		await page.locator('[data-test-id="canvas-handle-plus"]').first().click();
		const creator = page.locator('[data-test-id="node-creator"]');
		await creator.waitFor();
		await page.keyboard.type(d.events.displayName);
		await creator.locator('[data-test-id="node-creator-item-name"]', { hasText: new RegExp(`^${d.events.displayName}$`) }).first().click();
		await creator.getByText(action, { exact: true }).click();
		const ndv = page.locator('[data-test-id="ndv"]');
		await ndv.locator('[data-test-id="parameter-input-code"]').waitFor();
		// n8n picks the only credential of the type by itself.
		expect(await page.locator('[data-test-id="node-credentials-select"] input').first().inputValue()).not.toBe('');
		// See the input first, as a user mapping fields does.
		await ndv.getByText('Execute previous nodes').first().click();
		await ndv.locator('[data-test-id="ndv-input-panel"]').getByText(RECORDS[0].record_id).first().waitFor();

		const metrics = await B.openPicker(page, 'code', 2);
		await metrics.pick('(storage_gb)');
		const inputValues = (item) => item.evaluate((el) => [...el.querySelectorAll('input')].map((i) => i.value).join(' '));
		await until('the picked metric shows in the field', async () => (await inputValues(B.parameterItem(ndv, 'code'))).includes('storage_gb'));

		const sub = B.parameterItem(ndv, 'externalSubscriptionId');
		await typeExpression(page, sub, '$json.sub');
		await sub.filter({ hasText: RECORDS[0].sub }).waitFor(); // the expression's preview, from the first input item
		await ndv.locator('[data-test-id="fixed-collection-add"]').first().click();
		const properties = ndv.locator('[data-test-id="fixed-collection-properties"]');
		await properties.locator('[data-test-id="parameter-input-key"] input').fill('gb');
		await ndv.locator('[data-test-id="node-parameters"]').getByText(prop(d.events, 'propertiesInput', { operation: 'createBatch' }).displayName, { exact: true }).click();
		const value = B.parameterItem(properties, 'value');
		await typeExpression(page, value, '$json.gb');
		await value.filter({ hasText: String(RECORDS[0].gb) }).waitFor();
		await ndv.locator('[data-test-id="node-parameters"]').getByText(prop(d.events, 'propertiesInput', { operation: 'createBatch' }).displayName, { exact: true }).click();

		const before = sb.events.length;
		await ndv.locator('[data-test-id="node-execute-button"]').click();
		const out = ndv.locator('[data-test-id="output-panel"]');
		await out.locator('[data-test-id="ndv-items-count"]', { hasText: `${RECORDS.length} items` }).waitFor();
		expect(await out.locator('[data-test-id="node-error-message"]').count()).toBe(0);
		await shot('2-send-batch');
		const stored = sb.events.slice(before);
		expect(stored.map((e) => [e.external_subscription_id, e.code, e.properties])).toEqual(RECORDS.map((r) => [r.sub, 'storage_gb', { gb: r.gb }]));
	});

	test('3. Customer Usage › Get Current: pick the subscription from the picker; Simplify shows one row per charge', async () => {
		await B.openWorkflow(page, url, wf.usage.id, nodeName);
		const ndv = await B.openNode(page, nodeName);
		const { items, pick } = await B.openPicker(page, 'externalSubscriptionId', 1);
		expect(items.join('\n')).toContain('sub_demo_2');
		expect(items.join('\n')).not.toContain('sub_demo_1'); // another customer's
		await pick('sub_demo_2');
		await ndv.locator('[data-test-id="node-execute-button"]').click();
		const usage = await fetch(`${sb.apiUrl}/customers/cus_demo_2/current_usage?external_subscription_id=sub_demo_2`, { headers: { authorization: `Bearer ${API_KEY}` } }).then((r) => r.json());
		const charges = usage.customer_usage.charges_usage.length;
		expect(charges).toBeGreaterThan(1);
		const out = ndv.locator('[data-test-id="output-panel"]');
		await out.locator('[data-test-id="ndv-items-count"]', { hasText: `${charges} items` }).waitFor();
		await shot('3-customer-usage');
	});

	test('4. Lago Trigger: read the guidance, listen, a signed events.errors shows its items; listening ends and stopping removes the test endpoint', async () => {
		await B.openWorkflow(page, url, wf.trigger.id, triggerName);
		const ndv = await B.openNode(page, triggerName);
		const notice = prop(d.trigger, 'testListenNotice');
		await ndv.getByText(notice.displayName.slice(0, 60)).first().waitFor();
		const testEndpoints = () => [...sb.webhooks.endpoints.values()].filter((e) => e.webhook_url.includes('/webhook-test/'));

		await ndv.locator('[data-test-id="node-execute-button"]').click();
		// n8n's own words in both versions: it does not show the node's eventTriggerDescription for a webhook trigger.
		await ndv.getByText('Listening for test event').first().waitFor();
		await until('the test endpoint registered in Lago', () => testEndpoints().length === 1);
		const ts = Math.floor(Date.now() / 1000) - 60;
		for (const event of [
			{ transaction_id: `journey-typo-${ts}`, external_subscription_id: 'sub_demo_1', code: 'api_call', timestamp: ts },
			{ transaction_id: `journey-unknown-${ts}`, external_subscription_id: 'sub_demo_1', code: 'made_up_metric', timestamp: ts },
		]) {
			const res = await fetch(`${sb.apiUrl}/events`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ event }) });
			expect(res.status).toBe(200);
		}
		const fired = await sb.webhooks.sendEventsErrors(sb.events);
		expect(fired.deliveries.flatMap((x) => x.attempts.map((a) => a.status))).toEqual([200]);
		const out = ndv.locator('[data-test-id="output-panel"]');
		await out.locator('[data-test-id="ndv-items-count"]', { hasText: '2 items' }).waitFor();
		await out.getByText(`journey-typo-${ts}`).first().waitFor();
		// One test event ends the listen, and n8n removes the test webhook: the trigger deletes it from Lago.
		await until('the test endpoint removed from Lago after the test event', () => testEndpoints().length === 0);

		// Listen again and stop by hand, once the editor has finished the first listen (a click while it is still
		// closing that execution starts nothing in n8n 2.x).
		await ndv.getByText('Listening for test event').first().waitFor({ state: 'hidden' });
		await ndv.locator('[data-test-id="node-execute-button"]').click();
		await ndv.getByText('Listening for test event').first().waitFor();
		await until('the test endpoint registered again', () => testEndpoints().length === 1);
		await ndv.getByRole('button', { name: /stop listening/i }).first().click();
		await until('the test endpoint removed from Lago after Stop Listening', () => testEndpoints().length === 0);
		await ndv.locator('[data-test-id="node-execute-button"]').waitFor();
		await shot('4-trigger');
	});

	test('5. a timestamp like "yesterday" with Continue On Fail off: the editor shows the error, its item and the fix', async () => {
		await B.openWorkflow(page, url, wf.badInput.id, nodeName);
		const ndv = await B.openNode(page, nodeName);
		// Timestamp is mapped from the input item, whose date is "yesterday" (the date picker itself refuses free text).
		await ndv.locator('[data-test-id="node-parameters"]').getByText(prop(d.events, 'timestamp', { operation: 'create' }).displayName, { exact: true }).waitFor();
		const before = sb.events.length;
		await ndv.locator('[data-test-id="node-execute-button"]').click();
		const message = ndv.locator('[data-test-id="node-error-message"]');
		await message.waitFor();
		expect(await message.innerText()).toMatch(/"yesterday".*item 0/s);
		expect(await ndv.locator('[data-test-id="node-error-description"]').innerText()).toContain('ISO 8601');
		expect(sb.events.length).toBe(before);
		await shot('5-bad-timestamp');
	});
});
