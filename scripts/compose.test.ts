import { existsSync, readFileSync, readdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { documentedKeys, parseEnv } from "./lib/env.mjs";

// docker-compose.yml, the Dockerfiles and .env.example cannot be run here (no Docker engine),
// so these tests hold them to the code: files that exist, variables that are documented,
// ports that agree.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const read = (path: string) => readFileSync(join(ROOT, path), "utf8");

type Service = {
  image?: string;
  build?: { context?: string; dockerfile?: string; target?: string } | string;
  environment?: Record<string, string | number | boolean | null> | string[];
  ports?: string[];
  depends_on?: Record<string, { condition?: string }> | string[];
  healthcheck?: { test?: string[] | string };
  command?: string[] | string;
};
const compose = parse(read("docker-compose.yml"), { merge: true }) as {
  services: Record<string, Service>;
};
const services = compose.services;
const exampleText = read(".env.example");
const documented = documentedKeys(exampleText);
const exampleValues = parseEnv(exampleText);

/** Set by the platform or by tools, not Gatehouse settings: exempt from documentation. */
const NOT_SETTINGS = new Set([
  "PATH",
  "HOME",
  "USER",
  "CI",
  "TERM",
  "NO_COLOR",
  "FORCE_COLOR",
  "NEXT_PHASE",
  "NEXT_RUNTIME",
]);

/** The apps and what each listens on inside its container. */
const APPS = {
  web: {
    portVariable: "PORT",
    port: 3000,
    hostPortVariable: "GATEHOUSE_WEB_PORT",
    health: "/api/health",
  },
  proxy: {
    portVariable: "GATEHOUSE_PROXY_PORT",
    port: 8787,
    hostPortVariable: "GATEHOUSE_PROXY_PORT",
    health: "/healthz",
  },
  worker: {
    portVariable: "GATEHOUSE_WORKER_PORT",
    port: 8788,
    hostPortVariable: "GATEHOUSE_WORKER_PORT",
    health: "/healthz",
  },
} as const;

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => [entry.split("=")[0] ?? "", entry.split("=").slice(1).join("=")]),
    );
  }
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? "" : String(v)]));
}

function buildOf(service: Service) {
  if (!service.build) return undefined;
  const build = typeof service.build === "string" ? { context: service.build } : service.build;
  const context = join(ROOT, build.context ?? ".");
  return {
    context,
    dockerfile: join(context, build.dockerfile ?? "Dockerfile"),
    target: build.target,
  };
}

/** `${NAME}`, `${NAME:-default}`, `${NAME:?message}` references, nested ones included. */
function interpolatedVariables(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/\$\{([A-Z_][A-Z0-9_]*)(?::?[-?][^}]*)?/g)].map((m) => m[1] as string),
  );
}

/** The default of `${NAME:-default}` in a compose value, if any. */
function defaultOf(value: string, name: string): string | undefined {
  return new RegExp(`\\$\\{${name}:-([^}]*)\\}`).exec(value)?.[1];
}

/** Variables a source file reads: zod object keys `NAME:` and `process.env.NAME` / `["NAME"]`. */
function variablesReadBy(source: string): Set<string> {
  const names = new Set<string>();
  for (const m of source.matchAll(/^\s*([A-Z][A-Z0-9_]{2,})\s*:/gm)) names.add(m[1] as string);
  for (const m of source.matchAll(
    /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\])/g,
  )) {
    names.add((m[1] ?? m[2]) as string);
  }
  return names;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (
      entry.name === "node_modules" ||
      entry.name === "generated" ||
      entry.name === "dist" ||
      entry.name === ".next"
    )
      continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (
      /\.(ts|tsx|mjs|js)$/.test(entry.name) &&
      !/\.test\.ts$/.test(entry.name) &&
      !entry.name.endsWith(".d.ts")
    )
      out.push(path);
  }
  return out;
}

describe("docker-compose.yml", () => {
  it("has PostgreSQL 17 and Redis 7 with healthchecks, and a one-shot migration the apps wait for", () => {
    expect(services.postgres?.image).toBe("postgres:17-alpine");
    expect(services.redis?.image).toBe("redis:7-alpine");
    expect(services.postgres?.healthcheck?.test).toBeTruthy();
    expect(services.redis?.healthcheck?.test).toBeTruthy();
    expect(services.migrate?.depends_on).toMatchObject({
      postgres: { condition: "service_healthy" },
    });
    for (const app of ["web", "worker"]) {
      expect(services[app]?.depends_on, app).toMatchObject({
        migrate: { condition: "service_completed_successfully" },
        redis: { condition: "service_healthy" },
      });
    }
    expect(services.proxy?.depends_on).toMatchObject({ redis: { condition: "service_healthy" } });
  });

  it("builds every app from its own Dockerfile, and every referenced Dockerfile and target exists", () => {
    for (const app of Object.keys(APPS)) {
      expect(buildOf(services[app] as Service)?.dockerfile, app).toBe(
        join(ROOT, "apps", app, "Dockerfile"),
      );
    }
    for (const [name, service] of Object.entries(services)) {
      const build = buildOf(service);
      if (!build) {
        expect(service.image, `${name} has neither build nor image`).toBeTruthy();
        continue;
      }
      expect(existsSync(build.dockerfile), `${name}: ${build.dockerfile}`).toBe(true);
      if (build.target) {
        const stages = [
          ...readFileSync(build.dockerfile, "utf8").matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim),
        ].map((m) => m[1]);
        expect(stages, `${name}: target ${build.target}`).toContain(build.target);
      }
    }
  });

  it("documents in .env.example every variable it interpolates and every variable it gives an app", () => {
    const text = read("docker-compose.yml");
    const missing = [...interpolatedVariables(text)].filter((v) => !documented.has(v));
    for (const [name, service] of Object.entries(services)) {
      if (!service.build) continue; // postgres/redis take the images' own variables
      for (const variable of Object.keys(environmentOf(service))) {
        if (!documented.has(variable)) missing.push(`${name}.${variable}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it("wires the apps to the compose postgres and redis", () => {
    for (const name of ["web", "proxy", "worker", "migrate"]) {
      const env = environmentOf(services[name] as Service);
      if (name === "proxy")
        expect(env.DATABASE_URL, "the proxy never touches PostgreSQL").toBeUndefined();
      else expect(new URL(env.DATABASE_URL ?? "").hostname, name).toBe("postgres");
      if (name !== "migrate") expect(new URL(env.REDIS_URL ?? "").hostname, name).toBe("redis");
    }
    for (const name of ["web", "proxy"]) {
      expect(environmentOf(services[name] as Service).GATEHOUSE_ENCRYPTION_KEYS, name).toContain(
        "${GATEHOUSE_ENCRYPTION_KEYS",
      );
    }
  });

  it("uses the same port for each app everywhere: its env, the port mapping, the healthcheck, EXPOSE, .env.example", () => {
    for (const [name, app] of Object.entries(APPS)) {
      const service = services[name] as Service;
      const env = environmentOf(service);
      expect(env[app.portVariable], `${name}: ${app.portVariable}`).toBe(String(app.port));

      const mapping = (service.ports ?? [])[0] ?? "";
      const containerPort = mapping.split(":").at(-1);
      expect(containerPort, `${name}: container port of ${mapping}`).toBe(String(app.port));
      expect(
        defaultOf(mapping, app.hostPortVariable),
        `${name}: host port default in ${mapping}`,
      ).toBe(String(app.port));

      const health = JSON.stringify(service.healthcheck?.test ?? "");
      expect(health, `${name}: healthcheck`).toContain(`127.0.0.1:${app.port}${app.health}`);

      const dockerfile = read(`apps/${name}/Dockerfile`);
      expect(dockerfile, `${name}: EXPOSE`).toMatch(new RegExp(`^EXPOSE ${app.port}$`, "m"));
      expect(dockerfile, `${name}: health path`).toContain(app.health);

      expect(exampleValues[app.hostPortVariable], `.env.example ${app.hostPortVariable}`).toBe(
        String(app.port),
      );
    }
    expect(exampleValues.FAKE_PROVIDER_PORT).toBe("8789");
    // The public URLs shown to users follow the host ports.
    expect(environmentOf(services.web as Service).NEXTAUTH_URL).toContain(
      "${GATEHOUSE_WEB_PORT:-3000}",
    );
    expect(environmentOf(services.web as Service).GATEHOUSE_PROXY_URL).toContain(
      "${GATEHOUSE_PROXY_PORT:-8787}",
    );
  });
});

describe("Dockerfiles", () => {
  const workspacePackageJsons = ["apps", "packages"].flatMap((dir) =>
    readdirSync(join(ROOT, dir))
      .filter((name) => existsSync(join(ROOT, dir, name, "package.json")))
      .map((name) => `${dir}/${name}/package.json`),
  );

  for (const app of Object.keys(APPS)) {
    describe(`apps/${app}/Dockerfile`, () => {
      const text = read(`apps/${app}/Dockerfile`);

      it("builds on Node 24 slim in stages and runs as the unprivileged node user", () => {
        expect(text).toMatch(/^ARG NODE_IMAGE=node:24-slim$/m);
        const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
        expect(froms.length).toBeGreaterThanOrEqual(2);
        for (const from of froms) expect(["${NODE_IMAGE}", "build"]).toContain(from);
        const finalStage = text.slice(text.lastIndexOf("\nFROM "));
        expect(finalStage).toMatch(/^USER node$/m);
        expect(finalStage).toMatch(/^CMD \[/m);
      });

      it("copies every workspace's package.json before npm ci (the lockfile needs them all)", () => {
        for (const file of workspacePackageJsons) {
          expect(text, file).toContain(`COPY ${file} ${dirname(file)}/`);
        }
        expect(text).toMatch(/npm ci\b/);
      });

      it("copies only paths that exist in the build context", () => {
        for (const m of text.matchAll(/^COPY\s+(?!--from)(?:--\S+\s+)*(.+)$/gm)) {
          const parts = (m[1] as string).trim().split(/\s+/);
          for (const source of parts.slice(0, -1)) {
            expect(existsSync(join(ROOT, source)), `COPY ${source}`).toBe(true);
          }
        }
      });

      it("starts what the app's build produces", () => {
        const cmd = /^CMD (\[.*\])$/m.exec(text.slice(text.lastIndexOf("\nFROM ")))?.[1] ?? "[]";
        const args = JSON.parse(cmd) as string[];
        if (app === "web") {
          expect(args).toEqual(["node", "apps/web/server.js"]);
          expect(read("apps/web/next.config.ts")).toMatch(/output:\s*"standalone"/);
        } else {
          expect(args.at(-1)).toBe(`apps/${app}/dist/main.js`);
          const pkg = JSON.parse(read(`apps/${app}/package.json`)) as {
            scripts: Record<string, string>;
          };
          expect(pkg.scripts.start).toContain("dist/main.js");
        }
      });
    });
  }

  it(".dockerignore keeps node_modules, build output and secrets out of the context", () => {
    const lines = read(".dockerignore")
      .split("\n")
      .map((l) => l.trim());
    for (const entry of ["**/node_modules", "**/.next", "**/dist", ".env", ".git", ".gatehouse"]) {
      expect(lines, entry).toContain(entry);
    }
    expect(lines).toContain("!.env.example");
  });
});

describe(".env.example", () => {
  it("documents every variable each app's src/env.ts reads", () => {
    const missing: string[] = [];
    for (const app of ["web", "proxy", "worker"]) {
      const file = `apps/${app}/src/env.ts`;
      expect(existsSync(join(ROOT, file)), file).toBe(true);
      const variables = variablesReadBy(read(file));
      expect(variables.size, `${file} reads no variable?`).toBeGreaterThan(0);
      for (const variable of variables)
        if (!NOT_SETTINGS.has(variable) && !documented.has(variable))
          missing.push(`${file}: ${variable}`);
    }
    expect(missing).toEqual([]);
  });

  it("documents every variable the packages, the start script and the test script read", () => {
    const files = [
      ...[
        "packages/db/src",
        "packages/db/scripts",
        "packages/testkit/src",
        "packages/shared/src",
      ].flatMap((d) => sourceFiles(join(ROOT, d))),
      ...["apps/web/src", "apps/proxy/src", "apps/worker/src"].flatMap((d) =>
        sourceFiles(join(ROOT, d)),
      ),
      ...sourceFiles(join(ROOT, "scripts")),
    ];
    const missing = new Set<string>();
    for (const file of files) {
      for (const m of readFileSync(file, "utf8").matchAll(
        /process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\])/g,
      )) {
        const variable = (m[1] ?? m[2]) as string;
        if (!NOT_SETTINGS.has(variable) && !documented.has(variable))
          missing.add(`${variable} (${file.slice(ROOT.length + 1)})`);
      }
    }
    expect([...missing]).toEqual([]);
  });

  it("gives every documented variable a one-line comment above it", () => {
    const lines = exampleText.split("\n");
    const uncommented = lines.flatMap((line, i) => {
      if (!/^#?\s?[A-Z][A-Z0-9_]*=/.test(line)) return [];
      // walk up over other variable lines of the same group to the comment
      let j = i - 1;
      while (j >= 0 && /^#?\s?[A-Z][A-Z0-9_]*=/.test(lines[j] as string)) j--;
      return j >= 0 && (lines[j] as string).startsWith("#") ? [] : [line];
    });
    expect(uncommented).toEqual([]);
  });

  it("leaves the secrets empty (npm start generates them)", () => {
    expect(exampleValues.GATEHOUSE_ENCRYPTION_KEYS).toBe("");
    expect(exampleValues.NEXTAUTH_SECRET).toBe("");
  });
});
