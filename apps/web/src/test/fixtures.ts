import type { Session } from "next-auth";
import type { Db } from "~/server/db";
import type { Role } from "@gatehouse/shared";
import { generateEncryptionKey, parseEncryptionKeys, type Keyring } from "@gatehouse/shared/server";

let counter = 0;
const unique = () => `${Date.now().toString(36)}-${(counter++).toString(36)}`;

export async function createUser(db: Db, name: string, passwordHash: string | null = null) {
  return db.user.create({
    data: { email: `${name.toLowerCase()}-${unique()}@example.test`, name, passwordHash },
  });
}

export async function createWorkspace(
  db: Db,
  name: string,
  members: { userId: string; role: Role }[],
) {
  return db.workspace.create({
    data: {
      name,
      slug: `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${unique()}`,
      memberships: { create: members },
    },
  });
}

/** A next-auth session for `user`, as the session callback shapes it. */
export function sessionFor(user: { id: string; email: string; name: string | null }): Session {
  return {
    user: { id: user.id, email: user.email, name: user.name, image: null },
    expires: new Date(Date.now() + 60 * 60 * 1000).toISOString(),
  };
}

/** A keyring with one fresh random key, as GATEHOUSE_ENCRYPTION_KEYS would give. */
export function createTestKeyring(): Keyring {
  return parseEncryptionKeys(generateEncryptionKey("test"));
}
