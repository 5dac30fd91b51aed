import { randomBytes } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The API key format, after GitHub's token scheme:
 *
 *   pcl_ <key id: 8> <secret: 30> <checksum: 6>      (all base62)
 *
 * The key id (~47 bits) is public: lists show it, so people can tell keys apart and match a key they
 * hold to its entry. The secret adds ~178 bits, so a key carries ~226 random bits in all. The checksum
 * is the CRC32 of everything before it, in base62, so a mistyped or invented string is refused
 * without a lookup, and secret scanners can recognise a leaked key.
 */
export const KEY_PREFIX = 'pcl_';
export const KEY_ID_LENGTH = 8;
const SECRET_LENGTH = 30;
const CHECKSUM_LENGTH = 6;
export const KEY_LENGTH = KEY_PREFIX.length + KEY_ID_LENGTH + SECRET_LENGTH + CHECKSUM_LENGTH;

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const KEY_PATTERN = new RegExp(`^${KEY_PREFIX}[0-9A-Za-z]{${KEY_LENGTH - KEY_PREFIX.length}}$`);

export interface GeneratedKey {
  plaintext: string;
  keyId: string;
}

export function generateKey(): GeneratedKey {
  const keyId = randomBase62(KEY_ID_LENGTH);
  const body = KEY_PREFIX + keyId + randomBase62(SECRET_LENGTH);
  return { plaintext: body + checksum(body), keyId };
}

/**
 * Whether the string has a key's shape (prefix, length, alphabet), whatever its checksum: such a
 * string that `parseKey` refuses is a key with a typo in it, not something else pasted.
 */
export function hasKeyShape(candidate: string): boolean {
  return candidate.length === KEY_LENGTH && KEY_PATTERN.test(candidate);
}

/** The key id of a well-formed key with a valid checksum, or undefined for anything else. */
export function parseKey(candidate: string): string | undefined {
  if (!hasKeyShape(candidate)) return undefined;
  const body = candidate.slice(0, KEY_LENGTH - CHECKSUM_LENGTH);
  if (checksum(body) !== candidate.slice(KEY_LENGTH - CHECKSUM_LENGTH)) return undefined;
  return keyIdOf(candidate);
}

/** The key id of a key that `parseKey` accepted. */
export function keyIdOf(key: string): string {
  return key.slice(KEY_PREFIX.length, KEY_PREFIX.length + KEY_ID_LENGTH);
}

/** True when the string looks like one of our keys (the prefix), whatever its checksum. */
export function looksLikeKey(candidate: string): boolean {
  return candidate.startsWith(KEY_PREFIX);
}

function checksum(body: string): string {
  let value = crc32(body);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** Uniform base62 characters: bytes >= 248 are rejected so that `% 62` has no bias. */
function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248 && out.length < length) out += BASE62[byte % 62];
    }
  }
  return out;
}
