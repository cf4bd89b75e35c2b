// Summarises a V8 .cpuprofile: self time by function and by file, top N.
import { readFileSync } from "node:fs";

const [file, topN = "30"] = process.argv.slice(2);
const profile = JSON.parse(readFileSync(file, "utf8"));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + (dt[i] ?? 0));
}
const total = [...self.values()].reduce((a, b) => a + b, 0);
const byFn = new Map();
const byFile = new Map();
for (const [id, us] of self) {
  const { callFrame } = byId.get(id);
  const url = callFrame.url
    .replace(/^.*node_modules\//, "nm:")
    .replace(/^file:\/\/.*\/apps\//, "apps/");
  const fn = `${callFrame.functionName || "(anon)"} ${url}:${callFrame.lineNumber + 1}`;
  byFn.set(fn, (byFn.get(fn) ?? 0) + us);
  const f = url || callFrame.functionName;
  byFile.set(f, (byFile.get(f) ?? 0) + us);
}
const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [k, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, Number(topN))) {
    console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${k}`);
  }
};
show("self time by file", byFile);
show("self time by function", byFn);
