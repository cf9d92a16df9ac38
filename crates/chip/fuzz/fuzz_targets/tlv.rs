//! Fuzzes the BER-TLV reader: it must never panic, every value it returns lies inside the input, and what it
//! reads re-encodes (in the shortest length form) to a TLV that reads back the same.
#![no_main]

use chip::tlv::{children, read, tlv, Tlv};
use libfuzzer_sys::fuzz_target;

fn walk(t: Tlv<'_>, depth: usize) {
    let again = tlv(t.tag, t.value).expect("a value the reader accepted re-encodes");
    let (back, rest) = read(&again).expect("own encoding reads");
    assert!(rest.is_empty());
    assert_eq!(back, t);
    if t.is_constructed() && depth < 16 {
        if let Ok(kids) = children(t.value) {
            for k in kids {
                walk(k, depth + 1);
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let mut rest = data;
    while let Ok((t, r)) = read(rest) {
        let start = t.value.as_ptr() as usize - data.as_ptr() as usize;
        assert!(start + t.value.len() <= data.len());
        walk(t, 0);
        rest = r;
    }
});
