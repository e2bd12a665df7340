import { INestApplication, Module, RequestMethod } from '@nestjs/common';
import { INTERCEPTORS_METADATA, METHOD_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, ModulesContainer } from '@nestjs/core';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import { IdempotencyService } from './idempotency.service';

/** Idempotency-Key for every POST of the HTTP role (see applyIdempotencyToPosts). */
@Module({
  providers: [IdempotencyService, IdempotencyInterceptor],
})
export class IdempotencyModule {}

/**
 * Puts the IdempotencyInterceptor on every POST handler of every controller, first among the
 * handler's own interceptors. It is not a global interceptor because Nest runs a global one on
 * every route, and a route with any interceptor pays for an RxJS pipeline per request even when
 * the interceptor only passes the call on, as this one does for everything but POST. Called
 * after the application is created and before `init()` registers the routes, which is when Nest
 * reads a handler's interceptors.
 */
export function applyIdempotencyToPosts(app: INestApplication): void {
  const interceptor = app.get(IdempotencyInterceptor);
  const controllers = new DiscoveryService(app.get(ModulesContainer)).getControllers();
  const done = new Set<unknown>();
  for (const { metatype } of controllers) {
    if (typeof metatype !== 'function' || done.has(metatype)) continue;
    done.add(metatype);
    for (let proto = metatype.prototype as object; proto !== Object.prototype;) {
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = Object.getOwnPropertyDescriptor(proto, name)?.value as unknown;
        if (typeof handler !== 'function' || name === 'constructor') continue;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method !== RequestMethod.POST && method !== RequestMethod.ALL) continue;
        const own = (Reflect.getMetadata(INTERCEPTORS_METADATA, handler) as unknown[]) ?? [];
        if (own.includes(interceptor)) continue;
        Reflect.defineMetadata(INTERCEPTORS_METADATA, [interceptor, ...own], handler);
      }
      proto = Object.getPrototypeOf(proto) as object;
    }
  }
}
