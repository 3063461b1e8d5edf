// Mutation runs only (jest.stryker.config.js): during Stryker's initial run, record which mutants each test file
// reaches (its per-test and static coverage), so that strykerSequencer.js can run a mutant against only those files.
// Loading a test file costs seconds (n8n-core), and jest loads every candidate file even when Stryker's test-name
// filter then skips all of its tests.
const { appendFileSync } = require('fs');
const { join } = require('path');

const namespace = globalThis.__strykerGlobalNamespace__;

afterAll(() => {
	if (!namespace || process.env.__STRYKER_ACTIVE_MUTANT__ !== undefined) return;
	const coverage = globalThis[namespace] && globalThis[namespace].mutantCoverage;
	if (!coverage) return;
	const mutants = new Set(Object.keys(coverage.static || {}));
	for (const hits of Object.values(coverage.perTest || {})) for (const id of Object.keys(hits)) mutants.add(id);
	appendFileSync(join(process.cwd(), '.stryker-test-files.jsonl'), JSON.stringify({ file: expect.getState().testPath, mutants: [...mutants] }) + '\n');
});
