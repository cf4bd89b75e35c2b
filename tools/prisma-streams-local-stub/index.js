// Stands in for @prisma/streams-local (see package.json): only `prisma dev` imports it.
export async function startLocalDurableStreamsServer() {
  throw new Error(
    "`prisma dev` is not part of Gatehouse (its local streams server needs Node 22): `npm start` uses your PostgreSQL",
  );
}
