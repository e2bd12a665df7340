import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dashboardAssetDirs, loadDashboardAssets, loadVendorAssets } from './dashboard-assets';

function folder(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'netorch-dashboard-'));
  for (const [name, body] of Object.entries(files)) writeFileSync(join(dir, name), body);
  return dir;
}

describe('dashboard assets', () => {
  it('serves the first folder that holds an index.html, with types and ETags', () => {
    const empty = folder({ 'app.js': 'stale' });
    const real = folder({
      'index.html': '<!doctype html>',
      'app.js': 'init();',
      'style.css': 'body{}',
      'notes.txt': 'not served',
    });
    mkdirSync(join(real, 'nested'));
    const assets = loadDashboardAssets([empty, real]);
    expect([...assets.keys()].sort()).toEqual(['app.js', 'index.html', 'style.css']);
    expect(assets.get('app.js')!.body.toString()).toBe('init();');
    expect(assets.get('app.js')!.contentType).toBe('text/javascript; charset=utf-8');
    expect(assets.get('index.html')!.contentType).toBe('text/html; charset=utf-8');
    expect(assets.get('style.css')!.etag).toMatch(/^"[\w-]{27}"$/);
    expect(assets.get('style.css')!.etag).not.toBe(assets.get('app.js')!.etag);
    expect(loadDashboardAssets([real]).get('app.js')!.etag).toBe(assets.get('app.js')!.etag);
  });

  it('names every folder it looked in when none has the page', () => {
    const a = folder({});
    const b = join(a, 'missing');
    expect(() => loadDashboardAssets([a, b])).toThrow(`${a}, ${b}`);
  });

  it('looks next to the compiled module first, then in the sources', () => {
    expect(dashboardAssetDirs('/app/dist/dashboard', '/repo')).toEqual([
      '/app/dist/dashboard/public',
      '/repo/src/dashboard/public',
    ]);
  });

  it('finds the real page from the sources', () => {
    const assets = loadDashboardAssets(dashboardAssetDirs('/nowhere', join(__dirname, '..', '..')));
    expect(assets.get('index.html')!.body.toString()).toContain('/dashboard/app.js');
    expect(assets.has('app.js') && assets.has('style.css')).toBe(true);
  });

  it('serves every module the page scripts import', () => {
    const assets = loadDashboardAssets(dashboardAssetDirs('/nowhere', join(__dirname, '..', '..')));
    const scripts = [...assets.keys()].filter((name) => name.endsWith('.js'));
    const imported = scripts.flatMap((name) =>
      [
        ...assets
          .get(name)!
          .body.toString()
          .matchAll(/^import [^;]+ from '\.\/([\w-]+\.js)';$/gm),
      ].map((m) => m[1]),
    );
    expect(imported.length).toBeGreaterThan(scripts.length);
    expect(imported.filter((name) => !assets.has(name))).toEqual([]);
    // Every module is reached from app.js, the one script index.html loads.
    expect(new Set(['app.js', ...imported])).toEqual(new Set(scripts));
  });

  it('serves the chart library from the installed package', () => {
    const vendor = loadVendorAssets();
    expect([...vendor.keys()].sort()).toEqual(['uPlot.iife.min.js', 'uPlot.min.css']);
    expect(vendor.get('uPlot.iife.min.js')!.body.toString()).toContain('uPlot');
    expect(vendor.get('uPlot.iife.min.js')!.contentType).toBe('text/javascript; charset=utf-8');
    expect(vendor.get('uPlot.min.css')!.contentType).toBe('text/css; charset=utf-8');
    expect(vendor.get('uPlot.min.css')!.body.toString()).toContain('.uplot');
  });

  it('says what to do when a package is missing', () => {
    const resolve = () => {
      throw new Error('Cannot find module');
    };
    expect(() => loadVendorAssets({ 'x.js': 'missing/x.js' }, resolve)).toThrow(
      'Dashboard file x.js not found: install the dependencies (npm ci)',
    );
  });
});
