// The no-code journeys in n8n's editor, in headless Chromium, on n8n 1.x and 2.x (npm run test:journeys).
// Prerequisites: bash e2e/journeys/install-chromium.sh (Debian's chromium); n8n is installed on demand, the package is
// built and packed if dist/ is missing or newer than the last pack.
/** @type {import('jest').Config} */
module.exports = {
	rootDir: __dirname,
	testEnvironment: 'node',
	roots: ['<rootDir>'],
	testMatch: ['**/journeys.e2e.test.js'],
	transform: {},
	// One n8n and one Chromium at a time: they fill the 2 cores.
	maxWorkers: 1,
	// A step waits at most 20 s (browser.js); a journey has a dozen steps on a loaded machine.
	testTimeout: 240000,
	verbose: true,
	reporters: ['default', '<rootDir>/../../n8n-harness/crash-reporter.js'],
};
