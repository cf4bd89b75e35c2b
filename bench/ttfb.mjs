// Time to first byte of a streamed answer over one keep-alive connection: N sequential
// requests, prints one JSON line with the median and p99 in microseconds.
import http from "node:http";

const [url, count = "400"] = process.argv.slice(2);
const body = process.env.BENCH_BODY;
const headers = Object.fromEntries(
  (process.env.BENCH_HEADERS ?? "")
    .split("\n")
    .filter(Boolean)
    .map((line) => [line.slice(0, line.indexOf(":")), line.slice(line.indexOf(":") + 1).trim()]),
);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const target = new URL(url);

function once() {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    let first = 0n;
    const req = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: "POST",
        headers: {
          "content-type": "application/json",
          "content-length": Buffer.byteLength(body),
          ...headers,
        },
      },
      (res) => {
        res.on("data", () => {
          if (first === 0n) first = process.hrtime.bigint();
        });
        res.on("end", () => {
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}`));
          else resolve(Number(first - start) / 1000);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const n = Number(count);
for (let i = 0; i < 50; i++) await once(); // warm-up
const samples = [];
for (let i = 0; i < n; i++) samples.push(await once());
samples.sort((a, b) => a - b);
const pct = (p) => samples[Math.min(samples.length - 1, Math.floor((p / 100) * samples.length))];
console.log(
  `TTFB ${JSON.stringify({ samples: n, p50: Math.round(pct(50)), p99: Math.round(pct(99)) })}`,
);
agent.destroy();
