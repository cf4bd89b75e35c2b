export function toPrisma6Schema(schema: string): string;
export function diffSchemas(options: {
  fromFile: string | null;
  toFile: string;
  databaseUrl?: string;
}): Promise<string>;
export function hasStatements(sql: string): boolean;
