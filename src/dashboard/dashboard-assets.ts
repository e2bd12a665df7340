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
    const body = readFileSync(join(dir, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    assets.set(entry.name, { body, contentType, etag });
  }
  return assets;
}
