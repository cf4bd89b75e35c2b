import type { RawHit } from "../types";

/**
 * PEM private keys (PKCS#1/#8, EC, OpenSSH, encrypted, PGP blocks): from the BEGIN line to
 * the matching END line. An unterminated block (a key pasted in part) is reported up to where
 * its base64 body stops. JSON-escaped newlines (`\n` in a tool argument) count as line breaks.
 */

const BEGIN = /-----BEGIN ((?:[A-Z0-9]+ )*)PRIVATE KEY( BLOCK)?-----/g;
const BODY = /^(?:[A-Za-z0-9+/=:,\- \t\r\n]|\\[nrt])*/;

export function findPrivateKeys(text: string, out: RawHit[]): void {
  if (text.indexOf("PRIVATE KEY") === -1) return;
  BEGIN.lastIndex = 0;
  for (let m = BEGIN.exec(text); m !== null; m = BEGIN.exec(text)) {
    const start = m.index;
    const endLine = `-----END ${m[1] ?? ""}PRIVATE KEY${m[2] ?? ""}-----`;
    const endAt = text.indexOf(endLine, start + m[0].length);
    let end: number;
    if (endAt !== -1) {
      end = endAt + endLine.length;
    } else {
      const body = BODY.exec(text.slice(start + m[0].length, start + m[0].length + 16_384));
      end = start + m[0].length + (body?.[0].trimEnd().length ?? 0);
    }
    out.push({ detector: "private_key", label: "PRIVATE_KEY", start, end });
    BEGIN.lastIndex = end;
  }
}
