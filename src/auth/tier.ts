/**
 * The permission tiers are shared vocabulary (users store one, auth checks
 * them), so they live in common/; auth re-exports them for its own modules
 * and for the platform's feature modules, which import them from here.
 */
export * from '../common/tier';
