// Generates national-code vectors with @persian-tools/persian-tools 4.0.4 (an independent implementation).
const pt = require('@persian-tools/persian-tools');
let seed = 20261121;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const digits = n => Array.from({length: n}, () => Math.floor(rnd() * 10)).join('');
const complete = nine => {
  let s = 0; for (let i = 0; i < 9; i++) s += +nine[i] * (10 - i);
  const r = s % 11; return nine + (r < 2 ? r : 11 - r);
};
const out = new Set();
for (let d = 0; d < 10; d++) out.add(String(d).repeat(10));           // all-same digits
for (const p of ['001', '123', '987', '000']) out.add(complete(p + '000000')); // zero middle block
for (let i = 0; i < 6000; i++) out.add(complete(digits(9)));          // valid checksums
for (let i = 0; i < 6000; i++) out.add(digits(10));                    // random (mostly invalid)
for (let i = 0; i < 2000; i++) out.add(complete('00' + digits(7)));    // Tehran-like leading zeros
const lines = ['national_code,checksum_valid,verify_valid'];
for (const c of out) lines.push(`${c},${pt.validateNationalIdChecksum(c) ? 1 : 0},${pt.verifyIranianNationalId(c) ? 1 : 0}`);
require('fs').writeFileSync('national_code_vectors.csv', lines.join('\n') + '\n');
console.error(lines.length - 1, 'vectors,', lines.filter(l => l.endsWith(',1')).length, 'valid');
