import { createConnection, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay in front of a real service (Redis, the fake provider). Stopping it cuts every
 * connection and refuses new ones, which is what an outage looks like to the proxy; starting
 * it again on the same port lets the proxy's clients reconnect by themselves.
 */
export interface TcpRelay {
  readonly port: number;
  /** connections accepted so far */
  readonly accepted: number;
  /** connections the client side closed (or reset) so far */
  readonly clientClosed: number;
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(targetPort: number, targetHost = "127.0.0.1"): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  let accepted = 0;
  let clientClosed = 0;
  let port = 0;
  let server: Server | null = null;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        accepted++;
        const upstream = createConnection({ port: targetPort, host: targetHost });
        sockets.add(client);
        sockets.add(upstream);
        client.pipe(upstream);
        upstream.pipe(client);
        let counted = false;
        const clientGone = () => {
          if (!counted) {
            counted = true;
            clientClosed++;
          }
          upstream.destroy();
        };
        client.on("close", clientGone);
        client.on("error", clientGone);
        upstream.on("close", () => client.destroy());
        upstream.on("error", () => client.destroy());
        client.on("close", () => sockets.delete(client));
        upstream.on("close", () => sockets.delete(upstream));
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as { port: number }).port;
        server = s;
        resolve();
      });
    });

  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
      if (s) s.close(() => resolve());
      else resolve();
    });

  await listen();
  return {
    get port() {
      return port;
    },
    get accepted() {
      return accepted;
    },
    get clientClosed() {
      return clientClosed;
    },
    stop,
    start: listen,
    close: stop,
  };
}
