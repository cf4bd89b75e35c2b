export { DeploymentHealth, DeploymentState, PROBE_LEASE_MS } from "./health";
export {
  orderCandidates,
  orderRoutes,
  ROUTE_ORDER,
  type CandidateDeployment,
  type CandidateRoute,
  type FallbackControl,
  type OrderInput,
} from "./order";
export { SharedHealth, type SharedHealthOptions } from "./shared-health";
