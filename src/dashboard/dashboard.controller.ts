import { Controller, Get, Headers, NotFoundException, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/public.decorator';
import {
  DashboardAsset,
  dashboardAssetDirs,
  loadDashboardAssets,
  loadVendorAssets,
} from './dashboard-assets';

/** Scripts, styles and API calls only from this origin; the page never needs anything else. */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The operator dashboard: a static page that talks to the public REST API with the operator's
 * key. The shell is public (it holds no data); every API call it makes is checked as usual.
 */
@ApiExcludeController()
@Public()
@Controller()
export class DashboardController {
  // The page's own files and the chart library's, each read once at start.
  private readonly assets: Map<string, DashboardAsset> = new Map([
    ...loadDashboardAssets(dashboardAssetDirs(__dirname)),
    ...loadVendorAssets(),
  ]);

  @Get()
  index(
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    this.send(reply, this.assets.get('index.html')!, ifNoneMatch);
  }

  @Get('dashboard/:file')
  asset(
    @Param('file') file: string,
    @Headers('if-none-match') ifNoneMatch: string | undefined,
    @Res() reply: FastifyReply,
  ): void {
    const asset = file === 'index.html' ? undefined : this.assets.get(file);
    if (!asset) throw new NotFoundException(`Dashboard file ${file} not found`);
    this.send(reply, asset, ifNoneMatch);
  }

  private send(reply: FastifyReply, asset: DashboardAsset, ifNoneMatch?: string): void {
    // no-cache + ETag: a browser revalidates, so an upgraded service is seen at once.
    reply
      .header('cache-control', 'no-cache')
      .header('etag', asset.etag)
      .header('x-content-type-options', 'nosniff')
      .header('content-security-policy', CONTENT_SECURITY_POLICY)
      .header('referrer-policy', 'no-referrer');
    if (ifNoneMatch === asset.etag) {
      reply.status(304).send();
      return;
    }
    reply.type(asset.contentType).send(asset.body);
  }
}
