// Third-party implementation of the SmartHome secure envelope v1 (docs/PROTOCOL.md) with node's crypto module only.
// Usage: node verify-vector.mjs path/to/vector-v1.json
// 1. verifies the announcement's DSA signature, checks the recipient fingerprint, unwraps the AES key (RSA-OAEP-SHA256);
// 2. verifies the data message's signature and decrypts it (AES-256-GCM, nonce = salt || counter, AAD = header || topic binding);
// 3. seals a new data message (counter + 1) with the sender's private key, for the C# receiver to accept.
// Prints a JSON object; exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import crypto from 'node:crypto';

const vectorPath = process.argv[2];
const v = JSON.parse(readFileSync(vectorPath, 'utf8'));
const base = dirname(vectorPath);
const pem = (p) => readFileSync(join(base, p), 'utf8');
const recipientPriv = crypto.createPrivateKey(pem(v.keys.recipientPrivateKey));
const senderPub = crypto.createPublicKey(pem(v.keys.senderPublicKey));
const senderPriv = crypto.createPrivateKey(pem(v.keys.senderPrivateKey));

const FIXED = 23, SIG = 64, TAG = 16;
const binding = (topic) => {
  const t = Buffer.from(topic, 'utf8');
  const b = Buffer.alloc(2); b.writeUInt16BE(t.length);
  return Buffer.concat([b, t]);
};
const fail = (msg) => { console.error(msg); process.exit(1); };

function parse(buf) {
  if (buf[0] !== 1) fail('version');
  const type = buf[1], L = buf[2];
  const m = { type, senderId: buf.subarray(3, 3 + L).toString('ascii'), keyId: buf.readUInt32BE(3 + L),
    counter: buf.readBigUInt64BE(7 + L), timestampMs: buf.readBigInt64BE(15 + L) };
  const h = FIXED + L;
  if (type === 1) {
    m.salt = buf.subarray(h, h + 4);
    m.fingerprint = buf.subarray(h + 4, h + 12);
    const w = buf.readUInt16BE(h + 12);
    m.wrapped = buf.subarray(h + 14, h + 14 + w);
    if (h + 14 + w + SIG !== buf.length) fail('announcement length');
  } else if (type === 2) {
    const n = buf.readUInt16BE(h);
    m.header = buf.subarray(0, h + 2);
    m.ciphertext = buf.subarray(h + 2, h + 2 + n);
    m.tag = buf.subarray(h + 2 + n, h + 2 + n + TAG);
    if (h + 2 + n + TAG + SIG !== buf.length) fail('data length');
  } else fail('type');
  m.signed = buf.subarray(0, buf.length - SIG);
  m.signature = buf.subarray(buf.length - SIG);
  return m;
}

const verify = (m, topic) => crypto.verify('sha256', Buffer.concat([m.signed, binding(topic)]),
  { key: senderPub, dsaEncoding: 'ieee-p1363' }, m.signature);

// 1. Announcement.
const ann = parse(Buffer.from(v.announcement.hex, 'hex'));
if (!verify(ann, v.announcement.topic)) fail('announcement signature');
const spki = crypto.createPublicKey(recipientPriv).export({ type: 'spki', format: 'der' });
if (!crypto.createHash('sha256').update(spki).digest().subarray(0, 8).equals(ann.fingerprint)) fail('fingerprint');
const key = crypto.privateDecrypt({ key: recipientPriv, padding: crypto.constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, ann.wrapped);
if (key.length !== 32) fail('key length');

// 2. Data.
const data = parse(Buffer.from(v.data.hex, 'hex'));
if (data.keyId !== ann.keyId) fail('key id');
if (!verify(data, v.data.topic)) fail('data signature');
const nonce = Buffer.alloc(12); ann.salt.copy(nonce, 0); nonce.writeBigUInt64BE(data.counter, 4);
const dec = crypto.createDecipheriv('aes-256-gcm', key, nonce);
dec.setAAD(Buffer.concat([data.header, binding(v.data.topic)]));
dec.setAuthTag(data.tag);
const plaintext = Buffer.concat([dec.update(data.ciphertext), dec.final()]).toString('utf8');
if (plaintext !== v.data.plaintext) fail('plaintext mismatch');

// 3. Seal a new message as the same sender (counter + 1, same session key).
const idBytes = Buffer.from(v.senderId, 'ascii');
const newPlain = Buffer.from('{"from":"node","t":22.0}', 'utf8');
const header = Buffer.alloc(FIXED + idBytes.length + 2);
header[0] = 1; header[1] = 2; header[2] = idBytes.length; idBytes.copy(header, 3);
let o = 3 + idBytes.length;
header.writeUInt32BE(ann.keyId, o); o += 4;
const counter = data.counter + 1n;
header.writeBigUInt64BE(counter, o); o += 8;
header.writeBigInt64BE(BigInt(v.receiverTimeUnixMs), o); o += 8;
header.writeUInt16BE(newPlain.length, o);
const nonce2 = Buffer.alloc(12); ann.salt.copy(nonce2, 0); nonce2.writeBigUInt64BE(counter, 4);
const enc = crypto.createCipheriv('aes-256-gcm', key, nonce2);
enc.setAAD(Buffer.concat([header, binding(v.data.topic)]));
const ct = Buffer.concat([enc.update(newPlain), enc.final()]);
const signed = Buffer.concat([header, ct, enc.getAuthTag()]);
const sig = crypto.sign('sha256', Buffer.concat([signed, binding(v.data.topic)]), { key: senderPriv, dsaEncoding: 'ieee-p1363' });

console.log(JSON.stringify({
  ok: true, senderId: data.senderId, keyId: data.keyId, counter: Number(data.counter), plaintext,
  nodeMessage: { topic: v.data.topic, hex: Buffer.concat([signed, sig]).toString('hex'), plaintext: newPlain.toString('utf8') },
}));
