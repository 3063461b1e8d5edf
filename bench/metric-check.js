'use strict';
// CPU cost of the billable-metric check itself, in process: N events (default 100,000) checked against M metrics
// (default 200), every metric with two filters, one event in ten unbillable. Prints µs of CPU per event (median of
// 5 runs after a warm-up); the target is under 5 µs.
//   node bench/metric-check.js [events] [metrics]
require('./lib/tsRequire');
const { MetricIndex } = require('../nodes/LagoEvents/shared/metricCheck');

const N = Number(process.argv[2]) || 100_000;
const M = Number(process.argv[3]) || 200;
const AGGREGATIONS = ['count_agg', 'sum_agg', 'max_agg', 'unique_count_agg', 'weighted_sum_agg', 'latest_agg'];

const metrics = Array.from({ length: M }, (_, i) => ({
	code: `metric_${i}`,
	aggregation_type: AGGREGATIONS[i % AGGREGATIONS.length],
	field_name: i % AGGREGATIONS.length === 0 ? null : 'value',
	filters: [
		{ key: 'region', values: ['eu', 'us', 'ap'] },
		{ key: 'tier', values: ['free', 'pro', 'enterprise', '1', '2'] },
	],
}));
const events = Array.from({ length: N }, (_, i) => {
	const bad = i % 10 === 9;
	return {
		code: bad && i % 30 === 9 ? `metric_x${i % 50}` : `metric_${i % M}`,
		properties: { value: bad ? 'n/a' : i % 3 ? i : String(i), region: bad ? 'mars' : ['eu', 'us', 'ap'][i % 3], tier: i % 2 ? 'pro' : 1, other: 'x' },
	};
});

function once() {
	const index = new MetricIndex(metrics);
	let flagged = 0;
	const start = process.cpuUsage();
	for (const event of events) if (index.check(event).length) flagged++;
	const used = process.cpuUsage(start);
	return { micros: (used.user + used.system) / N, flagged };
}

once();
const runs = Array.from({ length: 5 }, once).sort((a, b) => a.micros - b.micros);
const median = runs[2];
console.log(`billable-metric check, ${N} events x ${M} metrics with 2 filters each: ${median.micros.toFixed(3)} µs CPU/event (median of 5; min ${runs[0].micros.toFixed(3)}, max ${runs[4].micros.toFixed(3)}), ${median.flagged} flagged`);
