// The meal QR, checked in the browser without the server (docs/meal-qr.md):
//   text = base45(18([protected, {}, payload, signature]))   COSE_Sign1, tag 18 (or in tag 61)
//   protected = {1: -8 (EdDSA), 4: kid}    payload = the CWT claims
//   signature = Ed25519 over cbor(["Signature1", protected, h'', payload])
// The codes thrown are the redemption API's: malformed, unknown_key, bad_signature, expired.
import { b45decode, Decoder, Encoder, Tag } from "../vendor/cose-libs.js";

const ISS = 1, SUB = 2, EXP = 4, IAT = 6, CTI = 7, VOUCHER = -65537, MEAL = -65538;
const ALG = 1, KID = 4, EDDSA = -8, COSE_SIGN1 = 18, CWT_TAG = 61;
const MAX_TEXT = 1024; // as the server: a meal QR is ~280 characters
const MAX_LIFETIME = 300; // seconds: exp - iat
const MEAL_TYPES = new Set(["breakfast", "lunch", "snack"]);
const B45_CHARS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";
const B45_RE = /^[0-9A-Z $%*+\-./:]+$/;

const decoder = new Decoder({ mapsAsObjects: true, useRecords: false });
const encoder = new Encoder({ mapsAsObjects: true, useRecords: false, tagUint8Array: false });

export class TokenError extends Error {
  constructor(code, detail = "") {
    super(detail ? `${code}: ${detail}` : code);
    this.code = code;
  }
}

// RFC 9285 strictly: the npm decoder maps an unknown character to -1 and accepts any value,
// so what the server refuses as "not base45" is refused here before it is decoded.
export function checkBase45(text) {
  if (!B45_RE.test(text) || text.length % 3 === 1) return false;
  for (let i = 0; i < text.length; i += 3) {
    const c = B45_CHARS.indexOf(text[i]);
    const d = B45_CHARS.indexOf(text[i + 1]);
    const value = i + 2 < text.length ? c + d * 45 + B45_CHARS.indexOf(text[i + 2]) * 2025 : c + d * 45;
    if (value > (i + 2 < text.length ? 0xffff : 0xff)) return false;
  }
  return true;
}

const isBytes = (v) => v instanceof Uint8Array;
const isInt = (v) => typeof v === "number" && Number.isInteger(v);

function cbor(bytes, what) {
  try {
    return decoder.decode(bytes);
  } catch (error) {
    throw new TokenError("malformed", what);
  }
}

// The parts of a token's text, or TokenError("malformed").
export function parseToken(raw) {
  if (typeof raw !== "string") throw new TokenError("malformed", "not text");
  // Hardware scanners type a line end; a space is a base45 character, so only \r\n\t go.
  const text = raw.replace(/^[\r\n\t]+|[\r\n\t]+$/g, "");
  if (!text || text.length > MAX_TEXT) throw new TokenError("malformed", "empty or too long");
  if (!checkBase45(text)) throw new TokenError("malformed", "not base45");
  // A plain Uint8Array (base45 returns a Buffer): cbor-x's byte strings are then views of it,
  // and encode back as CBOR byte strings in the Sig_structure.
  let outer = cbor(new Uint8Array(b45decode(text)), "not CBOR");
  if (outer instanceof Tag && outer.tag === CWT_TAG) outer = outer.value;
  if (!(outer instanceof Tag) || outer.tag !== COSE_SIGN1) throw new TokenError("malformed", "not a COSE_Sign1");
  const parts = outer.value;
  if (!Array.isArray(parts) || parts.length !== 4) throw new TokenError("malformed", "not a 4-array");
  const [protectedBytes, unprotected, payload, signature] = parts;
  if (
    !isBytes(protectedBytes) || !isBytes(payload) || !isBytes(signature) || signature.length !== 64 ||
    typeof unprotected !== "object" || unprotected === null || Array.isArray(unprotected)
  ) {
    throw new TokenError("malformed", "COSE_Sign1 members");
  }
  const header = cbor(protectedBytes, "protected header");
  if (!header || header[ALG] !== EDDSA) throw new TokenError("malformed", "alg is not EdDSA");
  const kidBytes = header[KID];
  if (!isBytes(kidBytes) || kidBytes.length === 0 || kidBytes.length > 32) {
    throw new TokenError("malformed", "no kid in the protected header");
  }
  if (kidBytes.some((b) => b > 0x7e || b < 0x20)) throw new TokenError("unknown_key", "kid");
  const kid = String.fromCharCode(...kidBytes);
  return { protectedBytes, payload, signature, kid };
}

// The CWT claims of a verified payload, checked as the server checks them.
export function readClaims(payload, keySchool) {
  const claims = cbor(payload, "claims");
  const get = (key) => (claims ? claims[key] : undefined);
  const iss = get(ISS), sub = get(SUB), exp = get(EXP), iat = get(IAT), cti = get(CTI);
  const voucher = get(VOUCHER), meal = get(MEAL);
  if (
    typeof iss !== "string" || !/^\d+$/.test(iss) || typeof sub !== "string" ||
    !isInt(exp) || !isInt(iat) || !isInt(voucher) || !isBytes(cti) || typeof meal !== "string"
  ) {
    throw new TokenError("malformed", "claims");
  }
  const school = Number(iss);
  if (keySchool !== undefined && school !== Number(keySchool)) throw new TokenError("malformed", "iss");
  if (!(exp - iat > 0 && exp - iat <= MAX_LIFETIME)) throw new TokenError("malformed", "lifetime");
  if (!MEAL_TYPES.has(meal)) throw new TokenError("malformed", "meal type");
  return {
    school, pupilRef: sub, exp, iat, voucher, mealType: meal,
    tokenId: Array.from(cti, (b) => b.toString(16).padStart(2, "0")).join(""),
  };
}

// kid -> CryptoKey, imported once.
const imported = new Map();

async function importKey(jwk) {
  let key = imported.get(jwk.kid);
  if (!key) {
    key = await crypto.subtle.importKey(
      "jwk", { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, { name: "Ed25519" }, false, ["verify"],
    );
    imported.set(jwk.kid, key);
  }
  return key;
}

// Verify `text` scanned at `atMs` against a JWK set; the claims, or TokenError(code).
export async function verifyToken(text, jwks, atMs) {
  const { protectedBytes, payload, signature, kid } = parseToken(text);
  const jwk = (jwks || []).find((k) => k.kid === kid && k.kty === "OKP" && k.crv === "Ed25519");
  if (!jwk) throw new TokenError("unknown_key", kid);
  const toBeSigned = encoder.encode(["Signature1", protectedBytes, new Uint8Array(0), payload]);
  let ok = false;
  try {
    ok = await crypto.subtle.verify({ name: "Ed25519" }, await importKey(jwk), signature, toBeSigned);
  } catch (error) {
    throw new TokenError("unknown_key", "the key does not import");
  }
  if (!ok) throw new TokenError("bad_signature", kid);
  const claims = readClaims(payload, jwk.school);
  // Expiry is judged at the moment of the scan, as the server does.
  if (atMs / 1000 > claims.exp) throw new TokenError("expired", String(claims.exp));
  return { ...claims, kid };
}
