#!/usr/bin/env node
'use strict';
/**
 * npm run bench [-- --n8n2] [-- --rtt MS --tls] [-- --items N] [-- --net-items N] [-- --reps R] [-- --forms LIST] [-- --rows LIST] [-- --profile]
 *
 * Sends N generated events (default 10,000) into the Lago sandbox, inside a real n8n (`n8n execute`), for each way
 * users map the fields (--forms, default all four):
 *   kv        key/value rows of `{{ $json.x }}` (drag and drop)
 *   jsonExpr  properties as one JSON object expression: `{{ { gb: $json.gb } }}`
 *   jsonText  properties as JSON text with embedded expressions: `{ "gb": {{ $json.gb }} }`
 *   template  a template Transaction ID: `order-{{ $json.id }}`
 * and for each form: (b) the HTTP Request node, one POST /events per item; (c) Lago Events Send; (d) Send Batch,
 * both with their default Parallel Requests. Once per network: (e) a plain Node script with lago-javascript-client,
 * sequential batches of 100 (the floor; no n8n), and on the emulated network today's sequential forms, (c1) Send
 * and (d1) Send Batch with Parallel Requests 1.
 * --rtt MS --tls: every row also runs with the sandbox behind HTTPS (TLS 1.3, a throwaway certificate trusted
 * through NODE_EXTRA_CA_CERTS) and a proxy that emulates MS of round trip (bench/lib/network.js); the proxy counts
 * the connections each row opened. Send per item and the HTTP Request node there send --net-items events (default
 * 1,000; today's sequential Send a fifth of that) and their times are scaled to N, as the table says.
 * The quick rows (d, e) run --reps times (default 3), interleaved, and report their median. --rows picks rows by key
 * (default b,c,d,e,c1,d1), e.g. `--rows d,e` to re-check Send Batch against the floor alone.
 * Then the node's own CPU per item and memory growth in-process on 100,000 items (bench/inprocess.js; 0 to skip,
 * --inprocess-items), and with
 * --profile a CPU profile of one more (d) run, summarised by where the sending node's time goes.
 * Writes bench/results/<flavour>.json and bench/results/<flavour>.svg.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { startSandbox } = require('../sandbox');
const { N8nInstance } = require('../n8n-harness/instance');
const { currentTarball } = require('../n8n-harness/pack');
const { FLAVOURS, ensureN8n } = require('../n8n-harness/install');
const { run } = require('../n8n-harness/proc');
const { parseOptions } = require('../n8n-harness/cli');
const { summariseProfile } = require('./lib/profile-summary');
const { startNetwork } = require('./lib/network');

const args = process.argv.slice(2);
const ALL_FORMS = ['kv', 'jsonExpr', 'jsonText', 'template'];
const { flavour, items: N, netItems: NET_ITEMS, reps: REPS, profile: PROFILE, rtt: RTT, tls: TLS, forms: FORMS_TEXT, rows: ROWS_TEXT, inprocessItems: INPROCESS_ITEMS } = parseOptions(args, {
	defaults: { flavour: 'n8n1', items: 10_000, netItems: 1_000, reps: 3, profile: false, rtt: 0, tls: false, forms: ALL_FORMS.join(','), rows: 'b,c,d,e,c1,d1', inprocessItems: 100_000 },
	flags: { '--n8n2': { flavour: 'n8n2' }, '--profile': { profile: true }, '--tls': { tls: true } },
	values: { '--items': ['items', Number], '--net-items': ['netItems', Number], '--reps': ['reps', Number], '--rtt': ['rtt', Number], '--forms': ['forms'], '--rows': ['rows'], '--inprocess-items': ['inprocessItems', Number] },
	helpFile: __filename,
	helpLines: [3, 25],
});
const FORMS = FORMS_TEXT.split(',').map((f) => f.trim());
const ROWS = ROWS_TEXT.split(',').map((r) => r.trim());
for (const f of FORMS) if (!ALL_FORMS.includes(f)) throw new Error(`Unknown form ${f}; the forms are ${ALL_FORMS.join(', ')}`);
const API_KEY = 'bench-key';
const RESULTS = path.join(__dirname, 'results');
const TS = 1768471200;

const FORM_LABELS = {
	kv: 'key/value paths',
	jsonExpr: 'one JSON object expression',
	jsonText: 'JSON text with embedded expressions',
	template: 'template transaction id',
};

// Every item carries what every form reads; ids are tx-i for all forms but template, which sends order-i.
const genItems = (n) =>
	`return Array.from({ length: ${n} }, (_, i) => ({ json: { tx: 'bench-' + i, id: i, sub: i % 2 ? 'sub_demo_1' : 'sub_demo_2', at: ${TS} + i / 1000, gb: i % 97 } }));`;

function workflow(id, name, n, tail) {
	const nodes = [
		{ id: `${id}-t`, name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
		{ id: `${id}-c`, name: 'Generate', type: 'n8n-nodes-base.code', typeVersion: 2, position: [200, 0], parameters: { jsCode: genItems(n) } },
	];
	const connections = { Start: { main: [[{ node: 'Generate', type: 'main', index: 0 }]] } };
	if (tail) {
		nodes.push({ id: `${id}-s`, name: 'Send', position: [400, 0], ...tail });
		connections.Generate = { main: [[{ node: 'Send', type: 'main', index: 0 }]] };
	}
	return { id, name, active: false, nodes, connections, settings: { executionOrder: 'v1' } };
}

/** The Lago Events node's parameters for one mapping form. */
function lagoParameters(form) {
	const parameters = {
		externalSubscriptionId: '={{ $json.sub }}',
		code: { __rl: true, mode: 'id', value: 'api_calls' },
		transactionId: form === 'template' ? '=order-{{ $json.id }}' : '={{ $json.tx }}',
		timestamp: '={{ $json.at }}',
	};
	if (form === 'jsonExpr') Object.assign(parameters, { propertiesInput: 'json', propertiesJson: '={{ { gb: $json.gb } }}' });
	else if (form === 'jsonText') Object.assign(parameters, { propertiesInput: 'json', propertiesJson: '={ "gb": {{ $json.gb }} }' });
	else parameters.properties = { property: [{ key: 'gb', value: '={{ $json.gb }}' }] };
	return parameters;
}

/**
 * The HTTP Request node's body for one form. It has no key/value form for a nested body, so kv and jsonText both
 * use JSON text with embedded expressions, the way its users write it.
 */
function httpBody(form) {
	if (form === 'jsonExpr') {
		return "={{ { event: { transaction_id: $json.tx, external_subscription_id: $json.sub, code: 'api_calls', timestamp: $json.at, properties: { gb: $json.gb } } } }}";
	}
	const tx = form === 'template' ? 'order-{{ $json.id }}' : '{{ $json.tx }}';
	return `={ "event": { "transaction_id": "${tx}", "external_subscription_id": "{{ $json.sub }}", "code": "api_calls", "timestamp": {{ $json.at }}, "properties": { "gb": {{ $json.gb }} } } }`;
}

function workflows(netName, sandboxUrl, netItems) {
	const tag = netName === 'loopback' ? 'L' : 'R';
	const lago = (operation, form, options = {}) => ({
		type: 'n8n-nodes-lago.lagoEvents',
		typeVersion: 1,
		credentials: { lagoApi: { id: `benchLagoCred${tag}01`, name: `Lago sandbox (bench, ${netName})` } },
		parameters: { resource: 'event', operation, ...lagoParameters(form), options },
	});
	const httpRequest = (form) => ({
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		parameters: {
			method: 'POST',
			url: `${sandboxUrl}/api/v1/events`,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${API_KEY}` }] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: httpBody(form),
			options: {},
		},
	});
	// Workflow ids are 16 characters: bench + network tag + row + form index, padded.
	const letter = { a: 'a', b: 'b', c: 'c', d: 'd', c1: 's', d1: 't' };
	const wid = (row, form) => `bench${tag}${letter[row]}${form ? ALL_FORMS.indexOf(form) : 'x'}`.padEnd(16, '0');
	const perItemN = netName === 'loopback' ? N : netItems;
	const sequentialN = netName === 'loopback' ? N : Math.max(1, Math.round(netItems / 5));
	const rows = [{ key: 'e', label: '(e) lago-javascript-client, sequential batches of 100', n: N, quick: true, sdk: true }];
	// Today's sequential forms matter where requests wait on the network; on loopback they would only cost bench time.
	if (netName !== 'loopback') {
		rows.push(
			{ key: 'c1', label: "(c1) Send, Parallel Requests 1 (today's sequential Send), key/value", form: 'kv', n: sequentialN, wf: workflow(wid('c1', 'kv'), `bench ${netName} (c1) Send sequential`, sequentialN, lago('create', 'kv', { parallelRequests: 1 })) },
			{ key: 'd1', label: "(d1) Send Batch, Parallel Requests 1 (today's default), key/value", form: 'kv', n: N, wf: workflow(wid('d1', 'kv'), `bench ${netName} (d1) Send Batch sequential`, N, lago('createBatch', 'kv', { parallelRequests: 1 })) },
		);
	}
	for (const form of FORMS) {
		// kv and jsonText send the same HTTP Request node body: it runs once, under kv, and serves both.
		if (form !== 'jsonText' || !FORMS.includes('kv')) {
			// The HTTP Request node opens a connection for every item at once; thousands of TLS handshakes through the
			// proxy at the same moment made it lose requests, so on the network it sends --net-items, scaled.
			rows.push({ key: 'b', form, label: `(b) HTTP Request node, per item`, n: perItemN, wf: workflow(wid('b', form), `bench ${netName} (b) HTTP Request ${form}`, perItemN, httpRequest(form)) });
		}
		rows.push({ key: 'c', form, label: '(c) Lago Events Send, default Parallel Requests', n: perItemN, wf: workflow(wid('c', form), `bench ${netName} (c) Send ${form}`, perItemN, lago('create', form)) });
		rows.push({ key: 'd', form, label: '(d) Lago Events Send Batch, default Parallel Requests', n: N, quick: true, wf: workflow(wid('d', form), `bench ${netName} (d) Send Batch ${form}`, N, lago('createBatch', form)) });
	}
	return rows;
}

// n8n 1.x runs the Code node in-process under vm2 unless task runners are on, and then hands the next node vm2 proxies
// instead of plain objects: every read of an item crosses the sandbox bridge (measured: Send Batch took 0.84 s in
// the node with proxied items and 0.47 s with plain ones; the HTTP Request node 22 s and 12 s). Task runners are
// what n8n 1.x recommends and 2.x always uses, so the bench turns them on, for every row alike.
const RUN_ENV = { N8N_RUNNERS_ENABLED: 'true' };

/** Runs `n8n execute` under /usr/bin/time to get the process's peak RSS. */
async function timedExecute(n8n, id, nodeArgs = [], extraEnv = {}) {
	const out = path.join(n8n.folder, `bench-${id}.out`);
	const timeFile = path.join(n8n.folder, `bench-${id}.time`);
	const started = Date.now();
	const r = await run('/usr/bin/time', ['-f', '%M', '-o', timeFile, n8n.flavour.node, ...nodeArgs, n8n.flavour.bin, 'execute', `--id=${id}`, '--rawOutput'], {
		cwd: n8n.folder,
		env: n8n.env({ ...RUN_ENV, ...extraEnv }),
		timeoutMs: 900_000,
		stdoutFile: out,
	});
	const wallMs = Date.now() - started;
	const peakKiB = Number(fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop());
	const text = fs.existsSync(out) ? fs.readFileSync(out, 'utf8') : '';
	fs.rmSync(out, { force: true });
	if (r.code !== 0) {
		const kept = path.join(os.tmpdir(), `lago-bench-failed-${id}-${Date.now()}.out`);
		fs.writeFileSync(kept, `${text}\n--- stderr ---\n${r.stderr}`);
		throw new Error(`${id} failed (exit ${r.code}; its output is in ${kept}): ${r.stderr.slice(-500)}`);
	}
	// n8n's own measure of the time spent inside the sending node (executionTime of its run).
	const runData = JSON.parse(text.slice(text.search(/^\{/m))).data.resultData.runData;
	const nodeMs = runData.Send ? runData.Send[0].executionTime : undefined;
	if (runData.Send && runData.Send[0].error) throw new Error(`${id}: the node failed: ${runData.Send[0].error.message}`);
	return { wallMs, nodeMs, peakRssMiB: Math.round(peakKiB / 1024) };
}

async function sdkFloor(net) {
	const script = path.join(__dirname, 'lib', 'sdk-floor.js');
	const env = { ...process.env, ...(net.caFile ? { NODE_EXTRA_CA_CERTS: net.caFile } : {}) };
	const r = await run(process.execPath, [script, `${net.url}/api/v1`, API_KEY, String(N), String(TS)], { timeoutMs: 300_000, env });
	if (r.code !== 0) throw new Error(`SDK floor failed: ${r.stderr}`);
	return JSON.parse(r.stdout.trim().split('\n').pop());
}

function svgChart(bars, title) {
	const max = Math.max(...bars.map((b) => b.seconds));
	const barH = 20;
	const width = 860;
	const left = 420;
	const body = bars
		.map((b, i) => {
			const w = Math.max(2, ((width - left - 90) * b.seconds) / max);
			const y = 40 + i * (barH + 6);
			return `<text x="8" y="${y + 15}" font-size="12">${b.label}</text><rect x="${left}" y="${y}" width="${w.toFixed(1)}" height="${barH}" fill="${b.key === 'd' ? '#1478B8' : '#9AA5B1'}"/><text x="${(left + w + 6).toFixed(1)}" y="${y + 15}" font-size="12">${b.seconds.toFixed(2)} s</text>`;
		})
		.join('');
	const height = 50 + bars.length * (barH + 6);
	return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif"><text x="8" y="22" font-size="15" font-weight="bold">${title}</text>${body}</svg>\n`;
}

const median = (values) => {
	const sorted = values.filter((v) => typeof v === 'number').sort((x, y) => x - y);
	return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : undefined;
};

async function main() {
	fs.mkdirSync(RESULTS, { recursive: true });
	await ensureN8n(flavour);
	const sb = await startSandbox({ port: 0, apiKey: API_KEY });
	const network = RTT > 0 || TLS ? await startNetwork(sb.url, { rttMs: RTT, tls: TLS }) : undefined;
	const nets = [{ key: 'loopback', name: 'loopback', url: sb.url }];
	if (network) nets.push({ key: 'network', name: `${RTT} ms RTT${TLS ? ' over TLS 1.3' : ''}`, url: network.url, caFile: network.caFile });
	const n8n = await N8nInstance.create(flavour, { tarball: await currentTarball() });
	try {
		// Loopback stands for a self-hosted Lago on the same host, which has no rate limiter: its credential lifts Lago
		// Cloud's limits (Rate Limits: None), as such a user would. The network rows keep them, as for Lago Cloud.
		await n8n.importCredentials(
			nets.map((net) => ({
				id: `benchLagoCred${net.key === 'loopback' ? 'L' : 'R'}01`,
				name: `Lago sandbox (bench, ${net.key})`,
				type: 'lagoApi',
				data: { region: 'custom', baseUrl: net.url, apiKey: API_KEY, ...(net.key === 'loopback' ? { rateLimits: 'none' } : {}) },
			})),
		);
		for (const net of nets) net.rows = workflows(net.key, net.url, NET_ITEMS).filter((row) => ROWS.includes(row.key));
		await n8n.importWorkflows(nets.flatMap((net) => net.rows.filter((r) => r.wf).map((r) => r.wf)));

		const runOnce = async (net, row) => {
			// A row's requests still in the proxy would land after the reset and count for the next row.
			const open = network ? await network.idle() : 0;
			if (open > 0) throw new Error(`${open} connections from the previous row were still open after 30 s`);
			sb.reset();
			network?.resetConnections();
			let sample;
			if (row.sdk) {
				const floor = await sdkFloor(net);
				sample = { wallSeconds: floor.wallSeconds, nodeSeconds: floor.ingestSeconds, peakRssMiB: floor.peakRssMiB };
			} else {
				const { wallMs, nodeMs, peakRssMiB } = await timedExecute(n8n, row.wf.id, [], net.caFile ? { NODE_EXTRA_CA_CERTS: net.caFile } : {});
				sample = { wallSeconds: wallMs / 1000, nodeSeconds: typeof nodeMs === 'number' ? nodeMs / 1000 : undefined, peakRssMiB };
			}
			const stats = sb.stats();
			if (row.key !== 'a' && stats.distinctTransactionIds !== row.n) throw new Error(`${net.name} ${row.label} ${row.form ?? ''}: the sandbox stored ${stats.distinctTransactionIds} distinct ids, expected ${row.n}`);
			return { ...sample, serverSpanSeconds: stats.trafficSpanMs === null ? undefined : stats.trafficSpanMs / 1000, requests: stats.requests, connections: net.key === 'network' ? network.connections() : undefined };
		};
		// Rounds interleave the rows, so a slow spell on the machine hits every row rather than one.
		const samples = new Map();
		for (let round = 0; round < REPS; round++) {
			for (const net of nets) {
				for (const row of net.rows) {
					if (round > 0 && !row.quick) continue;
					console.log(`round ${round + 1}/${REPS}, ${net.name}: ${row.label}${row.form ? `, ${FORM_LABELS[row.form]}` : ''}, ${row.n} items...`);
					// A row that fails is reported as failed; the others still run and the report is still written.
					let sample;
					try {
						sample = await runOnce(net, row);
					} catch (error) {
						console.log(`  failed: ${error.message.split('\n')[0]}`);
						row.failed = error.message.split('\n')[0];
						continue;
					}
					if (!samples.has(row)) samples.set(row, []);
					samples.get(row).push(sample);
					console.log(`  ${sample.nodeSeconds?.toFixed(2) ?? '–'} s in the node, ${sample.requests} requests${sample.connections === undefined ? '' : `, ${sample.connections} connections`}`);
				}
			}
		}

		// Each row reports the median of each figure over its runs, scaled to N items when it sent fewer.
		const results = {};
		for (const net of nets) {
			results[net.key] = { name: net.name, rows: [] };
			for (const row of net.rows) {
				const runs = samples.get(row);
				if (!runs) {
					results[net.key].rows.push({ key: row.key, form: row.form, label: row.label, items: row.n, failed: row.failed });
					continue;
				}
				const scale = N / row.n;
				const out = { key: row.key, form: row.form, label: row.label, items: row.n, scaledTo: scale === 1 ? undefined : N, runs: runs.length };
				for (const figure of ['wallSeconds', 'nodeSeconds', 'serverSpanSeconds', 'requests', 'connections', 'peakRssMiB']) out[figure] = median(runs.map((r) => r[figure]));
				if (scale !== 1) {
					out.measuredNodeSeconds = out.nodeSeconds;
					out.nodeSeconds = out.nodeSeconds * scale;
					out.measuredServerSpanSeconds = out.serverSpanSeconds;
					out.serverSpanSeconds = out.serverSpanSeconds * scale;
				}
				if (out.nodeSeconds) out.eventsPerSecond = Math.round(N / out.nodeSeconds);
				out.allRuns = runs;
				results[net.key].rows.push(out);
			}
		}

		let profile;
		if (PROFILE) {
			const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-bench-prof-'));
			sb.reset();
			const row = nets[0].rows.find((r) => r.key === 'd');
			console.log(`profiling ${row.label}, ${FORM_LABELS[row.form]}, loopback...`);
			await timedExecute(n8n, row.wf.id, ['--cpu-prof', `--cpu-prof-dir=${dir}`]);
			const [file] = fs.readdirSync(dir).map((f) => path.join(dir, f)).sort((x, y) => fs.statSync(y).size - fs.statSync(x).size);
			profile = summariseProfile(file);
			fs.rmSync(dir, { recursive: true, force: true });
		}

		console.log(`\nmeasuring the node in-process on ${INPROCESS_ITEMS} items...`);
		const inprocess = {};
		for (const form of INPROCESS_ITEMS > 0 ? FORMS : []) {
			const inprocessFile = path.join(os.tmpdir(), `lago-inprocess-${process.pid}.json`);
			// bench/inprocess.js names the forms its own way.
			const inprocessName = { kv: 'paths', jsonExpr: 'object literal', jsonText: 'JSON text', template: 'templates' }[form];
			execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'inprocess.js'), String(INPROCESS_ITEMS), '--json', inprocessFile, '--form', inprocessName], { stdio: 'inherit' });
			inprocess[form] = JSON.parse(fs.readFileSync(inprocessFile, 'utf8'));
			fs.rmSync(inprocessFile, { force: true });
		}

		const find = (netKey, key, form) => results[netKey]?.rows.find((r) => r.key === key && (form === undefined || r.form === form || (key === 'b' && form === 'jsonText' && r.form === 'kv')));
		const machine = `${os.cpus().length} cores (${os.cpus()[0].model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.platform()} ${os.release()}`;
		const report = { date: new Date().toISOString(), flavour: FLAVOURS[flavour].label, node: execFileSync(n8n.flavour.node, ['--version']).toString().trim(), items: N, machine, rttMs: RTT, tls: TLS, forms: FORMS, results, inprocess, profile, command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}` };

		console.log(`\n${report.flavour} (${report.node}), ${N} events, ${machine}`);
		const fmt = (v, digits = 2) => (v === undefined || v === null || Number.isNaN(v) ? '–' : v.toFixed(digits));
		const cell = (r) => (!r ? '–' : r.failed ? 'failed' : `${fmt(r.nodeSeconds)}${r.scaledTo ? '*' : ''}`);
		const conns = (r) => (r && r.connections !== undefined ? (r.scaledTo ? `${r.connections}/${r.items}` : String(r.connections)) : '–');
		console.log('\nSeconds in the sending node (n8n\'s executionTime; the SDK script\'s own timer), median of the runs; * = measured on fewer items and scaled to N.');
		console.log('| mapping form | network | (b) HTTP Request | (c) Send | (d) Send Batch | (e) SDK floor | b/d | d/e | connections b / c / d / e |');
		console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
		const ratios = {};
		for (const form of FORMS) {
			for (const net of nets) {
				const [b, c, d, e] = [find(net.key, 'b', form), find(net.key, 'c', form), find(net.key, 'd', form), find(net.key, 'e')];
				const div = (x, y, figure = 'nodeSeconds') => (x && y && x[figure] && y[figure] ? x[figure] / y[figure] : undefined);
				const r = { 'b/d': div(b, d), 'd/e': div(d, e), 'd/e sending': div(d, e, 'serverSpanSeconds') };
				const c1 = find(net.key, 'c1');
				if (c1 && c) r['c1/c'] = div(c1, c);
				ratios[`${form} ${net.key}`] = r;
				console.log(`| ${FORM_LABELS[form]} | ${net.name} | ${cell(b)} | ${cell(c)} | ${cell(d)} | ${cell(e)} | ${fmt(r['b/d'], 1)}x | ${fmt(r['d/e'])}x | ${conns(b)} / ${conns(c)} / ${conns(d)} / ${conns(e)} |`);
			}
		}
		console.log('\nOnce per network (the SDK floor; on the network, today\'s sequential forms, key/value):');
		console.log('| network | row | items | in the node s | sending at the server s | requests | connections | wall s | peak RSS MiB |');
		console.log('| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
		for (const net of nets) {
			for (const key of ['e', 'c1', 'd1']) {
				const r = find(net.key, key);
				if (!r) continue;
				console.log(`| ${net.name} | ${r.label} | ${r.items} | ${cell(r)} | ${fmt(r.serverSpanSeconds)} | ${r.requests ?? '–'} | ${r.connections ?? '–'} | ${fmt(r.wallSeconds)} | ${r.peakRssMiB ?? '–'} |`);
			}
		}
		report.ratios = ratios;
		const targets = {};
		for (const form of FORMS) {
			const lo = ratios[`${form} loopback`];
			if (lo['b/d'] !== undefined) targets[`${form}, loopback: Send Batch >= 25x faster than the HTTP Request node (b/d ${fmt(lo['b/d'], 1)})`] = lo['b/d'] >= 25;
			if (lo['d/e'] !== undefined) targets[`${form}, loopback: Send Batch <= 2x the SDK floor (d/e ${fmt(lo['d/e'])})`] = lo['d/e'] <= 2;
			const nw = ratios[`${form} network`];
			if (nw) {
				if (nw['d/e'] !== undefined) targets[`${form}, ${nets[1].name}: Send Batch <= 1.5x the SDK floor (d/e ${fmt(nw['d/e'])})`] = nw['d/e'] <= 1.5;
				if (nw['c1/c'] !== undefined) targets[`${form}, ${nets[1].name}: Send >= 5x faster than today's sequential Send (c1/c ${fmt(nw['c1/c'], 1)})`] = nw['c1/c'] >= 5;
			}
		}
		// The in-process targets are set at 100,000 items; a smaller run (a quick check) is reported, not judged.
		for (const [form, ip] of INPROCESS_ITEMS >= 100_000 ? Object.entries(inprocess) : []) {
			targets[`${form}, in-process: under 50 µs CPU per item (${ip.cpuMicrosPerItem})`] = ip.cpuMicrosPerItem < 50;
			targets[`${form}, in-process: under 300 MiB memory growth at 100,000 items (${ip.memoryGrowthMiB})`] = ip.memoryGrowthMiB < 300;
		}
		report.targets = targets;
		console.log('');
		for (const [name, met] of Object.entries(targets)) console.log(`${met ? 'met    ' : 'MISSED '} ${name}`);
		if (profile) {
			console.log(`\nWhere (d)'s time goes, CPU profile of one more run (${profile.windowMs} ms of profile time in the node):`);
			for (const [bucket, ms] of Object.entries(profile.buckets)) console.log(`  ${String(ms).padStart(7)} ms  ${bucket}`);
		}
		fs.writeFileSync(path.join(RESULTS, `${flavour}.json`), `${JSON.stringify(report, null, 2)}\n`);
		const bars = [];
		for (const net of nets) {
			for (const form of FORMS) {
				for (const key of ['b', 'c', 'd']) {
					const r = find(net.key, key, form);
					if (r && !r.failed) bars.push({ key, seconds: r.nodeSeconds, label: `${net.key === 'loopback' ? 'loopback' : `${RTT} ms`} · ${FORM_LABELS[form]} · ${r.label.slice(0, 4)}${r.scaledTo ? ' (scaled)' : ''}` });
				}
			}
			const e = find(net.key, 'e');
			if (e && !e.failed) bars.push({ key: 'e', seconds: e.nodeSeconds, label: `${net.key === 'loopback' ? 'loopback' : `${RTT} ms`} · (e) SDK floor` });
		}
		fs.writeFileSync(path.join(RESULTS, `${flavour}.svg`), svgChart(bars, `${N} events into Lago: seconds in the sending node, ${report.flavour}`));
		console.log(`\nwrote bench/results/${flavour}.json and bench/results/${flavour}.svg`);
	} finally {
		await n8n.dispose();
		await network?.stop();
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
