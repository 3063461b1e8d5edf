'use strict';
// n8n's editor in headless Chromium: Debian's `chromium` driven by playwright-core (Playwright's own browser download
// is not used). The page is logged in with the cookie of an N8nRest owner login, so no login screen is clicked.
// Selectors are the ones that hold in both n8n 1.123 and 2.41 (see e2e/journeys/README.md).

const fs = require('fs');
const path = require('path');

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Launches Chromium on a fresh profile in `profileDir` with the REST login's cookie for `url`.
 * @returns {Promise<{ context: import('playwright-core').BrowserContext, page: import('playwright-core').Page, close: () => Promise<void> }>}
 */
async function openEditor({ url, cookie, profileDir, executablePath = CHROMIUM, viewport = { width: 1600, height: 1000 }, scale = 1, stepTimeoutMs = 20_000 }) {
	let chromium;
	try {
		({ chromium } = require('playwright-core'));
	} catch {
		throw new Error('playwright-core is not installed: npm install --save-dev playwright-core');
	}
	if (!fs.existsSync(executablePath)) throw new Error(`No Chromium at ${executablePath}: apt-get install -y --no-install-recommends chromium fonts-liberation`);
	fs.mkdirSync(profileDir, { recursive: true });
	const context = await chromium.launchPersistentContext(profileDir, {
		executablePath,
		headless: true,
		args: CHROMIUM_ARGS,
		viewport,
		deviceScaleFactor: scale,
		timeout: 60_000,
		// Playwright's own handlers would kill Chromium and exit at once, before n8n and the sandbox are stopped.
		handleSIGINT: false,
		handleSIGTERM: false,
		handleSIGHUP: false,
	});
	context.setDefaultTimeout(stepTimeoutMs);
	// The REST login's cookie (no browser-id binding) is accepted for the SPA's own requests.
	const [name, ...value] = cookie.split('=');
	await context.addCookies([{ name, value: value.join('='), url }]);
	const page = context.pages()[0] || (await context.newPage());
	return { context, page, close: () => context.close() };
}

/** Closes n8n's toasts, which cover the output panel. */
async function closeToasts(page) {
	for (const btn of await page.locator('.el-notification .el-notification__closeBtn').all()) {
		await btn.click({ timeout: 2000 }).catch(() => {});
	}
}

const canvasNode = (page, name) => page.locator(`[data-test-id="canvas-node"][data-node-name="${name}"]`);

/** Opens a workflow and waits until its canvas shows `nodeName`. */
async function openWorkflow(page, baseUrl, workflowId, nodeName) {
	await page.goto(`${baseUrl}/workflow/${workflowId}`, { waitUntil: 'domcontentloaded', timeout: 60_000 });
	const node = canvasNode(page, nodeName);
	await node.waitFor({ state: 'visible', timeout: 60_000 });
	if (/\/signin|\/setup/.test(page.url())) throw new Error(`n8n showed ${page.url()} instead of the workflow (not logged in)`);
	await closeToasts(page);
	return node;
}

/** Double-clicks a canvas node and waits for its parameter panel (NDV). */
async function openNode(page, nodeName) {
	await canvasNode(page, nodeName).dblclick();
	const ndv = page.locator('[data-test-id="ndv"]');
	await ndv.waitFor({ state: 'visible' });
	await page.locator('[data-test-id="node-parameters"] [data-test-id="parameter-input"]').first().waitFor({ state: 'visible' });
	return ndv;
}

/** The parameter row of `name` within `scope` (the page, the panel, a dialog or a collection). */
function parameterItem(scope, name) {
	// `has` is matched inside each row, so it must be a locator from the page's root, not from `scope`.
	const root = typeof scope.page === 'function' ? scope.page() : scope;
	return scope.locator('[data-test-id="parameter-item"]', { has: root.locator(`[data-test-id="parameter-input-${name}"]`) }).first();
}

/**
 * Opens a resource locator's "From List" dropdown and waits until at least `minItems` entries show. Returns their
 * texts and `pick(text)`, which clicks the entry containing `text`. (The dropdown is an .el-popover in n8n 1.x and
 * another popover in 2.x; the entries are rlc-item in both.)
 */
async function openPicker(page, parameterName, minItems = 1) {
	const item = parameterItem(page, parameterName);
	await item.locator('[data-test-id="rlc-input"]').click();
	const entries = page.locator('[data-test-id="rlc-item"]:visible');
	// The saved choice can show at once; Lago's list (from the sandbox) arrives a moment later.
	await entries.nth(minItems - 1).waitFor();
	return { item, entries, items: await entries.allInnerTexts(), pick: (text) => entries.filter({ hasText: text }).first().click() };
}

/** Picks an option of an `options` parameter by its visible name. */
async function selectOption(page, scope, parameterName, optionName) {
	await scope.locator(`[data-test-id="parameter-input-${parameterName}"]`).click();
	await page.locator('.el-select-dropdown:visible .el-select-dropdown__item', { hasText: optionName }).first().click();
}

/** Screenshot of the whole page into `dir/<name>.png`; returns the file. */
async function saveShot(page, dir, name) {
	fs.mkdirSync(dir, { recursive: true });
	const file = path.join(dir, `${name}.png`);
	await closeToasts(page);
	await page.mouse.move(2, 2);
	await page.screenshot({ path: file });
	return file;
}

module.exports = { CHROMIUM, openEditor, closeToasts, canvasNode, openWorkflow, openNode, parameterItem, openPicker, selectOption, saveShot };
