// node:crypto against node-forge for the one RSA operation SPICE's link stage needs: encrypting the ticket with
// RSA-OAEP (SHA-1) under the server's 1024-bit public key. Same key, same password, same run.
//   node --import tsx scripts/bench-rsa.ts [--rounds N]
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from 'node:crypto';
import forge from 'node-forge';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1]) || 2000;
const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const password = Buffer.from('correct horse battery staple\0');

function time(name: string, encrypt: () => Buffer): number {
  // Every peer's output must decrypt to the password (OAEP is randomised, so outputs differ).
  const check = privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, encrypt());
  if (!check.equals(password)) throw new Error(`${name}: ciphertext does not decrypt to the password`);
  for (let i = 0; i < 50; i++) encrypt();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) encrypt();
  const us = Number(process.hrtime.bigint() - start) / 1000 / rounds;
  console.log(`${name.padEnd(12)} ${us.toFixed(1)} µs per ticket`);
  return us;
}

const native = time('node:crypto', () =>
  publicEncrypt({ key: publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, password),
);
const forgeKey = forge.pki.publicKeyFromPem(pem);
const js = time('node-forge', () =>
  Buffer.from(forgeKey.encrypt(password.toString('binary'), 'RSA-OAEP'), 'binary'),
);
console.log(`node-forge / node:crypto: ${(js / native).toFixed(1)}×`);
