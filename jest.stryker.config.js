// The tests `npm run test:mutation` runs against each mutant: the in-process unit and engine tests. The sandbox's own
// tests and the e2e runner's tests never load the mutated files.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	// The source folders are roots too, so that jest's dependency graph reaches from a test through the harness and the
	// node files to the mutated file: with only `test/` as a root, --findRelatedTests lost that path and missed the
	// engine tests. testMatch still picks only `*.test.*` files, which all live under test/.
	roots: ['<rootDir>/test', '<rootDir>/nodes', '<rootDir>/credentials'],
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/sandbox/', '<rootDir>/test/e2e-runner/'],
	// Each mutant runs only in the test files that reached it in the initial run, smallest first, up to the first file
	// that fails (see the three files).
	setupFilesAfterEnv: [...base.setupFilesAfterEnv, '<rootDir>/test/helpers/strykerCoverageRecorder.js'],
	testSequencer: '<rootDir>/test/helpers/strykerSequencer.js',
	runner: '<rootDir>/test/helpers/strykerBailRunner.js',
};
