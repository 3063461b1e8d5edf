#!/usr/bin/env node
'use strict';
// Prepares the end-to-end run: installs n8n 1.x (Node 20) and n8n 2.x (Node 24) into .e2e-cache/ unless already
// there, builds the package and packs it once. Then: npx jest -c jest.e2e.config.js
// Options: --only n8n1|n8n2   install just one flavour;  --no-build   pack the existing dist/

const { ensureN8n, FLAVOURS } = require('../n8n-harness/install');
const { buildPackage, packPackage } = require('../n8n-harness/pack');
const { log, fmtSecs } = require('../n8n-harness/proc');

async function main() {
	const args = process.argv.slice(2);
	const onlyIdx = args.indexOf('--only');
	const keys = onlyIdx >= 0 ? [args[onlyIdx + 1]] : Object.keys(FLAVOURS);
	const t0 = Date.now();
	// One install at a time: each compiles native modules and peaks at 1-3 GB of RAM.
	for (const key of keys) await ensureN8n(key);
	if (!args.includes('--no-build')) await buildPackage();
	const tarball = await packPackage();
	log(`e2e setup done in ${fmtSecs(Date.now() - t0)} (tarball ${tarball})`);
}

main().catch((e) => {
	console.error(`\ne2e setup failed: ${e.message}`);
	process.exit(1);
});
