import { validateEnvAtBoot } from "~/env";

/** Start-up checks of the Node.js server (called from instrumentation.ts): a bad environment
 * stops it here with every problem listed. */
export function bootNodeServer(): void {
  validateEnvAtBoot();
}
