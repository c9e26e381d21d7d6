// The crawl benchmark's peer: the same crawl as `mcprisk refresh`, written
// on the official TypeScript SDK (Client + StreamableHTTPClientTransport).
// A pool of JOBS async workers takes the catalog's servers in order and
// runs initialize -> tools/list (every page) -> terminateSession -> close.
// It stores nothing, so it does less work than mcprisk.
//
// usage: node bench/peer_ts/crawl.mjs CATALOG JOBS
// prints one JSON line: servers, ok, failed, tools, seconds, first error
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const here = path.dirname(fileURLToPath(import.meta.url));
// The SDK is the one pinned for the tests (tests/package-lock.json).
const require = createRequire(path.join(here, '..', '..', 'tests', 'package.json'));
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } =
	require('@modelcontextprotocol/sdk/client/streamableHttp.js');

const [catalogPath, jobsArg] = process.argv.slice(2);
const jobs = Number.parseInt(jobsArg ?? '', 10);
if (!catalogPath || !(jobs >= 1)) {
	process.stderr.write('usage: node crawl.mjs CATALOG JOBS\n');
	process.exit(2);
}
const urls = JSON.parse(readFileSync(catalogPath, 'utf8')).sources
	.filter((s) => s.type === 'server' && s.url)
	.map((s) => s.url);

// Same guard as mcprisk's: a bounded number of pages per server.
const MAX_PAGES = 100;
let next = 0, ok = 0, failed = 0, tools = 0, firstError = null;

async function crawlOne(url) {
	const client = new Client({ name: 'crawl-peer', version: '1.0.0' });
	const transport = new StreamableHTTPClientTransport(new URL(url));
	try {
		await client.connect(transport);
		let cursor, pages = 0, n = 0;
		do {
			const r = await client.listTools(cursor ? { cursor } : undefined);
			n += r.tools.length;
			cursor = r.nextCursor;
		} while (cursor && ++pages < MAX_PAGES);
		await transport.terminateSession();
		tools += n;
		ok++;
	} catch (e) {
		failed++;
		firstError ??= `${url}: ${e?.message ?? e}`;
	} finally {
		await client.close().catch(() => {});
	}
}

async function worker() {
	while (next < urls.length)
		await crawlOne(urls[next++]);
}

const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: Math.min(jobs, urls.length) }, worker));
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
process.stdout.write(JSON.stringify({ servers: urls.length, ok, failed, tools,
	seconds, firstError }) + '\n');
