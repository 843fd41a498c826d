// A third-party SENDER of the SmartHome envelope v2 (suites modern and session-signed), written from docs/PROTOCOL.md
// ("Crypto suites") with node's crypto module only.
// Usage: node seal-reading-v2.mjs request.json
//   request = { senderId, suite: "modern" | "session-signed", senderPrivateKey: PEM path (Ed25519, PKCS#8),
//               recipientPublicKey: PEM path (the actuator's X25519 key, SPKI), timestampMs, firstCounter,
//               readings: [ { messageId, deviceId, kind, value, sequence, sentAtMicros } ] }
// Prints { messages: [ { topic, hex } ] }: one key announcement (a one-time X25519 key), then one data message per
// reading, counters firstCounter, firstCounter + 1, ... Exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';

const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fail = (msg) => { console.error(msg); process.exit(1); };

// "v2 common header", byte 2: 0x02 modern, 0x03 session-signed.
const SUITES = { modern: 2, 'session-signed': 3 };
const suite = SUITES[req.suite] ?? fail(`suite '${req.suite}' is not a v2 suite`);
// "Device ids": 1..48 characters of a-z, 0-9 and '-'.
if (!/^[a-z0-9-]{1,48}$/.test(req.senderId)) fail('sender id breaks the device id rule');
const senderKey = crypto.createPrivateKey(readFileSync(req.senderPrivateKey, 'utf8'));
const recipientKey = crypto.createPublicKey(readFileSync(req.recipientPublicKey, 'utf8'));
if (senderKey.asymmetricKeyType !== 'ed25519') fail('sender key is not Ed25519');
if (recipientKey.asymmetricKeyType !== 'x25519') fail('recipient key is not X25519');

const u8 = (n) => Buffer.from([n]);
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };

// "Topic binding": B = uint16(len(utf8(topic))) || utf8(topic).
const binding = (topic) => { const t = Buffer.from(topic, 'utf8'); return Buffer.concat([u16(t.length), t]); };
// "v2 common header": version 2, type, suite, L, sender id, key id, counter, timestamp (all big-endian).
const header = (type, keyId, counter) => {
  const id = Buffer.from(req.senderId, 'ascii');
  return Buffer.concat([u8(2), u8(type), u8(suite), u8(id.length), id, u32(keyId), u64(counter), i64(req.timestampMs)]);
};
// Ed25519 (RFC 8032, pure) over the signed bytes followed by the topic binding.
const sign = (bytes, topic) => crypto.sign(null, Buffer.concat([bytes, binding(topic)]), senderKey);

const keyTopic = `smarthome/keys/${req.senderId}`;
const dataTopic = `smarthome/readings/${req.senderId}`;
const messages = [];
let counter = BigInt(req.firstCounter);

// "v2 key announcement": header || recipient fingerprint(8) || E(32) || Ed25519 signature(64).
let keyId = 0;
while (keyId === 0) keyId = crypto.randomBytes(4).readUInt32BE();
const spki = recipientKey.export({ type: 'spki', format: 'der' });
const fingerprint = crypto.createHash('sha256').update(spki).digest().subarray(0, 8);
const ephemeral = crypto.generateKeyPairSync('x25519');
// E raw (RFC 7748): the 32 bytes that end the X25519 SubjectPublicKeyInfo (prefix 302a300506032b656e032100).
const ephemeralRaw = ephemeral.publicKey.export({ type: 'spki', format: 'der' }).subarray(-32);
const signedAnnouncement = Buffer.concat([header(1, keyId, counter++), fingerprint, ephemeralRaw]);
messages.push({ topic: keyTopic, hex: Buffer.concat([signedAnnouncement, sign(signedAnnouncement, keyTopic)]).toString('hex') });

// Key schedule: Z = X25519(e, A); OKM = HKDF-SHA256(Z, salt empty, info = "smarthome-v2 session key" || announcement
// before its signature, 36 bytes); AES-256 key = OKM[0..32), nonce salt = OKM[32..36). The one-time key e goes out of
// scope here and is never written anywhere.
const z = crypto.diffieHellman({ privateKey: ephemeral.privateKey, publicKey: recipientKey });
if (z.every((b) => b === 0)) fail('all-zero X25519 secret');
const info = Buffer.concat([Buffer.from('smarthome-v2 session key', 'ascii'), signedAnnouncement]);
const okm = Buffer.from(crypto.hkdfSync('sha256', z, Buffer.alloc(0), info, 36));
const sessionKey = okm.subarray(0, 32);
const salt = okm.subarray(32, 36);

// "v2 data message": header || N(2) || AES-256-GCM ciphertext || tag(16) [|| Ed25519 signature(64), modern only].
// Nonce = salt || uint64(counter); AAD = header || N || B; the plaintext is the JSON of "The reading".
for (const reading of req.readings) {
  const plaintext = Buffer.from(JSON.stringify(reading), 'utf8');
  const c = counter++;
  const head = Buffer.concat([header(2, keyId, c), u16(plaintext.length)]);
  const cipher = crypto.createCipheriv('aes-256-gcm', sessionKey, Buffer.concat([salt, u64(c)]), { authTagLength: 16 });
  cipher.setAAD(Buffer.concat([head, binding(dataTopic)]));
  const body = Buffer.concat([head, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  const message = suite === SUITES.modern ? Buffer.concat([body, sign(body, dataTopic)]) : body;
  messages.push({ topic: dataTopic, hex: message.toString('hex') });
}

console.log(JSON.stringify({ messages }));
