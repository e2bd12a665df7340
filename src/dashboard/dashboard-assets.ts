import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

export interface DashboardAsset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

/**
 * Where the page's files live: next to the compiled module when `nest build` copied them
 * (dist/dashboard/public), else the sources, for a plain `tsc` build run from the repository.
 */
export function dashboardAssetDirs(compiledDir: string, cwd = process.cwd()): string[] {
  return [join(compiledDir, 'public'), join(cwd, 'src', 'dashboard', 'public')];
}

/**
 * Reads every file of the first folder that holds an index.html, once: the set of servable
 * names is fixed at start, so no request path ever reaches the file system.
 */
export function loadDashboardAssets(dirs: string[]): Map<string, DashboardAsset> {
  const dir = dirs.find((d) => existsSync(join(d, 'index.html')));
  if (!dir) {
    throw new Error(
      `Dashboard files not found (looked in ${dirs.join(', ')}); build with \`npm run build\`, which copies src/dashboard/public`,
    );
  }
  const assets = new Map<string, DashboardAsset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (!entry.isFile() || !contentType) continue;
    assets.set(entry.name, asset(entry.name, readFileSync(join(dir, entry.name))));
  }
  return assets;
}

/**
 * Files of npm packages the page loads, under the names it asks for (/dashboard/<name>): served
 * by the app like its own files, so the page needs nothing from another origin.
 */
export const VENDOR_ASSETS: Record<string, string> = {
  'uPlot.iife.min.js': 'uplot/dist/uPlot.iife.min.js',
  'uPlot.min.css': 'uplot/dist/uPlot.min.css',
};

/** Reads the vendor files once, resolved like `require` does (node_modules, NODE_PATH). */
export function loadVendorAssets(
  files: Record<string, string> = VENDOR_ASSETS,
  resolve: (id: string) => string = require.resolve,
): Map<string, DashboardAsset> {
  const assets = new Map<string, DashboardAsset>();
  for (const [name, id] of Object.entries(files)) {
    let path: string;
    try {
      path = resolve(id);
    } catch {
      throw new Error(`Dashboard file ${name} not found: install the dependencies (npm ci)`);
    }
    assets.set(name, asset(name, readFileSync(path)));
  }
  return assets;
}

function asset(name: string, body: Buffer): DashboardAsset {
  const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
  return { body, contentType: CONTENT_TYPES[extname(name)], etag };
}
