'use strict';
// Run a real n8n headlessly: a fresh user folder, the package installed the way n8n installs
// community packages, CLI imports, `n8n execute --id X --rawOutput`, and `n8n start` for the demo.

const fs = require('fs');
const os = require('os');
const path = require('path');
const { run, runOk, startDaemon, freePort, log, fmtSecs, sleep } = require('./proc');
const { CACHE_DIR, FLAVOURS, ensureN8n, getInstalled, flavourEnv, cleanEnv } = require('./install');
const { MAX_CRASH_RETRIES, isCrash, recordCrash } = require('./crashes');

const ENCRYPTION_KEY = 'lago-e2e-fixed-encryption-key';

/** Parse `n8n execute --rawOutput` stdout: JSON starts at the first line beginning with "{". */
function parseExecuteOutput(stdout) {
	const m = /^\{/m.exec(stdout);
	if (!m) return null;
	const text = stdout.slice(m.index);
	try {
		return JSON.parse(text);
	} catch {
		// Something was logged after the JSON: cut at each "}" line from the end until it parses.
		const ends = [];
		const re = /^\}\s*$/gm;
		let e;
		while ((e = re.exec(text))) ends.push(e.index + 1);
		for (let i = ends.length - 1; i >= 0; i--) {
			try {
				return JSON.parse(text.slice(0, ends[i]));
			} catch {
				/* keep cutting */
			}
		}
		return null;
	}
}

class ExecutionResult {
	constructor({ exitCode, signal, timedOut, stdout, stderr, ms, workflowId, flavour, crashedAfterResult = false }) {
		Object.assign(this, { exitCode, signal, timedOut, stdout, stderr, ms, workflowId, flavour, crashedAfterResult });
		this.run = parseExecuteOutput(stdout);
		const resultData = (this.run && this.run.data && this.run.data.resultData) || {};
		this.runData = resultData.runData || {};
		/** The workflow-level error (execution failed), or undefined. */
		this.error = resultData.error;
		this.lastNodeExecuted = resultData.lastNodeExecuted;
		// A run n8n printed in full before a crash at exit counts as what it printed (see N8nInstance.execute).
		this.ok = (exitCode === 0 || crashedAfterResult) && Boolean(this.run) && !this.error;
	}

	/** The task data of one node run: { data: { main: [[items]] }, error?, executionStatus, ... } */
	nodeRun(nodeName, runIndex = 0) {
		const runs = this.runData[nodeName];
		if (!runs) throw new Error(`Node "${nodeName}" did not run (ran: ${Object.keys(this.runData).join(', ') || 'nothing'}). ${this.describe()}`);
		return runs[runIndex];
	}

	/** Full items ({json, pairedItem, error?}) of a node's output. */
	nodeItems(nodeName, { output = 0, runIndex = 0 } = {}) {
		const r = this.nodeRun(nodeName, runIndex);
		return (r && r.data && r.data.main && r.data.main[output]) || [];
	}

	/** Just the JSON of each output item. */
	items(nodeName, opts) {
		return this.nodeItems(nodeName, opts).map((i) => i.json);
	}

	/** The error a node threw (execution stopped there), or undefined. */
	nodeError(nodeName, runIndex = 0) {
		const r = this.runData[nodeName] && this.runData[nodeName][runIndex];
		return r ? r.error : undefined;
	}

	describe() {
		const tail = (s) => s.split('\n').filter(Boolean).slice(-15).join('\n');
		return `[${this.flavour} execute ${this.workflowId}: exit ${this.exitCode}${this.signal ? ` (${this.signal})` : ''}${this.timedOut ? ' TIMEOUT' : ''}, ${fmtSecs(this.ms)}${this.error ? ', error: ' + this.error.message : ''}]` + (this.run ? '' : `\nstdout:\n${tail(this.stdout)}\nstderr:\n${tail(this.stderr)}`);
	}
}

/** One n8n user folder with the package installed; all CLI commands of a test run go through it. */
class N8nInstance {
	constructor(flavour, folder, { keep }) {
		this.flavour = flavour; // from ensureN8n/getInstalled
		this.folder = folder;
		this.userFolder = path.join(folder, 'home');
		this.keep = keep;
		this.logFile = path.join(folder, 'n8n.log');
		this.daemon = null;
	}

	/**
	 * @param {'n8n1'|'n8n2'} key
	 * @param {{tarball?:string, packageDir?:string, baseDir?:string, prefix?:string, install?:boolean, keep?:boolean}} opts
	 *   tarball: install it into <userFolder>/.n8n/nodes (like n8n's community packages); packageDir: symlink instead.
	 */
	static async create(key, opts = {}) {
		const flavour = opts.install ? await ensureN8n(key) : getInstalled(key);
		const baseDir = opts.baseDir || os.tmpdir();
		fs.mkdirSync(baseDir, { recursive: true });
		const folder = fs.mkdtempSync(path.join(baseDir, opts.prefix || `lago-e2e-${key}-`));
		const keep = opts.keep !== undefined ? opts.keep : Boolean(process.env.LAGO_E2E_KEEP);
		const inst = new N8nInstance(flavour, folder, { keep });
		fs.mkdirSync(inst.userFolder, { recursive: true });
		inst.brokerPort = await freePort();
		if (opts.tarball) await inst.installPackage(opts.tarball);
		else if (opts.packageDir) inst.linkPackage(opts.packageDir);
		return inst;
	}

	env(extra = {}) {
		const engine = process.env.LAGO_E2E_EXPRESSION_ENGINE ? { N8N_EXPRESSION_ENGINE: process.env.LAGO_E2E_EXPRESSION_ENGINE } : {};
		return flavourEnv(this.flavour.key, {
			...FLAVOURS[this.flavour.key].env,
			...engine,
			N8N_USER_FOLDER: this.userFolder,
			N8N_ENCRYPTION_KEY: ENCRYPTION_KEY,
			N8N_DIAGNOSTICS_ENABLED: 'false',
			N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
			N8N_TEMPLATES_ENABLED: 'false',
			N8N_PERSONALIZATION_ENABLED: 'false',
			N8N_HIRING_BANNER_ENABLED: 'false',
			N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'false',
			N8N_RUNNERS_BROKER_PORT: String(this.brokerPort),
			// The execute result is printed through the logger at level info: never raise it.
			N8N_LOG_LEVEL: 'info',
			N8N_NO_COLOR: 'true',
			NO_COLOR: '1',
			...extra,
		});
	}

	get nodesDir() {
		return path.join(this.userFolder, '.n8n', 'nodes');
	}

	/**
	 * Install a packed tarball the way n8n (1.123 and 2.41, CommunityPackagesService.downloadPackage) installs a
	 * community package: ~/.n8n/nodes/package.json "installed-nodes"; the tarball unpacked into
	 * nodes/node_modules/<name>; its dev/peer/optional dependencies dropped (so n8n's own n8n-workflow is used);
	 * `npm install` with n8n's flags inside it; the version recorded in nodes/package.json.
	 */
	async installPackage(tarball) {
		const t0 = Date.now();
		fs.mkdirSync(this.nodesDir, { recursive: true });
		const nodesPkgFile = path.join(this.nodesDir, 'package.json');
		if (!fs.existsSync(nodesPkgFile)) fs.writeFileSync(nodesPkgFile, JSON.stringify({ name: 'installed-nodes', private: true, dependencies: {} }, null, 2));
		const manifest = JSON.parse((await runOk('tar', ['-xzOf', tarball, 'package/package.json'], { timeoutMs: 60_000 })).stdout);
		const pkgDir = path.join(this.nodesDir, 'node_modules', ...manifest.name.split('/'));
		fs.rmSync(pkgDir, { recursive: true, force: true });
		fs.mkdirSync(pkgDir, { recursive: true });
		await runOk('tar', ['-xzf', tarball, '-C', pkgDir, '--strip-components=1'], { timeoutMs: 60_000 });
		const { devDependencies, peerDependencies, optionalDependencies, ...stripped } = manifest; // eslint-disable-line no-unused-vars
		fs.writeFileSync(path.join(pkgDir, 'package.json'), JSON.stringify(stripped, null, 2));
		await runOk(
			'npm',
			['install', '--audit=false', '--fund=false', '--bin-links=false', '--install-strategy=shallow', '--ignore-scripts=true', '--package-lock=false', '--loglevel=warn'],
			{ cwd: pkgDir, env: cleanEnv(), timeoutMs: 5 * 60_000 },
		);
		const nodesPkg = JSON.parse(fs.readFileSync(nodesPkgFile, 'utf8'));
		nodesPkg.dependencies = { ...(nodesPkg.dependencies || {}), [manifest.name]: manifest.version };
		fs.writeFileSync(nodesPkgFile, JSON.stringify(nodesPkg, null, 2));
		this.packageName = manifest.name;
		this.packageVersion = manifest.version;
		log(`${this.flavour.label}: installed ${path.basename(tarball)} as a community package in ${fmtSecs(Date.now() - t0)}`);
	}

	linkPackage(dir) {
		const nm = path.join(this.nodesDir, 'node_modules');
		fs.mkdirSync(nm, { recursive: true });
		fs.symlinkSync(path.resolve(dir), path.join(nm, 'n8n-nodes-lago'));
	}

	/** Run an n8n CLI command (bounded); returns the raw result. */
	async cli(args, { timeoutMs = 120_000, env } = {}) {
		return run(this.flavour.node, [this.flavour.bin, ...args], {
			cwd: this.folder,
			env: this.env(env),
			timeoutMs,
			logFile: this.logFile,
		});
	}

	async cliOk(args, opts) {
		const r = await this.cli(args, opts);
		if (r.code !== 0) {
			const tail = `${r.stdout}\n${r.stderr}`.split('\n').filter(Boolean).slice(-20).join('\n');
			throw new Error(`${this.flavour.label}: n8n ${args.join(' ')} ${r.timedOut ? 'timed out' : 'exited ' + r.code}\n${tail}`);
		}
		return r;
	}

	_writeInput(name, data) {
		const file = path.join(this.folder, name);
		fs.writeFileSync(file, typeof data === 'string' ? data : JSON.stringify(data, null, 2));
		return file;
	}

	/** creds: [{id, name, type, data:{...plain...}}]; `data` is encrypted on import with the instance key. */
	async importCredentials(creds) {
		const t0 = Date.now();
		const file = this._writeInput(`creds-${Date.now()}.json`, Array.isArray(creds) ? creds : [creds]);
		await this.cliOk(['import:credentials', `--input=${file}`]);
		log(`${this.flavour.label}: imported ${Array.isArray(creds) ? creds.length : 1} credential(s) in ${fmtSecs(Date.now() - t0)}`);
	}

	/** workflows: one workflow object (with a fixed id, at most 16 chars) or an array of them. */
	async importWorkflows(workflows) {
		const list = Array.isArray(workflows) ? workflows : [workflows];
		const t0 = Date.now();
		for (const wf of list) {
			if (!wf.id || wf.id.length > 16) throw new Error(`Workflow "${wf.name}" needs a fixed id of at most 16 characters (has "${wf.id}")`);
		}
		// One command for all: each CLI start costs seconds.
		const dir = path.join(this.folder, `workflows-${Date.now()}`);
		fs.mkdirSync(dir);
		list.forEach((wf, i) => fs.writeFileSync(path.join(dir, `${String(i).padStart(3, '0')}-${wf.id}.json`), JSON.stringify(wf, null, 2)));
		await this.cliOk(['import:workflow', '--separate', `--input=${dir}`]);
		log(`${this.flavour.label}: imported ${list.length} workflow(s) in ${fmtSecs(Date.now() - t0)}`);
	}

	importWorkflow(wf) {
		return this.importWorkflows([wf]);
	}

	/**
	 * What a crash retry must undo first: `sandbox` is snapshotted before each attempt and restored before a retry, so
	 * a run that n8n's crash cut short (or that finished just before n8n crashed at exit) leaves no trace.
	 */
	restoreOnCrash(sandbox) {
		this.crashGuard = sandbox;
	}

	/**
	 * `n8n execute --id <id> --rawOutput`; resolves with an ExecutionResult even when the run fails. When n8n itself is
	 * ended by a signal (see crashes.js):
	 * - after it printed the whole run (n8n 1.x's vm expression engine often crashes while the process exits): the run
	 *   is complete, so its result is kept and the crash is recorded; running it again would only repeat its effects;
	 * - before it printed a result: the sandbox (restoreOnCrash) is restored and the same command runs again, at most
	 *   `crashRetries` times, each crash recorded.
	 * Any other outcome (an exit code, a failed execution, a timeout) is returned as it is.
	 */
	async execute(workflowId, { timeoutMs = 180_000, crashRetries = MAX_CRASH_RETRIES } = {}) {
		for (let attempt = 1; ; attempt++) {
			const snapshot = this.crashGuard ? this.crashGuard.snapshot() : undefined;
			const stdoutFile = path.join(this.folder, `execute-${workflowId}-${Date.now()}.json`);
			const r = await run(this.flavour.node, [this.flavour.bin, 'execute', `--id=${workflowId}`, '--rawOutput'], {
				cwd: this.folder,
				env: this.env(),
				timeoutMs,
				logFile: this.logFile,
				stdoutFile,
			});
			fs.rmSync(stdoutFile, { force: true });
			const crashed = isCrash(r);
			const res = new ExecutionResult({ exitCode: r.code, signal: r.signal, timedOut: r.timedOut, stdout: r.stdout, stderr: r.stderr, ms: r.ms, workflowId, flavour: this.flavour.label, crashedAfterResult: crashed && Boolean(parseExecuteOutput(r.stdout)) });
			res.crashRetries = attempt - 1;
			log(`${this.flavour.label}: execute ${workflowId} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''}${r.timedOut ? ' (TIMEOUT)' : ''} in ${fmtSecs(r.ms)}`);
			if (!crashed) return res;
			if (res.crashedAfterResult) {
				recordCrash({ flavour: this.flavour.label, what: `execute ${workflowId}`, signal: r.signal, ms: r.ms, attempt, afterResult: true });
				log(`${this.flavour.label}: n8n was ended by ${r.signal} after printing the whole run; keeping that result`);
				return res;
			}
			if (attempt > crashRetries) return res;
			recordCrash({ flavour: this.flavour.label, what: `execute ${workflowId}`, signal: r.signal, ms: r.ms, attempt, afterResult: false });
			log(`${this.flavour.label}: n8n was ended by ${r.signal} before printing a result; restoring the sandbox and running execute ${workflowId} again (crash retry ${attempt} of ${crashRetries})`);
			if (snapshot) this.crashGuard.restore(snapshot);
		}
	}

	/**
	 * `n8n start` on 127.0.0.1; resolves once the REST API answers. Returns { url, port, stop }.
	 */
	async start({ port, readyTimeoutMs = 120_000, extraEnv = {}, onLine } = {}) {
		const p = port || (await freePort());
		const url = `http://127.0.0.1:${p}`;
		const env = this.env({
			N8N_PORT: String(p),
			N8N_HOST: '127.0.0.1',
			N8N_LISTEN_ADDRESS: '127.0.0.1',
			N8N_PROTOCOL: 'http',
			N8N_EDITOR_BASE_URL: `${url}/`,
			N8N_SECURE_COOKIE: 'false',
			...extraEnv,
		});
		const t0 = Date.now();
		let attempt = 1;
		let started = Date.now();
		this.daemon = startDaemon(this.flavour.node, [this.flavour.bin, 'start'], { cwd: this.folder, env, logFile: this.logFile, onLine });
		let exited = null;
		const watch = (d) => d.exited.then((e) => (exited = e));
		watch(this.daemon);
		// /healthz/readiness answers before the REST routes exist: also wait for /rest/settings to return JSON.
		for (;;) {
			if (exited && isCrash({ code: exited.code, signal: exited.signal, timedOut: false }) && attempt <= MAX_CRASH_RETRIES) {
				recordCrash({ flavour: this.flavour.label, what: 'start', signal: exited.signal, ms: Date.now() - started, attempt });
				log(`${this.flavour.label}: n8n start was ended by ${exited.signal} before it was ready; starting it again (crash retry ${attempt} of ${MAX_CRASH_RETRIES})`);
				attempt += 1;
				exited = null;
				started = Date.now();
				this.daemon = startDaemon(this.flavour.node, [this.flavour.bin, 'start'], { cwd: this.folder, env, logFile: this.logFile, onLine });
				watch(this.daemon);
				continue;
			}
			if (exited) throw new Error(`n8n start exited (${exited.code}${exited.signal ? `, ${exited.signal}` : ''}) before it was ready; log: ${this.logFile}`);
			if (Date.now() - t0 > readyTimeoutMs) {
				await this.stop();
				throw new Error(`n8n start not ready after ${fmtSecs(readyTimeoutMs)}; log: ${this.logFile}`);
			}
			try {
				const ready = await fetch(`${url}/healthz/readiness`, { signal: AbortSignal.timeout(2000) });
				if (ready.ok) {
					const s = await fetch(`${url}/rest/settings`, { signal: AbortSignal.timeout(5000) });
					if (s.ok && (s.headers.get('content-type') || '').includes('json')) break;
				}
			} catch {
				/* not listening yet */
			}
			await sleep(500);
		}
		log(`${this.flavour.label}: n8n start ready at ${url} in ${fmtSecs(Date.now() - t0)}`);
		this.url = url;
		return { url, port: p, stop: () => this.stop() };
	}

	async stop() {
		if (this.daemon) {
			const d = this.daemon;
			this.daemon = null;
			await d.stop();
		}
	}

	/** Stop n8n and delete the folder (kept when LAGO_E2E_KEEP is set). */
	async dispose() {
		await this.stop();
		if (this.keep) {
			log(`${this.flavour.label}: keeping ${this.folder}`);
			return;
		}
		fs.rmSync(this.folder, { recursive: true, force: true });
	}
}

module.exports = { N8nInstance, ExecutionResult, parseExecuteOutput, FLAVOURS, CACHE_DIR, ENCRYPTION_KEY };
