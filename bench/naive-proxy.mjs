// The floor for any Node proxy: a bare undici pass-through (no auth, no parsing, no usage),
// run in the same bench as Gatehouse so its cost can be read against what Node itself costs.
import http from "node:http";
import { Agent, request } from "undici";

const [port, upstream] = process.argv.slice(2);
const agent = new Agent({ keepAliveTimeout: 60_000, connections: 256 });
const target = new URL(upstream);

http
  .createServer(async (req, res) => {
    try {
      const upstreamRes = await request(new URL(req.url, target), {
        method: req.method,
        headers: { "content-type": "application/json", authorization: "Bearer sk-fake-upstream" },
        body: req,
        dispatcher: agent,
      });
      res.writeHead(upstreamRes.statusCode, {
        "content-type": upstreamRes.headers["content-type"],
      });
      for await (const chunk of upstreamRes.body) res.write(chunk);
      res.end();
    } catch {
      res.writeHead(502).end();
    }
  })
  .listen(Number(port), "127.0.0.1");
