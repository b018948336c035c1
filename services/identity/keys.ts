/**
 * The signing keys of the identity context (RS256) and their rotation: the newest key signs, older keys stay
 * published in the JWKS (so tokens they signed still verify) until those tokens have expired.
 *
 * Keys come from configuration (JWT_PRIVATE_KEYS: PEM blocks, a private JWK, a list of them, or a JWKS
 * `{ "keys": [...] }`; the first one signs) or, in the embedded default only, are generated at start.
 * Plain TypeScript over node:crypto.
 */
import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, type KeyObject } from "node:crypto";
import { calculateJwkThumbprint, type JWK } from "jose";

import { ALGORITHM } from "../../lib/tokens";

const MIN_MODULUS_BITS = 2048;

export interface RingKey {
	kid: string;
	privateKey: KeyObject;
	/** The public half, as published: `{ kty, n, e, kid, alg, use }`. */
	publicJwk: JWK;
	/** Epoch ms after which the key is no longer published (it has stopped signing before). */
	retiresAt?: number;
}

async function ringKey(privateKey: KeyObject, kid?: string): Promise<RingKey> {
	if (privateKey.asymmetricKeyType !== "rsa") throw new Error(`an ${String(privateKey.asymmetricKeyType)} key cannot sign ${ALGORITHM}: an RSA key is needed`);
	const bits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
	if (bits < MIN_MODULUS_BITS) throw new Error(`an RSA key of ${bits} bits is too short (at least ${MIN_MODULUS_BITS})`);
	const { kty, n, e } = createPublicKey(privateKey).export({ format: "jwk" }) as JWK;
	const id = kid ?? (await calculateJwkThumbprint({ kty, n, e }));
	return { kid: id, privateKey, publicJwk: { kty, n, e, kid: id, alg: ALGORITHM, use: "sig" } };
}

/** A fresh RSA key pair (2048 bits). */
export async function generateKey(kid?: string): Promise<RingKey> {
	const privateKey = await new Promise<KeyObject>((resolve, reject) =>
		generateKeyPairCb("rsa", { modulusLength: MIN_MODULUS_BITS }, (err, _pub, priv) => (err ? reject(err) : resolve(priv)))
	);
	return ringKey(privateKey, kid);
}

/** The private keys written in `raw` (see the module comment), in order. */
export async function parsePrivateKeys(raw: string): Promise<RingKey[]> {
	const text = raw.trim();
	const keys: RingKey[] = [];
	if (text.startsWith("{") || text.startsWith("[")) {
		let parsed: unknown;
		try {
			parsed = JSON.parse(text);
		} catch {
			throw new Error("is neither PEM nor valid JSON");
		}
		const list = Array.isArray(parsed) ? parsed : typeof parsed === "object" && parsed !== null && Array.isArray((parsed as { keys?: unknown }).keys) ? (parsed as { keys: unknown[] }).keys : [parsed];
		for (const [i, jwk] of list.entries()) {
			if (typeof jwk !== "object" || jwk === null || !("d" in jwk)) throw new Error(`key ${i + 1} is not a private JWK (no "d")`);
			let key: KeyObject;
			try {
				key = createPrivateKey({ key: jwk as import("node:crypto").JsonWebKey, format: "jwk" });
			} catch (err) {
				throw new Error(`key ${i + 1} is not a valid private JWK: ${(err as Error).message}`);
			}
			const kid = typeof (jwk as JWK).kid === "string" ? (jwk as JWK).kid : undefined;
			keys.push(await ringKey(key, kid));
		}
	} else {
		// Environment variables often carry PEM with "\n" written out.
		const pem = text.replace(/\\n/g, "\n");
		const blocks = pem.match(/-----BEGIN (?:RSA )?PRIVATE KEY-----[\s\S]+?-----END (?:RSA )?PRIVATE KEY-----/g);
		if (!blocks) throw new Error("holds no PEM private key (-----BEGIN PRIVATE KEY-----)");
		for (const [i, block] of blocks.entries()) {
			let key: KeyObject;
			try {
				key = createPrivateKey(block);
			} catch (err) {
				throw new Error(`PEM key ${i + 1} cannot be read: ${(err as Error).message}`);
			}
			keys.push(await ringKey(key));
		}
	}
	if (keys.length === 0) throw new Error("holds no key");
	const kids = new Set(keys.map(k => k.kid));
	if (kids.size !== keys.length) throw new Error("holds two keys with the same kid");
	return keys;
}

/** The keys: the first one signs; every key not yet retired is published. */
export class KeyRing {
	private keys: RingKey[];

	constructor(keys: RingKey[]) {
		if (keys.length === 0) throw new Error("a key ring needs a key");
		this.keys = [...keys];
	}

	signer(): RingKey {
		return this.keys[0];
	}

	/** The public keys to verify tokens with (RFC 7517 JWK Set). */
	jwks(now = Date.now()): { keys: JWK[] } {
		this.keys = this.keys.filter((k, i) => i === 0 || k.retiresAt === undefined || k.retiresAt > now);
		return { keys: this.keys.map(k => ({ ...k.publicJwk })) };
	}

	/**
	 * A new key signs from now on; the previous ones stay published for `keepMs` (the longest lifetime of a
	 * token they signed), then go. Returns the new key's id.
	 */
	async rotate(keepMs: number, now = Date.now(), next?: RingKey): Promise<string> {
		const key = next ?? (await generateKey());
		for (const old of this.keys) old.retiresAt = Math.min(old.retiresAt ?? Infinity, now + keepMs);
		this.keys = [key, ...this.keys];
		return key.kid;
	}
}
