'use strict';
// Build and pack the package once per test run; both n8n flavours install the same tarball.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { runOk, log, fmtSecs } = require('./proc');
const { REPO_ROOT, cleanEnv } = require('./install');

// Per checkout, not in the (shareable) cache: two checkouts using one LAGO_E2E_CACHE must not swap tarballs.
const LATEST = path.join(REPO_ROOT, '.tmp', 'pack-latest.json');

function newestMtime(dir) {
	let newest = 0;
	const walk = (d) => {
		for (const e of fs.readdirSync(d, { withFileTypes: true })) {
			const p = path.join(d, e.name);
			if (e.isDirectory()) walk(p);
			else newest = Math.max(newest, fs.statSync(p).mtimeMs);
		}
	};
	if (fs.existsSync(dir)) walk(dir);
	return newest;
}

async function buildPackage() {
	const t0 = Date.now();
	log('building the package (npm run build) …');
	await runOk('npm', ['run', 'build'], { cwd: REPO_ROOT, env: cleanEnv(), timeoutMs: 10 * 60_000 });
	log(`build done in ${fmtSecs(Date.now() - t0)}`);
}

function assertBuilt() {
	const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
	const files = [...((pkg.n8n && pkg.n8n.nodes) || []), ...((pkg.n8n && pkg.n8n.credentials) || [])];
	const missing = files.filter((f) => !fs.existsSync(path.join(REPO_ROOT, f)));
	if (!files.length || missing.length) {
		throw new Error(`The package is not built (missing: ${missing.join(', ') || 'n8n.nodes in package.json'}). Run: npm run build`);
	}
	return pkg;
}

/** npm pack into a fresh temp dir; records the result in .tmp/pack-latest.json. Returns the tarball path. */
async function packPackage() {
	const pkg = assertBuilt();
	const t0 = Date.now();
	const dest = fs.mkdtempSync(path.join(os.tmpdir(), 'lago-e2e-pack-'));
	const r = await runOk('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dest], { cwd: REPO_ROOT, env: cleanEnv(), timeoutMs: 5 * 60_000 });
	const info = JSON.parse(r.stdout.slice(r.stdout.indexOf('[')));
	const tarball = path.join(dest, info[0].filename);
	if (!fs.existsSync(tarball)) throw new Error(`npm pack did not produce ${tarball}`);
	fs.mkdirSync(path.dirname(LATEST), { recursive: true });
	fs.writeFileSync(LATEST, JSON.stringify({ tarball, name: pkg.name, version: pkg.version, files: info[0].files.map((f) => f.path), packedAt: new Date().toISOString() }, null, 2));
	removeOldPacks(dest);
	log(`packed ${info[0].filename} (${info[0].entryCount} files, ${(info[0].size / 1024).toFixed(1)} kB) in ${fmtSecs(Date.now() - t0)}`);
	return tarball;
}

/** Earlier packs in the temp dir, once they are an hour old (a run still going may be using a recent one). */
function removeOldPacks(keep) {
	const cutoff = Date.now() - 60 * 60_000;
	for (const name of fs.readdirSync(os.tmpdir())) {
		const dir = path.join(os.tmpdir(), name);
		if (!name.startsWith('lago-e2e-pack-') || dir === keep) continue;
		try {
			if (fs.statSync(dir).mtimeMs < cutoff) fs.rmSync(dir, { recursive: true, force: true });
		} catch {
			/* gone already */
		}
	}
}

function readLatest() {
	try {
		const j = JSON.parse(fs.readFileSync(LATEST, 'utf8'));
		return fs.existsSync(j.tarball) ? j : null;
	} catch {
		return null;
	}
}

/** The tarball from setup.js if it is at least as new as dist/, otherwise a fresh pack (no build). */
async function currentTarball() {
	if (process.env.LAGO_E2E_TARBALL) return path.resolve(process.env.LAGO_E2E_TARBALL);
	const latest = readLatest();
	if (latest && fs.statSync(latest.tarball).mtimeMs >= newestMtime(path.join(REPO_ROOT, 'dist'))) return latest.tarball;
	if (latest) log('dist/ changed since the last pack; packing again');
	return packPackage();
}

module.exports = { buildPackage, packPackage, currentTarball, assertBuilt, newestMtime };
