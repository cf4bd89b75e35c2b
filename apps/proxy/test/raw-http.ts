import { connect, type Socket } from "node:net";

/**
 * Raw-socket HTTP for the tests the SDKs cannot express: slow or broken clients, bodies
 * written before the answer is read, connections held open.
 */

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface RawResult {
  /** everything the server sent */
  data: string;
  /** the server's answers, parsed (several on a keep-alive connection) */
  answers: RawAnswer[];
  /** the socket error, if the connection ended with one (e.g. ECONNRESET) */
  error: string | null;
}

/** Parses the complete HTTP/1.1 answers (content-length framed) found in `data`. */
export function parseAnswers(data: string): RawAnswer[] {
  const answers: RawAnswer[] = [];
  let rest = data;
  for (;;) {
    const headEnd = rest.indexOf("\r\n\r\n");
    if (headEnd === -1) return answers;
    const [statusLine, ...lines] = rest.slice(0, headEnd).split("\r\n");
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine ?? "")?.[1] ?? NaN);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const length = Number(headers["content-length"] ?? 0);
    const body = rest.slice(headEnd + 4, headEnd + 4 + length);
    if (Buffer.byteLength(body) < length) return answers;
    answers.push({ status, headers, body });
    rest = rest.slice(headEnd + 4 + length);
  }
}

/**
 * Opens a connection, lets `drive` write to it, and resolves when the server closes it (or
 * resets it), with what was received. `drive` may return a cleanup (e.g. to stop a timer).
 */
export function rawConnection(
  url: string,
  drive: (socket: Socket) => (() => void) | void,
): Promise<RawResult> {
  const { port, hostname } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = "";
    let error: string | null = null;
    let stop: (() => void) | void;
    socket.on("connect", () => {
      stop = drive(socket);
    });
    socket.on("data", (chunk: Buffer) => (data += chunk.toString("utf8")));
    socket.on("error", (e: NodeJS.ErrnoException) => (error = e.code ?? e.message));
    socket.on("close", () => {
      if (stop) stop();
      resolve({ data, answers: parseAnswers(data), error });
    });
  });
}

/** Writes `text` one byte every `everyMs` until the socket closes; returns the stopper. */
export function drip(socket: Socket, text: string, everyMs: number): () => void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed || i >= text.length) return;
    socket.write(text[i++]!);
  }, everyMs);
  return () => clearInterval(timer);
}
