// Mutation runs only (jest.stryker.config.js): while Stryker runs one mutant, keep the test files that reached it in
// the initial run (strykerCoverageRecorder.js). Stryker's own filter is by test name only, so jest would otherwise
// load every test file for every mutant. Without a record (the initial run, or a file not recorded) nothing is dropped.
// Under a mutant, the files run smallest first.
const { existsSync, readFileSync, statSync } = require('fs');
const { join } = require('path');
const Sequencer = require('@jest/test-sequencer').default;

let filesByMutant;

function load() {
	const record = join(process.cwd(), '.stryker-test-files.jsonl');
	if (!existsSync(record)) return undefined;
	const map = new Map();
	for (const line of readFileSync(record, 'utf8').split('\n')) {
		if (!line) continue;
		const { file, mutants } = JSON.parse(line);
		for (const id of mutants) {
			if (!map.has(id)) map.set(id, new Set());
			map.get(id).add(file);
		}
	}
	return map;
}

module.exports = class StrykerSequencer extends Sequencer {
	async sort(tests) {
		const sorted = await super.sort(tests);
		const mutant = process.env.__STRYKER_ACTIVE_MUTANT__;
		if (mutant === undefined) return sorted;
		if (!filesByMutant) filesByMutant = load();
		const files = filesByMutant && filesByMutant.get(mutant);
		const kept = files ? sorted.filter((test) => files.has(test.path)) : sorted;
		// Smallest files first: the unit tests, quick to load, usually kill a mutant before the engine tests start, and
		// strykerBailRunner.js stops at the first failing file.
		return kept.sort((a, b) => statSync(a.path).size - statSync(b.path).size);
	}
};
