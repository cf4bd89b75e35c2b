import { EnvError, validateEnvAtBoot } from "~/env";

/** Start-up checks of the Node.js server (called from instrumentation.ts). */
export function bootNodeServer(): void {
  try {
    validateEnvAtBoot();
  } catch (error) {
    if (!(error instanceof EnvError)) throw error;
    console.error(
      `\n[gatehouse/web] ${error.message}\n\nSee apps/web/.env.example for every variable.\n`,
    );
    process.exit(1);
  }
}
