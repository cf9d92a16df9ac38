//! Fuzzes the EF.SOD reader (the TLV wrapper, the CMS SignedData, the LDSSecurityObject, the DS certificate):
//! it must never panic, and whatever it accepts must survive the hash check and the signature check without
//! panicking either.
#![no_main]

use chip::sod::read::read_sod;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sod) = read_sod(data) {
        let _ = sod.check_hashes(&[(1, data)]);
        let _ = sod.verify_signature();
    }
});
