#!/usr/bin/env node
'use strict';
/**
 * Issue 19's figures for the Lago Trigger, re-measured through n8n-core's WebhookContext against the sandbox:
 *   1. key fetches caused by 50 concurrent forged requests (cached key older than a minute; no key yet, as after a
 *      restart; key route answering 403; key route answering 500);
 *   2. heap held after 10,000 hostile replays with 15,000-character unique keys (after a forced GC), and the size of
 *      what the trigger keeps (static data, per-process records);
 *   3. verification cost per genuine delivery, JWT and HMAC, 1 KB and 100 KB bodies: the signature check alone, and
 *      the whole delivery (verify, organisation, records, items).
 * Usage: node --expose-gc bench/trigger.js
 */
const os = require('os');
const path = require('path');
const fs = require('fs');

process.env.N8N_USER_FOLDER = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-trigger-'));
process.env.N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS = 'false';
require('./lib/tsRequire');
const crypto = require('crypto');
const { startSandbox, signJwt, signHmac, ORGANIZATION_ID } = require('../sandbox');
const { TriggerUnderTest, API_KEY } = require('../test/trigger/harness.ts');
const { clearPublicKeyCache, getPublicKey } = require('../nodes/LagoTrigger/publicKey.ts');
const { clearProcessRecords, processRecordCount } = require('../nodes/LagoTrigger/deliveries.ts');
const { verifyJwt, verifyHmac, parsePublicKey } = require('../nodes/LagoTrigger/signature.ts');

const HMAC_KEY = 'bench-hmac-key';
const attacker = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const mb = (n) => `${(n / 1024 / 1024).toFixed(1)} MB`;

function body(size = 0, n = 0) {
	const base = { webhook_type: 'invoice.created', object_type: 'invoice', organization_id: ORGANIZATION_ID, invoice: { lago_id: `inv_${n}`, fees: [] } };
	while (JSON.stringify(base).length < size) base.invoice.fees.push({ lago_id: crypto.randomUUID(), amount_cents: 1234, item: { code: 'api_calls' } });
	return JSON.stringify(base);
}

async function main() {
	const sandbox = await startSandbox({ apiKey: API_KEY, webhookHmacKey: HMAC_KEY });
	const credentials = { region: 'custom', baseUrl: sandbox.url, apiKey: API_KEY, webhookHmacKey: HMAC_KEY };
	const keyFetches = () => sandbox.requests.filter((r) => /public_key$/.test(r.path)).length;
	const forged = (text) => ({
		'X-Lago-Signature': signJwt({ data: text }, attacker.privateKey),
		'X-Lago-Signature-Algorithm': 'jwt',
		'X-Lago-Unique-Key': crypto.randomUUID(),
	});
	const jwtTrigger = new TriggerUnderTest({ events: ['*'], signatureAlgorithm: 'jwt', options: {} }, credentials, { workflowId: 'bench-jwt' });
	await jwtTrigger.activate();

	console.log('1. Public key fetches for 50 concurrent forged requests');
	const realNow = Date.now;
	const cases = [
		['cached key older than a minute', () => (Date.now = () => realNow() + 120_000)],
		['no key yet (after a restart)', () => clearPublicKeyCache()],
		['key route answers 403, no key yet', () => (clearPublicKeyCache(), sandbox.webhooks.configure({ deniedResources: ['webhook_jwt_public_key'] }))],
		['key route answers 500, no key yet', () => (clearPublicKeyCache(), sandbox.webhooks.configure({ publicKeyStatus: 500 }))],
	];
	for (const [name, arrange] of cases) {
		sandbox.webhooks.configure({ deniedResources: [], publicKeyStatus: null });
		Date.now = realNow;
		await getPublicKey.call({ getNode: () => jwtTrigger.node }, sandbox.apiUrl).catch(() => undefined);
		arrange();
		const before = keyFetches();
		const results = await Promise.all(Array.from({ length: 50 }, (_, i) => jwtTrigger.deliver({ body: body(0, i), headers: forged(body(0, i)) })));
		const statuses = Array.from(new Set(results.map((r) => r.status))).join('/');
		console.log(`   ${name}: ${keyFetches() - before} fetch(es), answers ${statuses}`);
	}
	Date.now = realNow;
	sandbox.webhooks.configure({ deniedResources: [], publicKeyStatus: null });
	clearPublicKeyCache();

	console.log('2. Heap after 10,000 hostile replays with 15,000-character unique keys (HMAC trigger)');
	const hmacTrigger = new TriggerUnderTest({ events: ['*'], signatureAlgorithm: 'hmac', options: {} }, credentials, { workflowId: 'bench-hmac' });
	await hmacTrigger.activate();
	const captured = body(1000, 1);
	const sig = signHmac(captured, HMAC_KEY);
	const first = await hmacTrigger.deliver({ body: captured, headers: { 'X-Lago-Signature': sig, 'X-Lago-Signature-Algorithm': 'hmac', 'X-Lago-Unique-Key': 'genuine' } });
	global.gc();
	const heapBefore = process.memoryUsage().heapUsed;
	let started = 0;
	for (let i = 0; i < 10_000; i++) {
		const r = await hmacTrigger.deliver({ body: captured, headers: { 'X-Lago-Signature': sig, 'X-Lago-Signature-Algorithm': 'hmac', 'X-Lago-Unique-Key': `${i}-${'k'.repeat(15_000)}` } });
		if (r.items) started++;
		// The harness keeps each request's log lines; n8n does not. Drop them so they are not counted.
		hmacTrigger.logs.length = 0;
	}
	global.gc();
	const heapAfter = process.memoryUsage().heapUsed;
	console.log(`   genuine delivery started ${first.items ? 1 : 0} run; replays started ${started} runs`);
	console.log(`   heap held: ${mb(heapAfter - heapBefore)} (${mb(heapBefore)} -> ${mb(heapAfter)})`);
	console.log(`   static data of the trigger: ${JSON.stringify(hmacTrigger.savedStaticData()).length} bytes; per-process records: ${processRecordCount()}`);
	console.log('   bound: 2,000 records per trigger x about 40 bytes in static data (~80 KB), the same again per process, whatever the keys\' length');

	console.log('3. Verification cost per genuine delivery (median of 200 runs)');
	const key = parsePublicKey(sandbox.webhooks.publicKeyPem);
	for (const size of [1024, 100 * 1024]) {
		const text = body(size, size);
		const raw = Buffer.from(text);
		const token = signJwt({ data: text, iss: 'http://lago' }, sandbox.webhooks.keys.privateKey);
		const mac = signHmac(text, HMAC_KEY);
		const median = (fn) => {
			const times = [];
			for (let i = 0; i < 200; i++) {
				const t = process.hrtime.bigint();
				if (!fn()) throw new Error('verification failed');
				times.push(Number(process.hrtime.bigint() - t) / 1000);
			}
			times.sort((a, b) => a - b);
			return times[100].toFixed(0);
		};
		const whole = async (trigger, headersFor) => {
			const times = [];
			for (let i = 0; i < 200; i++) {
				const h = headersFor(i);
				const t = process.hrtime.bigint();
				const r = await trigger.deliver({ body: text, headers: h });
				times.push(Number(process.hrtime.bigint() - t) / 1000);
				if (i === 0 && !r.items) throw new Error('genuine delivery did not start');
				clearProcessRecords();
				trigger.staticData.deliveries = {};
			}
			times.sort((a, b) => a - b);
			return times[100].toFixed(0);
		};
		const jwtWhole = await whole(jwtTrigger, (i) => ({ 'X-Lago-Signature': token, 'X-Lago-Signature-Algorithm': 'jwt', 'X-Lago-Unique-Key': `j${i}` }));
		const hmacWhole = await whole(hmacTrigger, (i) => ({ 'X-Lago-Signature': mac, 'X-Lago-Signature-Algorithm': 'hmac', 'X-Lago-Unique-Key': `h${i}` }));
		console.log(`   ${size / 1024} KB body: JWT verify ${median(() => verifyJwt(token, raw, key))} µs, whole delivery ${jwtWhole} µs; HMAC verify ${median(() => verifyHmac(mac, raw, HMAC_KEY))} µs, whole delivery ${hmacWhole} µs (JWT header ${token.length} bytes)`);
	}
	await sandbox.stop();
	fs.rmSync(process.env.N8N_USER_FOLDER, { recursive: true, force: true });
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
