import { defineConfig } from "prisma/config";

// Prisma 7 keeps the connection URL here, not in schema.prisma. Only the Prisma CLI reads
// this file (generate; migrate on machines with the schema engine); the app builds its
// client from DATABASE_URL at runtime (src/client.ts).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: {
    url: process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/gatehouse",
  },
});
