//! Fuzzes the template storage reader: never panics; accepted bytes round-trip.
#![no_main]

use biometrics::Template;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(t) = Template::from_bytes(data) {
        let again = Template::from_bytes(&t.to_bytes()).expect("own output parses");
        assert_eq!(again.to_bytes(), t.to_bytes());
    }
});
