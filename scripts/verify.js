#!/usr/bin/env node
'use strict';
/**
 * npm run verify: the checks n8n's community-package scanner (@n8n/scan-community-package) makes, run offline on what
 * npm would publish. The scanner itself needs the npm registry's provenance record and the GitHub source, which this
 * machine cannot reach, so its two ESLint passes are reproduced here with the same rule sets and inline
 * `eslint-disable` comments ignored, plus the package-shape checks its rules and n8n's loader rely on.
 */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { execFileSync } = require('child_process');
const { createRequire } = require('module');

const root = path.resolve(__dirname, '..');
// The plugin ships inside @n8n/node-cli (its peer range wants n8n-workflow 2, ours is pinned to the 1.x engine).
const fromNodeCli = createRequire(require.resolve('@n8n/node-cli/eslint'));
const { n8nCommunityNodesPlugin } = fromNodeCli('@n8n/eslint-plugin-community-nodes');
const n8nNodesBase = require('eslint-plugin-n8n-nodes-base');
const tseslint = fromNodeCli('typescript-eslint');
const { ESLint } = require('eslint');

const MAX_TARBALL_BYTES = 100 * 1024;
const problems = [];
const fail = (message) => problems.push(message);

// The scanner's rule sets: community-node rules everywhere; the node and credential rule sets only on TypeScript
// sources (on compiled .js they cannot see the description and the filename rules cannot be satisfied).
function scannerConfig() {
	const withoutCommunityFalsePositives = {
		'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
		'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
		'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
		'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
		'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
	};
	return [
		n8nCommunityNodesPlugin.configs.recommended,
		{ rules: { 'no-console': 'error' } },
		{ plugins: { 'n8n-nodes-base': n8nNodesBase } },
		{ files: ['package.json'], rules: n8nNodesBase.configs.community.rules },
		{ files: ['**/credentials/**/*.ts'], rules: { ...n8nNodesBase.configs.credentials.rules, ...withoutCommunityFalsePositives } },
		{ files: ['**/nodes/**/*.ts'], rules: { ...n8nNodesBase.configs.nodes.rules, ...withoutCommunityFalsePositives } },
		{ files: ['**/*.json', '**/*.ts'], languageOptions: { parser: tseslint.parser } },
	];
}

async function lint(cwd, patterns, label) {
	const eslint = new ESLint({ cwd, overrideConfigFile: true, overrideConfig: scannerConfig(), allowInlineConfig: false, errorOnUnmatchedPattern: false });
	const results = await eslint.lintFiles(patterns);
	let errors = 0;
	let warnings = 0;
	for (const result of results) {
		for (const message of result.messages) {
			const where = `${path.relative(cwd, result.filePath)}:${message.line}:${message.column}`;
			if (message.severity === 2) {
				errors++;
				fail(`${label}: ${where} ${message.message} (${message.ruleId})`);
			} else {
				warnings++;
				console.log(`  warning ${label}: ${where} ${message.message} (${message.ruleId})`);
			}
		}
	}
	console.log(`${label}: ${results.length} files, ${errors} errors, ${warnings} warnings`);
}

function checkPackageShape(dir, tarballBytes) {
	const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	if (Object.keys(pkg.dependencies ?? {}).length) fail(`runtime dependencies are not allowed: ${Object.keys(pkg.dependencies).join(', ')}`);
	if (JSON.stringify(pkg.peerDependencies) !== JSON.stringify({ 'n8n-workflow': '*' })) fail(`peerDependencies must be exactly {"n8n-workflow":"*"}, got ${JSON.stringify(pkg.peerDependencies)}`);
	if (pkg.license !== 'MIT') fail(`license must be MIT, got ${pkg.license}`);
	if (!(pkg.keywords ?? []).includes('n8n-community-node-package')) fail('keyword n8n-community-node-package is missing');
	for (const file of [...(pkg.n8n?.nodes ?? []), ...(pkg.n8n?.credentials ?? [])]) {
		if (!fs.existsSync(path.join(dir, file))) fail(`n8n section lists ${file}, which is not in the tarball`);
	}
	const files = [];
	const walk = (d) => fs.readdirSync(d, { withFileTypes: true }).forEach((e) => (e.isDirectory() ? walk(path.join(d, e.name)) : files.push(path.relative(dir, path.join(d, e.name)))));
	walk(dir);
	const stray = files.filter((f) => !/^(dist\/|package\.json$|README\.md$|LICENSE$|CHANGELOG\.md$)/.test(f) || /\.tsbuildinfo$|\.test\.|\/test\/|sandbox|e2e/.test(f));
	if (stray.length) fail(`files that should not be published: ${stray.join(', ')}`);
	for (const icon of ['dist/nodes/LagoEvents/lago.svg', 'dist/nodes/LagoEvents/lago.dark.svg', 'dist/credentials/lago.svg', 'dist/credentials/lago.dark.svg', 'dist/nodes/LagoEvents/LagoEvents.node.json']) {
		if (!files.includes(icon)) fail(`${icon} is missing from the tarball`);
	}
	if (tarballBytes > MAX_TARBALL_BYTES) fail(`tarball is ${tarballBytes} bytes, over ${MAX_TARBALL_BYTES}`);
	console.log(`package shape: ${files.length} files, tarball ${(tarballBytes / 1024).toFixed(1)} kB, dependencies ${Object.keys(pkg.dependencies ?? {}).length}`);
}

async function main() {
	const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-verify-'));
	try {
		const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
		const [{ filename }] = JSON.parse(out);
		const tarball = path.join(work, filename);
		execFileSync('tar', ['-xzf', tarball, '-C', work]);
		const unpacked = path.join(work, 'package');
		checkPackageShape(unpacked, fs.statSync(tarball).size);
		await lint(root, ['package.json', '{nodes,credentials}/**/*.{js,ts,json}'], 'source scan');
		await lint(unpacked, ['package.json', 'dist/**/*.js'], 'tarball scan');
	} finally {
		fs.rmSync(work, { recursive: true, force: true });
	}
	if (problems.length) {
		console.error(`verify: ${problems.length} problem(s)`);
		for (const p of problems) console.error(`  ${p}`);
		process.exit(1);
	}
	console.log('verify: 0 errors');
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
