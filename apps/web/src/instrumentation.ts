/**
 * Runs once when a Next.js server starts, before it handles a request: a bad environment
 * stops the server here with a readable list of problems instead of failing on first use.
 */
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME === "nodejs") {
    const { bootNodeServer } = await import("./server/boot");
    bootNodeServer();
  }
}
