// A third party on both ends of the acknowledgement, written from docs/PROTOCOL.md ("Acknowledgement") with node's
// crypto module only. Usage: node ack.mjs request.json
//   verify: { mode: "verify", actuatorPublicKey: PEM path (DSA-2048, SPKI), topic, hex }
//     checks the type 0x03 message as a device does (layout, sender "actuator", key id, DSA signature with the topic
//     binding) and prints { counter, timestampMs, entries: [ { messageId, applied, reason } ] }
//   seal: { mode: "seal", actuatorPrivateKey: PEM path (DSA-2048, PKCS#8), topic, counter, timestampMs,
//           entries: [ { messageId, applied, reason } ] }  prints { hex }
// Exits non-zero on any failure.
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';

const req = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const fail = (msg) => { console.error(msg); process.exit(1); };
const u16 = (n) => { const b = Buffer.alloc(2); b.writeUInt16BE(n); return b; };
const binding = (topic) => { const t = Buffer.from(topic, 'utf8'); return Buffer.concat([u16(t.length), t]); };
const sender = Buffer.from('actuator', 'ascii');
// Key id: the first 4 bytes (big-endian) of SHA-256 over the signing key's SubjectPublicKeyInfo DER, 1 if they are 0.
const keyIdOf = (publicKey) => {
  const id = crypto.createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest().readUInt32BE(0);
  return id === 0 ? 1 : id;
};

if (req.mode === 'seal') {
  const key = crypto.createPrivateKey(readFileSync(req.actuatorPrivateKey, 'utf8'));
  // Body: 0x01 || n || n x [ verdict || m || id || r || reason ].
  const parts = [Buffer.from([0x01, req.entries.length])];
  for (const e of req.entries) {
    const id = Buffer.from(e.messageId, 'ascii');
    const reason = Buffer.from(e.applied ? '' : e.reason, 'ascii');
    parts.push(Buffer.from([e.applied ? 0x01 : 0x02, id.length]), id, Buffer.from([reason.length]), reason);
  }
  const body = Buffer.concat(parts);
  const head = Buffer.alloc(23 + sender.length);
  head[0] = 1; head[1] = 3; head[2] = sender.length; sender.copy(head, 3);
  head.writeUInt32BE(keyIdOf(crypto.createPublicKey(key)), 3 + sender.length);
  head.writeBigUInt64BE(BigInt(req.counter), 7 + sender.length);
  head.writeBigInt64BE(BigInt(req.timestampMs), 15 + sender.length);
  const signed = Buffer.concat([head, u16(body.length), body]);
  const signature = crypto.sign('sha256', Buffer.concat([signed, binding(req.topic)]), { key, dsaEncoding: 'ieee-p1363' });
  console.log(JSON.stringify({ hex: Buffer.concat([signed, signature]).toString('hex') }));
} else if (req.mode === 'verify') {
  const key = crypto.createPublicKey(readFileSync(req.actuatorPublicKey, 'utf8'));
  const m = Buffer.from(req.hex, 'hex');
  if (m.length > 4096 || m[0] !== 1 || m[1] !== 3) fail('not a v1 acknowledgement');
  const L = m[2]; const H = 23 + L;
  if (!m.subarray(3, 3 + L).equals(sender)) fail('not from the actuator');
  if (m.readUInt32BE(3 + L) !== keyIdOf(key)) fail('not the actuator\'s key id');
  const counter = m.readBigUInt64BE(7 + L); const timestampMs = m.readBigInt64BE(15 + L);
  const n = m.readUInt16BE(H);
  if (n === 0 || H + 2 + n + 64 !== m.length) fail('length mismatch');
  const ok = crypto.verify('sha256', Buffer.concat([m.subarray(0, H + 2 + n), binding(req.topic)]),
    { key, dsaEncoding: 'ieee-p1363' }, m.subarray(H + 2 + n));
  if (!ok) fail('bad signature');
  const body = m.subarray(H + 2, H + 2 + n);
  if (body[0] !== 1 || body[1] < 1 || body[1] > 32) fail('bad body header');
  const entries = []; let at = 2;
  for (let i = 0; i < body[1]; i++) {
    const verdict = body[at]; const idLen = body[at + 1];
    const messageId = body.subarray(at + 2, at + 2 + idLen).toString('ascii');
    const r = body[at + 2 + idLen];
    const reason = body.subarray(at + 3 + idLen, at + 3 + idLen + r).toString('ascii');
    if (verdict !== 1 && verdict !== 2) fail('bad verdict');
    if ((verdict === 1) !== (r === 0)) fail('reason length does not match the verdict');
    entries.push({ messageId, applied: verdict === 1, reason: r === 0 ? null : reason });
    at += 3 + idLen + r;
  }
  if (at !== body.length) fail('trailing bytes');
  console.log(JSON.stringify({ counter: counter.toString(), timestampMs: timestampMs.toString(), entries }));
} else {
  fail('mode must be seal or verify');
}
