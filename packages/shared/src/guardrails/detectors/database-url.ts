import type { RawHit } from "../types";
import { isAlnum } from "./chars";

/**
 * Database connection URLs that carry a password (`postgres://app:s3cret@db:5432/app`). Only
 * the password is reported: the model still sees the scheme, user, host and database.
 * Templated passwords (`${DB_PASSWORD}`, `<password>`, `{{pw}}`, `****`, `%s`) are documentation,
 * not secrets.
 */

const SCHEMES = new Set([
  "postgres",
  "postgresql",
  "mysql",
  "mariadb",
  "mongodb",
  "mongodb+srv",
  "redis",
  "rediss",
  "amqp",
  "amqps",
  "mssql",
  "sqlserver",
  "oracle",
  "clickhouse",
  "cockroachdb",
  "couchdb",
  "cassandra",
  "neo4j",
  "neo4j+s",
  "bolt",
  "snowflake",
  "db2",
  "memcached",
  "elasticsearch",
  "jdbc:postgresql",
  "jdbc:mysql",
  "jdbc:sqlserver",
  "jdbc:mariadb",
  "jdbc:oracle:thin",
  "postgresql+psycopg2",
  "postgresql+asyncpg",
  "mysql+pymysql",
  "mysql+mysqldb",
]);
const TEMPLATE =
  /^(?:\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|<[^>]*>|\{\{[^}]*\}\}|\*+|x{3,}|%s|\.\.\.|\[[A-Z_]+\])$/i;

function isSchemeChar(c: number): boolean {
  return isAlnum(c) || c === 43 || c === 46 || c === 45 || c === 58;
}

function stopsAuthority(c: number): boolean {
  // / ? # whitespace quotes < > and the end
  return (
    c !== c ||
    c === 47 ||
    c === 63 ||
    c === 35 ||
    c <= 32 ||
    c === 34 ||
    c === 39 ||
    c === 60 ||
    c === 62 ||
    c === 96
  );
}

export function findDatabaseUrls(text: string, out: RawHit[]): void {
  let at = text.indexOf("://");
  while (at !== -1) {
    let s = at;
    while (s > 0 && isSchemeChar(text.charCodeAt(s - 1)) && at - s < 32) s--;
    const scheme = text.slice(s, at).toLowerCase();
    if (SCHEMES.has(scheme)) {
      let end = at + 3;
      while (!stopsAuthority(text.charCodeAt(end))) end++;
      const authority = text.slice(at + 3, end);
      const atSign = authority.lastIndexOf("@");
      const colon = atSign === -1 ? -1 : authority.indexOf(":");
      if (colon !== -1 && colon < atSign - 1) {
        const password = authority.slice(colon + 1, atSign);
        if (!TEMPLATE.test(password)) {
          const start = at + 3 + colon + 1;
          out.push({ detector: "database_url", label: "DB_PASSWORD", start, end: at + 3 + atSign });
        }
      }
    }
    at = text.indexOf("://", at + 3);
  }
}
