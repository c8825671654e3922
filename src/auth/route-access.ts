import type { ExecutionContext } from '@nestjs/common';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { Reflector } from '@nestjs/core';
import {
  IS_PUBLIC_KEY,
  REQUIRED_SCOPE_KEY,
  REQUIRED_MFA_KEY,
  REQUIRED_TIER_KEY,
  SESSION_ONLY_KEY,
} from './auth.constants';
import { credentialRouteNeedsSession } from './credential-routes';
import type { Scope } from './scope';
import { MfaRequirement, usableBeforeEnrolment } from './mfa-policy';
import type { Tier } from './tier';

/** Who may call a route, as the global guards and TierGuard read it from its metadata. */
export interface RouteAccess {
  /** @Public(): no authentication at all. */
  isPublic: boolean;
  /**
   * A request with X-API-Key is refused (403 session_required), public or
   * not: the route is @SessionOnly(), or it is a credential route by its path
   * (credential-routes.ts: every `/auth` route but two, every `/admin` write).
   */
  sessionOnly: boolean;
  /** @RequireTier's tier; undefined when the route has none (any authenticated principal). */
  requiredTier: Tier | undefined;
  /**
   * @RequireScope's scope, for API keys; undefined when the route declares
   * none (then a key needs `read` for a GET and cannot call a write:
   * scopeNeeded).
   */
  requiredScope: Scope | undefined;
  /** @RequireMfa's requirement; undefined when the route has none. */
  requiredMfa: MfaRequirement | undefined;
  /**
   * One of the few routes a user whom MFA_REQUIRED_TIER obliges to enrol
   * may use before enrolling (mfa-policy.ts), by its path.
   */
  usableBeforeEnrolment: boolean;
}

/** Reflector holds no state of its own: it reads what the decorators stored. */
const reflector = new Reflector();
const byController = new WeakMap<object, WeakMap<object, RouteAccess>>();

/**
 * A route's access metadata (@Public, @SessionOnly, @RequireTier,
 * @RequireScope; the
 * handler's own wins over its controller's), read once per handler and
 * controller. Decorators store it when the classes are defined and nothing
 * changes it afterwards, while Reflector walks reflect-metadata's maps on
 * every call: about 0.2 µs per key and request on the guards' path,
 * against two WeakMap lookups here. The guards and the OpenAPI document
 * both read it through this function, so they cannot disagree.
 */
export function routeAccess(handler: object, controller: object): RouteAccess {
  let handlers = byController.get(controller);
  if (handlers === undefined) {
    handlers = new WeakMap();
    byController.set(controller, handlers);
  }
  let access = handlers.get(handler);
  if (access === undefined) {
    const targets = [handler, controller] as Parameters<
      Reflector['getAllAndOverride']
    >[1];
    access = Object.freeze({
      isPublic:
        reflector.getAllAndOverride<boolean>(IS_PUBLIC_KEY, targets) ?? false,
      sessionOnly:
        (reflector.getAllAndOverride<boolean>(SESSION_ONLY_KEY, targets) ??
          false) ||
        isCredentialRoute(handler, controller),
      requiredTier: reflector.getAllAndOverride<Tier | undefined>(
        REQUIRED_TIER_KEY,
        targets,
      ),
      requiredScope: reflector.getAllAndOverride<Scope | undefined>(
        REQUIRED_SCOPE_KEY,
        targets,
      ),
      requiredMfa: reflector.getAllAndOverride<MfaRequirement | undefined>(
        REQUIRED_MFA_KEY,
        targets,
      ),
      usableBeforeEnrolment: anyRoutePath(
        handler,
        controller,
        usableBeforeEnrolment,
      ),
    });
    handlers.set(handler, access);
  }
  return access;
}

const asList = (path: unknown): string[] =>
  Array.isArray(path) ? (path as string[]) : [(path as string) ?? ''];

/**
 * Whether any of the paths Nest mounts the handler on is a credential route.
 * A handler without a request method (a WebSocket message handler) has none.
 */
function isCredentialRoute(handler: object, controller: object): boolean {
  return anyRoutePath(handler, controller, credentialRouteNeedsSession);
}

/** Whether `test` holds for any method and path Nest mounts the handler on (none for a WebSocket message handler). */
function anyRoutePath(
  handler: object,
  controller: object,
  test: (method: RequestMethod, path: string) => boolean,
): boolean {
  const method = Reflect.getMetadata(METHOD_METADATA, handler) as
    RequestMethod | undefined;
  if (method === undefined) return false;
  const controllerPaths = asList(
    Reflect.getMetadata(PATH_METADATA, controller),
  );
  const handlerPaths = asList(Reflect.getMetadata(PATH_METADATA, handler));
  return controllerPaths.some((base) =>
    handlerPaths.some((path) => test(method, `${base}/${path}`)),
  );
}

/** routeAccess of the handler a guard is asked about (REST route or WebSocket message). */
export function routeAccessOf(context: ExecutionContext): RouteAccess {
  return routeAccess(context.getHandler(), context.getClass());
}
