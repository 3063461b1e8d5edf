'use strict';
/**
 * Where the time of the sending node goes, from a V8 CPU profile (`node --cpu-prof`) of an `n8n execute` run.
 * The window is from the first to the last sample whose stack is inside this package's Send Batch code; every sample
 * in it is put in one bucket by the frames on its stack. Times are in milliseconds of profile time (profiling itself
 * slows the run by roughly a quarter, so compare buckets with each other, not with the bench table).
 */
const fs = require('fs');

const OURS = /n8n-nodes-lago/;
const IN_NODE = /^(createBatch|sendToLago|prepareItems)$/;

// First match wins, looking at the whole stack of a sample.
const BUCKETS = [
	['waiting for the server (idle)', (frames) => frames[0].functionName === '(idle)'],
	['garbage collection', (frames) => frames[0].functionName === '(garbage collector)'],
	['reading and checking items (ours)', (frames) => frames.some((f) => f.functionName === 'prepareItems' && OURS.test(f.url))],
	["n8n's request helper: credential, options, axios set-up", (frames) => frames.some((f) => f.functionName === 'httpRequestWithAuthentication')],
	['batching, JSON and results (ours)', (frames) => OURS.test(frames[0].url)],
	['HTTP client and sockets (axios, node:http, node:net)', (frames) => frames.some((f) => /axios|follow-redirects|node:(_http|http|net|internal\/stream)/.test(f.url))],
];

function summariseProfile(file) {
	const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
	const byId = new Map(profile.nodes.map((n) => [n.id, n]));
	const parent = new Map();
	for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
	const stackOf = (id) => {
		const frames = [];
		for (let x = id; x !== undefined; x = parent.get(x)) frames.push(byId.get(x).callFrame);
		return frames;
	};
	const times = [];
	let t = profile.startTime;
	for (const delta of profile.timeDeltas) times.push((t += delta));
	const stacks = profile.samples.map(stackOf);
	let first = Infinity;
	let last = -Infinity;
	stacks.forEach((frames, i) => {
		if (frames.some((f) => IN_NODE.test(f.functionName) && OURS.test(f.url))) {
			first = Math.min(first, times[i]);
			last = Math.max(last, times[i]);
		}
	});
	if (first === Infinity) throw new Error(`no sample of the sending node in ${file}`);
	const buckets = Object.fromEntries([...BUCKETS.map(([name]) => [name, 0]), ['other (n8n engine, promises, timers)', 0]]);
	stacks.forEach((frames, i) => {
		if (times[i] < first || times[i] > last) return;
		const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
		const bucket = BUCKETS.find(([, test]) => test(frames));
		buckets[bucket ? bucket[0] : 'other (n8n engine, promises, timers)'] += ms;
	});
	const round = (v) => Math.round(v * 10) / 10;
	return { windowMs: round((last - first) / 1000), buckets: Object.fromEntries(Object.entries(buckets).map(([k, v]) => [k, round(v)])) };
}

module.exports = { summariseProfile };
