'use strict';
// n8n queue mode: main + 2 workers + Redis + Postgres, for n8n 1.x and 2.x. A webhook workflow (Webhook → Code node
// making 500 items → Lago Events Send Batch with an EMPTY Transaction ID, so the node derives the ids) is called 20
// times at once, then 20 times again with the sandbox answering 429s and 503s. Checks: 20 successful executions,
// both workers ran some, 10,000 events stored exactly once, no derived id repeats (within or across runs).
// Run with: npm run test:queue  (= bash e2e/queue/install-services.sh && jest -c e2e/queue/jest.config.js)

const fs = require('fs');
const os = require('os');
const path = require('path');
const { startSandbox, signHmac, ORGANIZATION_ID } = require('../../sandbox');
const { ensureN8n, CACHE_DIR } = require('../../n8n-harness/install');
const { FLAVOURS, tarballOnce } = require('../../n8n-harness/fixture');
const { log, fmtSecs, sleep } = require('../../n8n-harness/proc');
const { startRedis, startPostgres } = require('./services');
const { QueueCluster } = require('./cluster');

const ENABLED = Boolean(globalThis.LAGO_QUEUE_E2E) || process.env.LAGO_QUEUE_E2E === '1'; // set by e2e/queue/jest.config.js
const API_KEY = 'queue-e2e-key-7f3c9b';
const WORKFLOW = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'workflows', 'queue-webhook-batch.json'), 'utf8'));
const WEBHOOK_PATH = WORKFLOW.nodes.find((n) => n.type === 'n8n-nodes-base.webhook').parameters.path;
const DERIVED_ID = /^n8n-(\d+)-([0-9a-f]{8})-(\d+)-(\d+)$/;
const CALLS = 20;
const ITEMS = 500;
const AT_BASE = 1768471200; // the Code node's first timestamp (item i: AT_BASE + i)
const FAULTS = { seed: 20261127, rate429: 0.08, resetSeconds: 1, rate503: 0.08 };
const RUN_TIMEOUT_MS = 150_000;
const TERMINAL = new Set(['success', 'error', 'crashed', 'canceled']);
const KEEP = Boolean(process.env.LAGO_E2E_KEEP);
// The Lago Trigger (node version 2, HMAC) taking Lago's deliveries on two `n8n webhook` processes.
const HMAC_KEY = 'queue-e2e-hmac-key-19';
const TRIGGER_WF = {
	id: 'lagoQueueTrig001',
	name: 'Lago Trigger (queue e2e)',
	nodes: [
		{
			parameters: { events: ['invoice.created'], options: {} },
			id: 'lagoQueueTrig001-node',
			name: 'Lago Trigger',
			type: 'n8n-nodes-lago.lagoTrigger',
			typeVersion: 2,
			position: [0, 0],
			webhookId: 'a19a19a1-0001-4000-8000-0000000c0001',
			credentials: { lagoApi: { id: 'lagoQueueCred001', name: 'Lago sandbox (queue e2e)' } },
		},
	],
	connections: {},
	settings: { executionOrder: 'v1' },
};
const TRIGGER_PATH = `${TRIGGER_WF.nodes[0].webhookId}/webhook`;
const SAME_INSTANT_TRIALS = 50;
// The second attempt sent this long after the first (to the other process): where the window closes.
const OFFSETS_MS = [25, 50, 100, 200, 400, 800];
const OFFSET_TRIALS = 10;

const allFigures = [];
// Derived ids stored by each flavour's plain run (each flavour has its own fresh Postgres): for the report only.
const plainIdsByFlavour = {};

(ENABLED ? describe.each : describe.skip.each)(FLAVOURS)('Queue mode (main + 2 workers, Redis, Postgres) in %s', (label, key) => {
	let sb;
	let baseDir;
	let redis;
	let pg;
	let cluster;
	const figures = { flavour: label };
	const runs = {}; // name -> { txIds: Set }

	beforeAll(async () => {
		await ensureN8n(key); // a no-op when .e2e-cache has it (node e2e/setup.js)
		const tarball = await tarballOnce();
		const t0 = Date.now();
		sb = await startSandbox({ port: 0, apiKey: API_KEY, webhookHmacKey: HMAC_KEY });
		baseDir = fs.mkdtempSync(path.join(os.tmpdir(), `lago-queue-${key}-`));
		fs.chmodSync(baseDir, 0o711); // postgres runs as its own user and must reach baseDir/pg
		redis = await startRedis(path.join(baseDir, 'redis'));
		pg = await startPostgres(path.join(baseDir, 'pg'));
		const tServices = Date.now();
		cluster = await QueueCluster.create(key, { tarball, baseDir, redis, pg, workers: 2, concurrency: 5, webhookProcesses: 2 });
		const tInstalled = Date.now();
		const importMs = await cluster.importAndActivate(
			[{ id: 'lagoQueueCred001', name: 'Lago sandbox (queue e2e)', type: 'lagoApi', data: { region: 'custom', baseUrl: sb.url, apiKey: API_KEY, webhookHmacKey: HMAC_KEY } }],
			[WORKFLOW, TRIGGER_WF],
		);
		const readyMs = await cluster.start();
		const webhookMs = await cluster.waitForWebhook(WEBHOOK_PATH);
		for (const h of cluster.webhookProcs) await cluster.waitForWebhook(TRIGGER_PATH, { url: h.url });
		// Main registers the trigger's endpoint with the sandbox as it activates the workflow, which can still be under
		// way when the webhooks answer. Waiting for it here keeps those requests out of the Send Batch tests' counts
		// (a CI run once saw a GET /webhook_endpoints land in the first test's request log).
		await waitForTriggerEndpoint();
		figures.setup = {
			totalSeconds: secs(Date.now() - t0),
			servicesSeconds: secs(tServices - t0),
			packageInstall3xSeconds: secs(tInstalled - tServices),
			migrationsImportActivateSeconds: secs(importMs),
			startToReadySeconds: secs(readyMs),
			readyToWebhookSeconds: secs(webhookMs),
		};
		log(`${label}: queue setup ${JSON.stringify(figures.setup)}`);
	}, 45 * 60_000);

	afterAll(async () => {
		const errors = [];
		const attempt = async (what, fn) => {
			try {
				await fn();
			} catch (e) {
				errors.push(`${what}: ${e.message}`);
			}
		};
		if (cluster) {
			figures.peakRssMiB = cluster.sampleMemory();
			await attempt('cluster', () => cluster.dispose({ keep: KEEP }));
		}
		if (pg) await attempt('postgres', () => pg.stop());
		if (redis) await attempt('redis', () => redis.stop());
		if (sb) await attempt('sandbox', () => sb.stop());
		if (baseDir && !KEEP) fs.rmSync(baseDir, { recursive: true, force: true });
		else if (baseDir) log(`keeping ${baseDir}`);
		allFigures.push(figures);
		// The whole figures go to a file; the summary table in afterAll is what a passing run prints.
		const figuresFile = path.join(CACHE_DIR, `queue-figures-${key}.json`);
		try {
			fs.mkdirSync(CACHE_DIR, { recursive: true });
			fs.writeFileSync(figuresFile, JSON.stringify({ at: new Date().toISOString(), ...figures }, null, 2));
			log(`queue figures ${label}: ${figuresFile}`);
		} catch {
			/* figures are informative */
		}
		if (errors.length) throw new Error(`teardown: ${errors.join('; ')}`);
	}, 120_000);

	const secs = (ms) => Number((ms / 1000).toFixed(1));

	async function executionsAfter(minId) {
		const rows = await pg.query(
			`select id, status, mode, finished from execution_entity where "workflowId" = '${WORKFLOW.id}' and id::bigint > ${Number(minId)} order by id::bigint`,
		);
		return rows.map(([id, status, mode, finished]) => ({ id: Number(id), status, mode, finished: finished === 't' }));
	}

	/** Fire CALLS webhook calls at once; bounded wait until all executions are terminal and the sandbox settled. */
	async function fireAndWait(name) {
		const [[maxId]] = await pg.query(`select coalesce(max(id::bigint), 0) from execution_entity`);
		const t0 = Date.now();
		const answers = await Promise.all(
			Array.from({ length: CALLS }, (_, i) =>
				fetch(`${cluster.url}/webhook/${WEBHOOK_PATH}`, {
					method: 'POST',
					headers: { 'content-type': 'application/json' },
					body: JSON.stringify({ run: name, call: i }),
					signal: AbortSignal.timeout(30_000),
				}).then(async (r) => ({ status: r.status, body: await r.text() })),
			),
		);
		const answeredMs = Date.now() - t0;
		let execs = [];
		let lastSample = 0;
		for (;;) {
			execs = await executionsAfter(maxId);
			if (Date.now() - lastSample > 1000) {
				cluster.sampleMemory();
				lastSample = Date.now();
			}
			if (execs.length >= CALLS && execs.every((e) => TERMINAL.has(e.status))) break;
			if (Date.now() - t0 > RUN_TIMEOUT_MS) {
				const byStatus = execs.reduce((m, e) => ({ ...m, [e.status]: (m[e.status] || 0) + 1 }), {});
				throw new Error(`${name}: after ${fmtSecs(RUN_TIMEOUT_MS)}, ${execs.length}/${CALLS} executions, by status ${JSON.stringify(byStatus)}; sandbox ${JSON.stringify(sb.stats())}\n${cluster.procs.map((p) => cluster.tail(p, 15)).join('\n')}`);
			}
			await sleep(500);
		}
		const execMs = Date.now() - t0;
		cluster.sampleMemory();
		return { maxId: Number(maxId), answers, answeredMs, execMs, execs };
	}

	/** The checks shared by both runs; returns the derived ids that were stored. */
	function checkRun(name, { maxId, answers, execs }) {
		expect(answers.map((a) => a.status)).toEqual(Array(CALLS).fill(200));
		// 20 executions, all successful, all started by the production webhook.
		expect(execs).toHaveLength(CALLS);
		const failed = execs.filter((e) => e.status !== 'success');
		if (failed.length) throw new Error(`${name}: executions not successful: ${JSON.stringify(failed)}\n${cluster.procs.map((p) => cluster.tail(p, 20)).join('\n')}`);
		expect(execs.every((e) => e.mode === 'webhook')).toBe(true);
		const execIds = execs.map((e) => e.id);
		expect(new Set(execIds).size).toBe(CALLS);

		// Both workers ran some; each execution ran on exactly one worker.
		const started = cluster.startedBy();
		const perWorker = Object.fromEntries(Object.entries(started).map(([w, ids]) => [w, ids.filter((id) => id > maxId)]));
		const all = Object.values(perWorker).flat();
		expect(Object.values(perWorker).every((ids) => ids.length > 0)).toBe(true);
		expect(all.sort((a, b) => a - b)).toEqual([...execIds].sort((a, b) => a - b));

		// The sandbox stored exactly CALLS × ITEMS events, each once.
		const stats = sb.stats();
		expect(stats.storedEvents).toBe(CALLS * ITEMS);
		expect(stats.distinctTransactionIds).toBe(CALLS * ITEMS);
		const stored = sb.events.map((e) => e.transaction_id);
		const storedSet = new Set(stored);
		expect(storedSet.size).toBe(CALLS * ITEMS);

		// Every id is derived: n8n-<executionId>-<hash of the node name>-<runIndex>-<itemIndex>, from one of this
		// run's executions, with every item index 0..499 exactly once per execution.
		// Each event also carries its own item's fields (sub, at), so ids were not shuffled between items or batches.
		const perExec = new Map();
		const mismatched = [];
		const origins = new Set();
		for (const ev of sb.events) {
			const id = ev.transaction_id;
			const m = DERIVED_ID.exec(id);
			if (!m) throw new Error(`${name}: transaction id "${id}" is not a derived id`);
			// One installation: main and both workers share the instance id, so they share the id's origin hash.
			origins.add(m[2]);
			expect(m[3]).toBe('0');
			const idx = Number(m[4]);
			if (ev.external_subscription_id !== (idx % 2 ? 'sub_demo_2' : 'sub_demo_1') || Date.parse(ev.timestamp) !== (AT_BASE + idx) * 1000 || ev.code !== 'api_calls') mismatched.push(ev);
			const list = perExec.get(Number(m[1])) || [];
			list.push(idx);
			perExec.set(Number(m[1]), list);
		}
		expect(mismatched.slice(0, 3)).toEqual([]);
		expect(origins.size).toBe(1);
		expect([...perExec.keys()].sort((a, b) => a - b)).toEqual([...execIds].sort((a, b) => a - b));
		for (const [execId, idx] of perExec) {
			const sorted = [...idx].sort((a, b) => a - b);
			if (sorted.length !== ITEMS || sorted.some((v, i) => v !== i)) throw new Error(`${name}: execution ${execId} stored item indexes ${sorted.length} (expected 0..${ITEMS - 1} once each)`);
		}

		// What was accepted: no id twice across all 2xx batch requests (a retry resends the same ids; it is only
		// accepted once), and every id ever sent (faulted attempts included) was stored.
		const batch = sb.requests.filter((r) => r.method === 'POST' && r.path === '/api/v1/events/batch');
		const okIds = batch.filter((r) => r.status >= 200 && r.status < 300).flatMap((r) => r.body.events.map((e) => e.transaction_id));
		expect(okIds).toHaveLength(CALLS * ITEMS);
		expect(new Set(okIds).size).toBe(CALLS * ITEMS);
		const sentIds = new Set(batch.flatMap((r) => (r.body && r.body.events ? r.body.events.map((e) => e.transaction_id) : [])));
		expect([...sentIds].filter((id) => !storedSet.has(id))).toEqual([]);
		// Besides the batches, only the billable-metric check's read: one per node run, 200. The trigger workflow's
		// endpoint requests (main's activation, waited for in beforeAll) are not this workflow's.
		const others = sb.requests.filter((r) => r.path !== '/api/v1/events/batch' && !r.path.startsWith('/api/v1/webhook_endpoints'));
		expect(others.filter((r) => !(r.method === 'GET' && r.path === '/api/v1/billable_metrics' && r.status === 200))).toEqual([]);
		expect(others.length).toBeLessThanOrEqual(CALLS);

		// Never the same derived id in two runs (executions ids come from the shared Postgres sequence).
		for (const [other, r] of Object.entries(runs)) {
			const overlap = [...storedSet].filter((id) => r.txIds.has(id));
			if (overlap.length) throw new Error(`${name}: ${overlap.length} transaction ids also stored by run "${other}", e.g. ${overlap[0]}`);
		}
		runs[name] = { txIds: storedSet };

		// The API key never shows up in any process log.
		for (const p of cluster.procs) expect(cluster.logText(p).includes(API_KEY)).toBe(false);
		return { stats, batchRequests: batch.length, metricReads: others.length, perWorker };
	}

	test(`${CALLS} concurrent webhook calls → ${CALLS} executions across both workers, ${CALLS * ITEMS} events stored once each, derived ids unique`, async () => {
		sb.reset();
		sb.setFaults(null);
		const r = await fireAndWait('plain');
		const c = checkRun('plain', r);
		expect(c.batchRequests).toBe((CALLS * ITEMS) / 100);
		// One metric-list read per execution (the billable-metric check), answered 200 like every batch.
		expect(c.metricReads).toBe(CALLS);
		expect(c.stats.byStatus).toEqual({ 200: (CALLS * ITEMS) / 100 + CALLS });
		// Informative: execution ids come from each database's own sequence (n8n-1-…, n8n-2-…); the origin hash
		// includes n8n's instance id, derived from the encryption key, which both clusters here share.
		plainIdsByFlavour[label] = runs.plain.txIds;
		const sameIdsAs = Object.fromEntries(
			Object.entries(plainIdsByFlavour)
				.filter(([other]) => other !== label)
				.map(([other, ids]) => [other, [...runs.plain.txIds].filter((id) => ids.has(id)).length]),
		);
		figures.plain = {
			sampleDerivedIds: [...runs.plain.txIds].sort().slice(0, 2),
			sameDerivedIdsAsOtherFlavourRun: sameIdsAs,
			webhooksAnsweredSeconds: secs(r.answeredMs),
			executionsSeconds: secs(r.execMs),
			executionsPerWorker: Object.fromEntries(Object.entries(c.perWorker).map(([w, ids]) => [w, ids.length])),
			batchRequests: c.batchRequests,
			peakRssMiB: cluster.sampleMemory(),
		};
		log(`${label} plain: ${JSON.stringify(figures.plain)}`);
	});

	test(`the same under seeded faults (${FAULTS.rate429 * 100}% 429 with ${FAULTS.resetSeconds} s reset, ${FAULTS.rate503 * 100}% 503): still ${CALLS} successful executions, ${CALLS * ITEMS} events each stored once, no id from the first run reused`, async () => {
		sb.reset();
		sb.setFaults(FAULTS);
		const r = await fireAndWait('faults');
		const c = checkRun('faults', r);
		expect(c.stats.faults['429']).toBeGreaterThan(0);
		expect(c.stats.faults['503']).toBeGreaterThan(0);
		expect(c.batchRequests).toBe((CALLS * ITEMS) / 100 + c.stats.faults['429'] + c.stats.faults['503'] + c.stats.faults.reset);
		// Each faulted batch was retried with the same ids; after a 429 not before X-RateLimit-Reset (1 s).
		const batch = sb.requests.filter((r) => r.path === '/api/v1/events/batch');
		const waits429 = [];
		batch.forEach((r, i) => {
			if (!r.fault) return;
			const first = r.body.events[0].transaction_id;
			const retry = batch.slice(i + 1).find((n) => n.body.events[0].transaction_id === first);
			if (!retry) throw new Error(`faults: a ${r.fault} batch starting with ${first} was never retried`);
			expect(retry.body.events.map((e) => e.transaction_id)).toEqual(r.body.events.map((e) => e.transaction_id));
			if (r.fault === '429') waits429.push(retry.at - r.at);
		});
		expect(Math.min(...waits429)).toBeGreaterThanOrEqual(FAULTS.resetSeconds * 1000 - 20);
		// The retries ran inside the workers (the node logs them through n8n's logger), never in main.
		const retryLines = (p) => (cluster.logText(p).match(/Lago answered (429|503) to POST \/events\/batch; retry/g) || []).length;
		const retriesLogged = Object.fromEntries(cluster.procs.map((p) => [p.name, retryLines(p)]));
		expect(retriesLogged.main).toBe(0);
		expect(retriesLogged.w1 + retriesLogged.w2).toBe(c.stats.faults['429'] + c.stats.faults['503']);
		figures.faults = {
			webhooksAnsweredSeconds: secs(r.answeredMs),
			executionsSeconds: secs(r.execMs),
			executionsPerWorker: Object.fromEntries(Object.entries(c.perWorker).map(([w, ids]) => [w, ids.length])),
			batchRequests: c.batchRequests,
			faults: c.stats.faults,
			retriesLoggedPerProcess: retriesLogged,
			retryAfter429Ms: { min: Math.min(...waits429), max: Math.max(...waits429) },
			byStatus: c.stats.byStatus,
			peakRssMiB: cluster.sampleMemory(),
		};
		log(`${label} faults: ${JSON.stringify(figures.faults)}`);
	});

	/** The trigger's endpoint as the sandbox holds it, once main has registered it (bounded: 60 s). */
	const registeredEndpoints = () => [...sb.webhooks.endpoints.values()].map((e) => [e.webhook_url, e.signature_algo]);
	async function waitForTriggerEndpoint() {
		for (const t0 = Date.now(); registeredEndpoints().length === 0 && Date.now() - t0 < 60_000; ) await sleep(250);
		expect(registeredEndpoints()).toEqual([[`${cluster.url}/webhook/${TRIGGER_PATH}`, 'hmac']]);
	}

	/** The trigger workflow's executions after `minId`, from the shared Postgres. */
	async function triggerRuns(minId) {
		const rows = await pg.query(`select id, status from execution_entity where "workflowId" = '${TRIGGER_WF.id}' and id::bigint > ${Number(minId)} order by id::bigint`);
		return rows.map(([id, status]) => ({ id: Number(id), status }));
	}

	/** Waits until `count` runs are terminal, then that no more arrive for `settleMs`. */
	async function expectTriggerRuns(minId, count, settleMs = 3000) {
		const t0 = Date.now();
		let runsNow = await triggerRuns(minId);
		while (!(runsNow.length >= count && runsNow.every((r) => TERMINAL.has(r.status))) && Date.now() - t0 < RUN_TIMEOUT_MS) {
			await sleep(300);
			runsNow = await triggerRuns(minId);
		}
		await sleep(settleMs);
		runsNow = await triggerRuns(minId);
		expect(runsNow.map((r) => r.status)).toEqual(Array(count).fill('success'));
		return runsNow;
	}

	/** One Lago delivery (HMAC, as the sandbox's organisation signs it) of a new invoice, with its unique key. */
	function delivery(name) {
		const body = JSON.stringify({ webhook_type: 'invoice.created', object_type: 'invoice', organization_id: ORGANIZATION_ID, invoice: { lago_id: `inv_${name}` } });
		const headers = { 'content-type': 'application/json', 'X-Lago-Signature': signHmac(body, HMAC_KEY), 'X-Lago-Signature-Algorithm': 'hmac', 'X-Lago-Unique-Key': `uk-${name}` };
		return (proc) =>
			fetch(`${proc.url}/webhook/${TRIGGER_PATH}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(30_000) }).then(async (r) => ({ status: r.status, text: await r.text() }));
	}

	const maxExecutionId = async () => Number((await pg.query(`select coalesce(max(id::bigint), 0) from execution_entity`))[0][0]);
	const STARTED = '{"message":"Workflow was started"}';
	const ALREADY = '{"message":"Already received"}';

	test('Lago Trigger on two `n8n webhook` processes: the first attempt to one starts a run, the retry to the other starts nothing', async () => {
		const [wh1, wh2] = cluster.webhookProcs;
		await waitForTriggerEndpoint();
		const minId = await maxExecutionId();
		const send = delivery('queue-retry');
		expect(await send(wh1)).toEqual({ status: 200, text: STARTED });
		await expectTriggerRuns(minId, 1, 0);
		// Lago's retry (its answer to the first attempt was lost), sent to the other webhook process.
		expect(await send(wh2)).toEqual({ status: 200, text: ALREADY });
		expect(await send(wh1)).toEqual({ status: 200, text: ALREADY });
		await expectTriggerRuns(minId, 1);
		// The run happened on a worker, not in the webhook processes.
		const started = cluster.startedBy();
		const [run] = await triggerRuns(minId);
		expect(Object.values(started).flat()).toContain(run.id);
	});

	test(`Lago Trigger, two attempts of one delivery on the two webhook processes, at the same instant (${SAME_INSTANT_TRIALS} trials) and ${OFFSET_TRIALS} trials each ${OFFSETS_MS.join(', ')} ms apart: how often both start a run`, async () => {
		const [wh1, wh2] = cluster.webhookProcs;
		const minId = await maxExecutionId();
		const bothStarted = {};
		let trials = 0;
		let both = 0;
		for (const offset of [0, ...OFFSETS_MS]) {
			bothStarted[offset] = 0;
			for (let i = 0; i < (offset === 0 ? SAME_INSTANT_TRIALS : OFFSET_TRIALS); i++) {
				const send = delivery(`apart-${offset}-${i}`);
				const first = send(wh1);
				if (offset) await sleep(offset);
				const answers = await Promise.all([first, send(wh2)]);
				expect(answers.every((a) => a.status === 200 && (a.text === STARTED || a.text === ALREADY))).toBe(true);
				// Every delivery starts at least once.
				expect(answers.some((a) => a.text === STARTED)).toBe(true);
				trials++;
				if (answers.every((a) => a.text === STARTED)) {
					bothStarted[offset]++;
					both++;
				}
			}
		}
		// The runs n8n recorded are exactly what the answers said.
		await expectTriggerRuns(minId, trials + both);
		figures.triggerTwoProcesses = { sameInstantTrials: SAME_INSTANT_TRIALS, offsetTrials: OFFSET_TRIALS, bothStartedByOffsetMs: bothStarted };
		log(`${label}: Lago Trigger, one delivery sent to both webhook processes: both started a run in ${Object.entries(bothStarted).map(([ms, n]) => `${n} of ${ms === '0' ? SAME_INSTANT_TRIALS : OFFSET_TRIALS} at ${ms} ms apart`).join(', ')}`);
	}, 600_000);
});

if (ENABLED) {
	// One compact table of the figures of both flavours at the end (also in .e2e-cache/queue-figures-<flavour>.json).
	afterAll(() => {
		const row = (f, run) =>
			f[run] &&
			`${f.flavour.padEnd(8)} ${run.padEnd(7)} setup ${String(f.setup && f.setup.totalSeconds).padStart(5)} s | 20 executions ${String(f[run].executionsSeconds).padStart(5)} s | per worker ${JSON.stringify(f[run].executionsPerWorker)} | peak RSS MiB ${Object.entries(f[run].peakRssMiB || {})
				.map(([n, m]) => `${n} ${m ? m.n8nMiB + (m.runnerMiB ? '+' + m.runnerMiB : '') : '?'}`)
				.join(', ')}`;
		const lines = allFigures.flatMap((f) => [row(f, 'plain'), row(f, 'faults')]).filter(Boolean);
		if (lines.length) process.stderr.write(`\nqueue mode figures (RSS: n8n process + its task runner)\n${lines.join('\n')}\n`);
	});
}

if (!ENABLED) {
	test.skip('queue mode runs only with: jest -c e2e/queue/jest.config.js (npm run test:queue)', () => {});
}
