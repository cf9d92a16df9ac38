//! Fuzzes the minutiae record parser: it must never panic, and whatever it accepts must
//! serialise back to exactly the bytes it read and parse again to the same record.
#![no_main]

use biometrics::record::MinutiaeRecord;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(rec) = MinutiaeRecord::parse(data) {
        let bytes = rec.to_bytes();
        assert_eq!(bytes, data, "accepted record must round-trip byte for byte");
        let again = MinutiaeRecord::parse_as(rec.format, &bytes).expect("own output parses");
        assert_eq!(again, rec);
    }
});
