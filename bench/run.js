#!/usr/bin/env node
'use strict';
/**
 * npm run bench [-- --n8n2] [-- --items N] [-- --reps R] [-- --profile]
 *
 * Sends the same N generated events (default 10,000) into the Lago sandbox five ways, in one run, and reports
 * wall time minus the baseline, requests, events per second and peak RSS:
 *   (a) baseline: a Code node that only generates the items (n8n start-up, item generation, output printing)
 *   (b) the HTTP Request node, one POST /events per item, as users build it today
 *   (c) Lago Events Send, one request per item
 *   (d) Lago Events Send Batch
 *   (e) a plain Node script with lago-javascript-client, sequential batches of 100 (the floor; no n8n)
 * The quick rows run R times (default 5), interleaved, and report their median.
 * Then the node's own CPU per item and memory growth in-process on 100,000 items (bench/inprocess.js), and with
 * --profile a CPU profile of one more (d) run, summarised by where the sending node's time goes.
 * Writes bench/results/<flavour>.json and bench/results/<flavour>.svg.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { startSandbox } = require('../sandbox');
const { N8nInstance } = require('../e2e/lib/n8n');
const { currentTarball } = require('../e2e/lib/pack');
const { FLAVOURS, ensureN8n } = require('../e2e/lib/install');
const { run } = require('../e2e/lib/proc');
const { parseOptions } = require('../scripts/lib/cli');
const { summariseProfile } = require('./lib/profile-summary');

const args = process.argv.slice(2);
// The quick rows (a, d, d4, e) run --reps times, interleaved, and report their median; (b) and (c) take half a
// minute each and run once. The shared machines are noisy (the same row moved by up to 40% between runs).
// --profile: one more run of (d) under `node --cpu-prof`, summarised by where the sending node's time goes.
const { flavour, items: N, reps: REPS, profile: PROFILE } = parseOptions(args, {
	defaults: { flavour: 'n8n1', items: 10_000, reps: 5, profile: false },
	flags: { '--n8n2': { flavour: 'n8n2' }, '--profile': { profile: true } },
	values: { '--items': ['items', Number], '--reps': ['reps', Number] },
	helpFile: __filename,
	helpLines: [3, 16],
});
const API_KEY = 'bench-key';
const RESULTS = path.join(__dirname, 'results');
const TS = 1768471200;

const genItems = `return Array.from({ length: ${N} }, (_, i) => ({ json: { tx: 'bench-' + i, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', at: ${TS} + i / 1000 } }));`;

function workflow(id, name, tail) {
	const nodes = [
		{ id: `${id}-t`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: `${id}-c`, name: 'Generate', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: genItems } },
	];
	const connections = { Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] } };
	if (tail) {
		nodes.push({ id: `${id}-s`, name: 'Send', position: [400, 0], ...tail });
		connections.Generate = { main: [[{ node: 'Send', type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

function workflows(sandboxUrl) {
	const lago = (operation, options = {}) => ({
		type: 'n8n-nodes-lago.lagoEvents',
		typeVersion: 1,
		credentials: { lagoApi: { id: 'benchLagoCred001', name: 'Lago sandbox (bench)' } },
		parameters: {
			resource: 'event',
			operation,
			externalSubscriptionId: '={{ $json.sub }}',
			code: { __rl: true, mode: 'id', value: 'api_calls' },
			transactionId: '={{ $json.tx }}',
			timestamp: '={{ $json.at }}',
			options,
		},
	});
	const httpRequest = {
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `${sandboxUrl}/api/v1/events`,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${API_KEY}` }] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={ "event": { "transaction_id": "{{ $json.tx }}", "external_subscription_id": "{{ $json.sub }}", "code": "api_calls", "timestamp": {{ $json.at }} } }',
			options: {},
		},
	};
	return {
		a: workflow('benchBaseline01', 'bench (a) baseline', null),
		b: workflow('benchHttpReq001', 'bench (b) HTTP Request', httpRequest),
		c: workflow('benchLagoSend01', 'bench (c) Lago Send', lago('create')),
		d: workflow('benchLagoBatch1', 'bench (d) Lago Send Batch', lago('createBatch')),
		p: workflow('benchLagoBatch4', 'bench (d4) Lago Send Batch, 4 parallel', lago('createBatch', { parallelRequests: 4 })),
	};
}

// n8n 1.x runs the Code node in-process under vm2 unless task runners are on, and then hands the next node vm2 proxies
// instead of plain objects: every read of an item crosses the sandbox bridge (measured: Send Batch took 0.84 s in
// the node with proxied items and 0.47 s with plain ones; the HTTP Request node 22 s and 12 s). Task runners are
// what n8n 1.x recommends and 2.x always uses, so the bench turns them on, for every row alike.
const RUN_ENV = { N8N_RUNNERS_ENABLED: 'true' };

/** Runs `n8n execute` under /usr/bin/time to get the process's peak RSS. */
async function timedExecute(n8n, id, nodeArgs = []) {
	const out = path.join(n8n.folder, `bench-${id}.out`);
	const timeFile = path.join(n8n.folder, `bench-${id}.time`);
	const started = Date.now();
	const r = await run('/usr/bin/time', ['-f', '%M', '-o', timeFile, n8n.flavour.node, ...nodeArgs, n8n.flavour.bin, 'execute', `--id=${id}`, '--rawOutput'], {
		cwd: n8n.folder,
		env: n8n.env(RUN_ENV),
		timeoutMs: 900_000,
		stdoutFile: out,
	});
	const wallMs = Date.now() - started;
	const peakKiB = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
	const text = fs.readFileSync(out, 'utf8');
	fs.rmSync(out, { force: true });
	if (r.code !== 0) throw new Error(`${id} failed (exit ${r.code}): ${r.stderr.slice(-500)}`);
	// n8n's own measure of the time spent inside the sending node (executionTime of its run).
	const runData = JSON.parse(text.slice(text.search(/^\{/m))).data.resultData.runData;
	const nodeMs = runData.Send ? runData.Send[0].executionTime : undefined;
	return { wallMs, nodeMs, peakRssMiB: Math.round(peakKiB / 1024) };
}

async function sdkFloor(sandboxUrl) {
	const script = path.join(__dirname, 'lib', 'sdk-floor.js');
	const r = await run(process.execPath, [script, `${sandboxUrl}/api/v1`, API_KEY, String(N), String(TS)], { timeoutMs: 300_000 });
	if (r.code !== 0) throw new Error(`SDK floor failed: ${r.stderr}`);
	return JSON.parse(r.stdout.trim().split('\n').pop());
}

function svgChart(rows, title) {
	const max = Math.max(...rows.map((r) => r.ingestSeconds));
	const barH = 28;
	const width = 720;
	const left = 260;
	const body = rows
		.map((r, i) => {
			const w = Math.max(2, ((width - left - 90) * r.ingestSeconds) / max);
			const y = 40 + i * (barH + 10);
			return `<text x="8" y="${y + 19}" font-size="13">${r.label}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${r.key === 'd' ? '#1478B8' : '#9AA5B1'}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 19}" font-size="13">${r.ingestSeconds.toFixed(2)} s</text>`;
		})
		.join('');
	const height = 50 + rows.length * (barH + 10);
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><text x="8" y="22" font-size="15" font-weight="bold">${title}</text>${body}</svg>\n`;
}

async function main() {
	fs.mkdirSync(RESULTS, { recursive: true });
	await ensureN8n(flavour);
	const sb = await startSandbox({ port: 0, apiKey: API_KEY });
	const n8n = await N8nInstance.create(flavour, { tarball: await currentTarball() });
	try {
		await n8n.importCredentials([{ id: 'benchLagoCred001', name: 'Lago sandbox (bench)', type: 'lagoApi', data: { region: 'custom', baseUrl: sb.url, apiKey: API_KEY } }]);
		const wfs = workflows(sb.url);
		await n8n.importWorkflows(Object.values(wfs));
		const results = {};
		const labels = { a: '(a) Code node only (baseline)', b: '(b) HTTP Request node, per item', c: '(c) Lago Events Send, per item', d: '(d) Lago Events Send Batch', p: '(d4) Send Batch, Parallel Requests 4', e: '(e) lago-javascript-client, batches of 100' };
		const runOnce = async (key) => {
			sb.reset();
			if (key === 'e') {
				const floor = await sdkFloor(sb.url);
				if (sb.stats().distinctTransactionIds !== N) throw new Error(`SDK floor stored ${sb.stats().distinctTransactionIds} ids`);
				return { wallSeconds: floor.wallSeconds, ingestSeconds: floor.ingestSeconds, serverSpanSeconds: sb.stats().trafficSpanMs / 1000, requests: sb.stats().requests, storedDistinct: N, peakRssMiB: floor.peakRssMiB };
			}
			const { wallMs, nodeMs, peakRssMiB } = await timedExecute(n8n, wfs[key].id);
			const stats = sb.stats();
			if (key !== 'a' && stats.distinctTransactionIds !== N) throw new Error(`${labels[key]}: the sandbox stored ${stats.distinctTransactionIds} distinct ids, expected ${N}`);
			const seconds = (ms) => (typeof ms === 'number' ? ms / 1000 : undefined);
			return { wallSeconds: wallMs / 1000, nodeSeconds: seconds(nodeMs), ingestSeconds: seconds(nodeMs), serverSpanSeconds: seconds(stats.trafficSpanMs), requests: stats.requests, storedDistinct: stats.distinctTransactionIds, peakRssMiB };
		};
		// Rounds interleave the rows, so a slow spell on the machine hits every row rather than one.
		const samples = { a: [], b: [], c: [], d: [], p: [], e: [] };
		for (let round = 0; round < REPS; round++) {
			for (const key of round === 0 ? ['a', 'b', 'c', 'd', 'p', 'e'] : ['a', 'd', 'p', 'e']) {
				console.log(`round ${round + 1}/${REPS}: ${labels[key]} on ${N} items...`);
				samples[key].push(await runOnce(key));
			}
		}
		// Each row reports the median of each figure over its runs, and keeps every run.
		const median = (values) => {
			const sorted = values.filter((v) => typeof v === 'number').sort((x, y) => x - y);
			return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
		};
		for (const [key, runs] of Object.entries(samples)) {
			const row = { label: labels[key], key, runs: runs.length };
			for (const figure of ['wallSeconds', 'nodeSeconds', 'ingestSeconds', 'serverSpanSeconds', 'requests', 'storedDistinct', 'peakRssMiB']) row[figure] = median(runs.map((r) => r[figure]));
			row.allRuns = runs;
			results[key] = row;
		}
		let profile;
		if (PROFILE) {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-prof-'));
			sb.reset();
			console.log(`profiling ${labels.d}...`);
			await timedExecute(n8n, wfs.d.id, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			const [file] = fs.readdirSync(dir).map((f) => path.join(dir, f)).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size);
			profile = summariseProfile(file);
			fs.rmSync(dir, { recursive: true, force: true });
		}
		// The ingest of an n8n run is the time n8n measured inside the sending node. Wall minus baseline is also kept,
		// but for Send Batch it is within the noise of the baseline itself (n8n start-up, storing and printing items).
		const baseline = results.a.wallSeconds;
		for (const key of ['b', 'c', 'd', 'p']) {
			results[key].wallMinusBaselineSeconds = results[key].wallSeconds - baseline;
		}
		for (const key of ['b', 'c', 'd', 'p', 'e']) results[key].eventsPerSecond = Math.round(N / results[key].ingestSeconds);

		console.log('\nmeasuring the node in-process on 100,000 items...');
		const inprocessFile = path.join(os.tmpdir(), `lago-inprocess-${process.pid}.json`);
		execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'inprocess.js'), '100000', '--json', inprocessFile], { stdio: 'inherit' });
		const inprocess = JSON.parse(fs.readFileSync(inprocessFile, 'utf8'));

		const ratio = (x, y, figure = 'ingestSeconds') => results[x][figure] / results[y][figure];
		// Two ways to put Send Batch next to the SDK script: the whole time in the node (which also reads and checks
		// every item and builds every output item, work the script does not do), and the ingest part proper: the
		// sending, from the first request's arrival to the last answer, timed by the sandbox for both alike.
		const ratios = {
			'b/d': ratio('b', 'd'),
			'c/d': ratio('c', 'd'),
			'd/e': ratio('d', 'e'),
			'd/e sending': ratio('d', 'e', 'serverSpanSeconds'),
			'b/d4': ratio('b', 'p'),
			'c/d4': ratio('c', 'p'),
			'd4/e': ratio('p', 'e'),
			'd4/e sending': ratio('p', 'e', 'serverSpanSeconds'),
		};
		const machine = `${os.cpus().length} cores (${os.cpus()[0].model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
		const report = { date: new Date().toISOString(), flavour: FLAVOURS[flavour].label, node: execFileSync(n8n.flavour.node, ['--version']).toString().trim(), items: N, machine, results, ratios, inprocess, profile, command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` };

		console.log(`\n${report.flavour} (${report.node}), ${N} events, ${machine}`);
		console.log('| way of sending | runs | wall s | wall minus baseline s | ingest s (in the node) | sending s (at the server) | requests | events/s | peak RSS MiB |');
		console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		const fmt = (v) => (v === undefined ? '–' : v.toFixed(2));
		for (const key of ['a', 'b', 'c', 'd', 'p', 'e']) {
			const r = results[key];
			console.log(`| ${r.label} | ${r.runs} | ${r.wallSeconds.toFixed(2)} | ${fmt(r.wallMinusBaselineSeconds)} | ${fmt(r.ingestSeconds)} | ${fmt(r.serverSpanSeconds)} | ${r.requests} | ${r.eventsPerSecond ?? '–'} | ${r.peakRssMiB} |`);
		}
		console.log(`\nSend Batch ingests ${ratios['b/d'].toFixed(1)}x faster than the HTTP Request node (b/d) and ${ratios['c/d'].toFixed(1)}x faster than Send per item (c/d), in ${ratios['d/e'].toFixed(2)}x the SDK floor's time in the node and ${ratios['d/e sending'].toFixed(2)}x its sending time at the server (d/e).`);
		console.log(`With 4 parallel requests: ${ratios['b/d4'].toFixed(1)}x (b), ${ratios['c/d4'].toFixed(1)}x (c), ${ratios['d4/e'].toFixed(2)}x and ${ratios['d4/e sending'].toFixed(2)}x the SDK floor.`);
		if (profile) {
			console.log(`\nWhere (d)'s time goes, CPU profile of one more run (${profile.windowMs} ms of profile time in the node):`);
			for (const [bucket, ms] of Object.entries(profile.buckets)) console.log(`  ${String(ms).padStart(7)} ms  ${bucket}`);
		}
		console.log(`In-process, 100,000 items: ${inprocess.cpuMicrosPerItem} µs CPU per item, memory growth ${inprocess.memoryGrowthMiB} MiB.`);
		const targets = {
			'Send Batch >= 25x faster than (b)': ratios['b/d'] >= 25,
			'Send Batch >= 25x faster than (c)': ratios['c/d'] >= 25,
			'Send Batch within 1.5x of the SDK floor on the sending, timed at the server (d/e <= 1.5)': ratios['d/e sending'] <= 1.5,
			'Send Batch within 1.5x of the SDK floor on the whole time in the node (d/e <= 1.5)': ratios['d/e'] <= 1.5,
			'under 50 µs CPU per item': inprocess.cpuMicrosPerItem < 50,
			'under 300 MiB memory growth at 100,000 items': inprocess.memoryGrowthMiB < 300,
		};
		report.targets = targets;
		for (const [name, met] of Object.entries(targets)) console.log(`${met ? 'met    ' : 'MISSED '} ${name}`);
		fs.writeFileSync(path.join(RESULTS, `${flavour}.json`), `${JSON.stringify(report, null, 2)}\n`);
		fs.writeFileSync(path.join(RESULTS, `${flavour}.svg`), svgChart(['b', 'c', 'd', 'p', 'e'].map((k) => results[k]), `${N} events into Lago: seconds of ingest (time in the sending node), ${report.flavour}`));
		console.log(`\nwrote bench/results/${flavour}.json and bench/results/${flavour}.svg`);
	} finally {
		await n8n.dispose();
		await sb.stop();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		console.error(error);
		process.exit(1);
	},
);
