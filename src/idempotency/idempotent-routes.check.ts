import {
  Injectable,
  OnApplicationBootstrap,
  RequestMethod,
} from '@nestjs/common';
import { METHOD_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { routeAccess } from '../auth/route-access';
import { IDEMPOTENT_KEY } from './idempotency.constants';

const IDEMPOTENT_METHODS = new Set([RequestMethod.POST, RequestMethod.PATCH]);

/**
 * Refuses to start with an @Idempotent() handler that cannot work: one that
 * is not POST or PATCH, or that is @Public() (a key belongs to its caller,
 * and a public route has none). The decorator cannot see either when it
 * runs: `@Post()` and `@Public()` may be applied after it.
 */
@Injectable()
export class IdempotentRoutesCheck implements OnApplicationBootstrap {
  constructor(private readonly modules: ModulesContainer) {}

  onApplicationBootstrap(): void {
    for (const module of this.modules.values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as {
          name: string;
          prototype: object;
        } | null;
        if (!controller) continue;
        for (
          let prototype = controller.prototype;
          prototype !== Object.prototype;
          prototype = Object.getPrototypeOf(prototype) as object
        ) {
          for (const name of Object.getOwnPropertyNames(prototype)) {
            const handler: unknown = Object.getOwnPropertyDescriptor(
              prototype,
              name,
            )?.value;
            if (
              typeof handler !== 'function' ||
              Reflect.getMetadata(IDEMPOTENT_KEY, handler) === undefined
            )
              continue;
            const where = `${controller.name}.${name}`;
            const method = Reflect.getMetadata(METHOD_METADATA, handler) as
              RequestMethod | undefined;
            if (method === undefined || !IDEMPOTENT_METHODS.has(method))
              throw new Error(
                `@Idempotent() on ${where}: only POST and PATCH handlers take it`,
              );
            if (routeAccess(handler, controller).isPublic)
              throw new Error(
                `@Idempotent() on ${where}: a @Public() route has no caller to scope keys to`,
              );
          }
        }
      }
    }
  }
}
