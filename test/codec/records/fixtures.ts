// Shared byte vectors for the record-format tests.

// record-format.md section 10: the worked example, 90 bytes, CRC-32C 0xb1267df6.
export const WORKED_EXAMPLE = Buffer.from(
  '0000000000000000' + '0000004e' + 'ffffffff' + '02' + 'b1267df6' + '0000' + '00000001' +
    '0000018bcfe56800' + '0000018bcfe56805' + 'ffffffffffffffff' + 'ffff' + 'ffffffff' + '00000002' +
    '20' + '00' + '00' + '00' + '02' + '6b' + '0a' + '68656c6c6f' + '02' + '02' + '68' + '02' + '76' +
    '16' + '00' + '0a' + '02' + '01' + '0a' + '776f726c64' + '00',
  'hex',
);
