// A third-party SENDER of the SmartHome secure envelope v1, written from docs/PROTOCOL.md with node's crypto module only.
// Usage: node seal-reading.mjs request.json
//   request = { senderId, senderPrivateKey: PEM path (DSA-2048, PKCS#8), recipientPublicKey: PEM path (RSA, SPKI),
//               timestampMs, firstCounter, readings: [ { messageId, deviceId, kind, value, sequence, sentAtMicros } ] }
// Prints { messages: [ { topic, hex } ] }: one key announcement (fresh AES-256 key, key id and salt), then one data
// message per reading, counters firstCounter, firstCounter + 1, ... Exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';

const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fail = (msg) => { console.error(msg); process.exit(1); };

// "Device ids": 1..48 characters of a-z, 0-9 and '-'.
if (!/^[a-z0-9-]{1,48}$/.test(req.senderId)) fail('sender id breaks the device id rule');
const senderKey = crypto.createPrivateKey(readFileSync(req.senderPrivateKey, 'utf8'));
const recipientKey = crypto.createPublicKey(readFileSync(req.recipientPublicKey, 'utf8'));

const u8 = (n) => Buffer.from([n]);
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const u32 = (n) => { const b = Buffer.alloc(4); b.writeUInt32BE(n); return b; };
const u64 = (n) => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; };
const i64 = (n) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(n)); return b; };

// "Topic binding": B = uint16(len(utf8(topic))) || utf8(topic).
const binding = (topic) => { const t = Buffer.from(topic, 'utf8'); return Buffer.concat([u16(t.length), t]); };
// "Common header": version 1, type, L, sender id, key id, counter, timestamp (all big-endian).
const header = (type, keyId, counter) => {
  const id = Buffer.from(req.senderId, 'ascii');
  return Buffer.concat([u8(1), u8(type), u8(id.length), id, u32(keyId), u64(counter), i64(req.timestampMs)]);
};
// DSA over SHA-256(signed bytes || B), IEEE P1363 r || s (64 bytes).
const sign = (bytes, topic) =>
  crypto.sign('sha256', Buffer.concat([bytes, binding(topic)]), { key: senderKey, dsaEncoding: 'ieee-p1363' });

const keyTopic = `smarthome/keys/${req.senderId}`;
const dataTopic = `smarthome/readings/${req.senderId}`;
const messages = [];
let counter = BigInt(req.firstCounter);

// Key announcement (type 1): header || salt(4) || recipient fingerprint(8) || W(2) || RSA-OAEP-SHA256(key) || signature.
const sessionKey = crypto.randomBytes(32);
let keyId = 0;
while (keyId === 0) keyId = crypto.randomBytes(4).readUInt32BE();
const salt = crypto.randomBytes(4);
const spki = recipientKey.export({ type: 'spki', format: 'der' });
const fingerprint = crypto.createHash('sha256').update(spki).digest().subarray(0, 8);
const wrapped = crypto.publicEncrypt(
  { key: recipientKey, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, sessionKey);
const announcement = Buffer.concat([header(1, keyId, counter++), salt, fingerprint, u16(wrapped.length), wrapped]);
messages.push({ topic: keyTopic, hex: Buffer.concat([announcement, sign(announcement, keyTopic)]).toString('hex') });

// Data messages (type 2): header || N(2) || AES-256-GCM ciphertext || tag(16) || signature.
// Nonce = salt || uint64(counter); AAD = header || N || B; the reading is the JSON of "The reading".
for (const reading of req.readings) {
  const plaintext = Buffer.from(JSON.stringify(reading), 'utf8');
  const c = counter++;
  const head = Buffer.concat([header(2, keyId, c), u16(plaintext.length)]);
  const cipher = crypto.createCipheriv('aes-256-gcm', sessionKey, Buffer.concat([salt, u64(c)]), { authTagLength: 16 });
  cipher.setAAD(Buffer.concat([head, binding(dataTopic)]));
  const body = Buffer.concat([head, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
  messages.push({ topic: dataTopic, hex: Buffer.concat([body, sign(body, dataTopic)]).toString('hex') });
}

console.log(JSON.stringify({ messages }));
