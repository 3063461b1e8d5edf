// The tests `npm run test:mutation` runs against each mutant: the in-process unit and engine tests. The sandbox's own
// tests and the e2e runner's tests never load the mutated files.
const base = require('./jest.config');

/** @type {import('jest').Config} */
module.exports = {
	...base,
	testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/sandbox/', '<rootDir>/test/e2e-runner/'],
};
