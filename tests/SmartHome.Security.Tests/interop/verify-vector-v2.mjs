// Third-party implementation of the SmartHome envelope v2 (docs/PROTOCOL.md, "Crypto suites") with node's crypto only.
// Usage: node verify-vector-v2.mjs path/to/vector-v2-<suite>.json
// 1. verifies the announcement's Ed25519 signature and recipient fingerprint, agrees X25519 (actuator private key with
//    the ephemeral public key), derives key and salt with HKDF-SHA256;
// 2. opens the data message (AES-256-GCM, AAD = header || topic binding) and, for modern, verifies its Ed25519 signature;
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
const recipientPub = crypto.createPublicKey(pem(v.keys.recipientPublicKey));
const senderPub = crypto.createPublicKey(pem(v.keys.senderPublicKey));
const senderPriv = crypto.createPrivateKey(pem(v.keys.senderPrivateKey));
const fail = (msg) => { console.error(msg); process.exit(1); };

const FIXED = 24, SIG = 64, TAG = 16;
const binding = (topic) => {
  const t = Buffer.from(topic, 'utf8');
  const b = Buffer.alloc(2); b.writeUInt16BE(t.length);
  return Buffer.concat([b, t]);
};

const ann = Buffer.from(v.announcement.hex, 'hex');
if (ann[0] !== 2 || ann[1] !== 1) fail('announcement header');
const suite = ann[2];
const L = ann[3];
const H = FIXED + L;
const senderId = ann.subarray(4, 4 + L).toString('ascii');
const keyId = ann.readUInt32BE(4 + L);
if (ann.length !== H + 8 + 32 + SIG) fail('announcement length');
const fingerprint = crypto.createHash('sha256').update(recipientPub.export({ type: 'spki', format: 'der' })).digest().subarray(0, 8);
if (!fingerprint.equals(ann.subarray(H, H + 8))) fail('fingerprint');
const annSigned = ann.subarray(0, H + 40);
if (!crypto.verify(null, Buffer.concat([annSigned, binding(v.announcement.topic)]), senderPub, ann.subarray(H + 40))) fail('announcement signature');
const ephemeral = crypto.createPublicKey({
  key: Buffer.concat([Buffer.from('302a300506032b656e032100', 'hex'), ann.subarray(H + 8, H + 40)]), format: 'der', type: 'spki' });
const z = crypto.diffieHellman({ privateKey: recipientPriv, publicKey: ephemeral });
const okm = Buffer.from(crypto.hkdfSync('sha256', z, Buffer.alloc(0), Buffer.concat([Buffer.from('smarthome-v2 session key', 'ascii'), annSigned]), 36));
const key = okm.subarray(0, 32), salt = okm.subarray(32, 36);

function nonceFor(counter) {
  const n = Buffer.alloc(12); salt.copy(n); n.writeBigUInt64BE(counter, 4); return n;
}

const data = Buffer.from(v.data.hex, 'hex');
if (data[0] !== 2 || data[1] !== 2 || data[2] !== suite) fail('data header');
const counter = data.readBigUInt64BE(8 + L);
const n = data.readUInt16BE(H);
const sig = suite === 2 ? SIG : 0;
if (data.length !== H + 2 + n + TAG + sig) fail('data length');
const bind = binding(v.data.topic);
if (suite === 2 && !crypto.verify(null, Buffer.concat([data.subarray(0, H + 2 + n + TAG), bind]), senderPub, data.subarray(H + 2 + n + TAG))) fail('data signature');
const decipher = crypto.createDecipheriv('aes-256-gcm', key, nonceFor(counter));
decipher.setAAD(Buffer.concat([data.subarray(0, H + 2), bind]));
decipher.setAuthTag(data.subarray(H + 2 + n, H + 2 + n + TAG));
const plaintext = Buffer.concat([decipher.update(data.subarray(H + 2, H + 2 + n)), decipher.final()]).toString('utf8');

// Node's own message: same session, counter + 1.
const own = Buffer.from(JSON.stringify({ sensor: senderId, t: 22.25, unit: 'C', from: 'node' }), 'utf8');
const header = Buffer.from(data.subarray(0, H + 2));
header.writeBigUInt64BE(counter + 1n, 8 + L);
header.writeUInt16BE(own.length, H);
const cipher = crypto.createCipheriv('aes-256-gcm', key, nonceFor(counter + 1n));
cipher.setAAD(Buffer.concat([header, bind]));
const ct = Buffer.concat([cipher.update(own), cipher.final()]);
let message = Buffer.concat([header, ct, cipher.getAuthTag()]);
if (suite === 2) message = Buffer.concat([message, crypto.sign(null, Buffer.concat([message, bind]), senderPriv)]);

console.log(JSON.stringify({
  suite, keyId, sessionKey: key.toString('hex'), plaintext,
  nodeMessage: { topic: v.data.topic, hex: message.toString('hex'), plaintext: own.toString('utf8') },
}));
