import { parseEncryptionKeys, type Keyring } from "@gatehouse/shared/server";
import { getEnv } from "~/env";

let cached: Keyring | undefined;

/** The credential-encryption keyring from GATEHOUSE_ENCRYPTION_KEYS, parsed on first use. */
export function getKeyring(): Keyring {
  cached ??= parseEncryptionKeys(getEnv().GATEHOUSE_ENCRYPTION_KEYS);
  return cached;
}
