//! One card through `chip::personalise`, read back with the crate's own readers: every file carries its tag,
//! EF.COM lists exactly the data groups made, DG1 holds the MRZ, the EF.SOD's hashes cover every data group and
//! its signature verifies, the match-on-card templates are the two best fingers. (OpenSSL checks the same files
//! in `tests/openssl.rs`.)
#![allow(clippy::unwrap_used)]

mod common;

use chip::sod::read::read_sod;
use chip::test_pki::TestPki;
use chip::tlv::{children, find, read_exact};
use chip::{personalise, ChipError, Document, DocumentNumber};
use common::*;

#[test]
fn a_whole_card() {
    let pki = TestPki::new().unwrap();
    let lds = personalise(
        &holder(),
        &document("K00000417"),
        &biometrics(1),
        &pki.signer,
    )
    .unwrap();

    let tags: Vec<u32> = lds
        .files()
        .iter()
        .map(|(_, b)| read_exact(b).unwrap().tag)
        .collect();
    assert_eq!(tags, [0x60, 0x61, 0x75, 0x63, 0x67, 0x6B, 0x6C, 0x77]);

    let com = children(read_exact(&lds.com).unwrap().value).unwrap();
    let listed = find(&com, 0x5C).unwrap().value.to_vec();
    let made: Vec<u8> = lds.data_groups().iter().map(|(_, b)| b[0]).collect();
    assert_eq!(listed, made);

    let dg1 = children(read_exact(&lds.dg1).unwrap().value).unwrap();
    let mrz = String::from_utf8(find(&dg1, 0x5F1F).unwrap().value.to_vec()).unwrap();
    assert_eq!(mrz.len(), 90);
    assert_eq!(mrz, lds.mrz.concatenated());
    assert!(mrz.starts_with("IDIRNK00000417"));
    assert_eq!(&mrz[15..25], "0499370899");
    assert_eq!(&mrz[30..36], "881121");
    assert_eq!(&mrz[37..38], "M");
    // ZWNJ inside the given name: one component.
    assert_eq!(&mrz[60..90], "XKHSRWXSHAHXYA<<MXHMDRXDZA<<<<");

    let sod = read_sod(&lds.sod).unwrap();
    assert_eq!(
        sod.hashes.iter().map(|h| h.0).collect::<Vec<_>>(),
        [1, 2, 3, 7, 11, 12]
    );
    sod.check_hashes(&lds.data_groups()).unwrap();
    sod.verify_signature().unwrap();
    assert_eq!(sod.certificate_der, pki.ds_der);

    let moc: Vec<(u8, u8)> = lds
        .match_on_card
        .iter()
        .map(|t| (t.position, t.quality))
        .collect();
    assert_eq!(moc, [(2, 91), (8, 88)]);
    assert!(lds
        .match_on_card
        .iter()
        .all(|t| !t.data.is_empty() && t.data.len() % 3 == 0));

    // Ten fingers in DG3.
    let dg3 = read_exact(read_exact(&lds.dg3).unwrap().value).unwrap();
    assert_eq!(children(dg3.value).unwrap()[0].value, [10]);
}

#[test]
fn the_same_card_twice_is_the_same_bytes() {
    let pki = TestPki::new().unwrap();
    let a = personalise(
        &holder(),
        &document("K00000417"),
        &biometrics(2),
        &pki.signer,
    )
    .unwrap();
    let b = personalise(
        &holder(),
        &document("K00000417"),
        &biometrics(2),
        &pki.signer,
    )
    .unwrap();
    assert_eq!(a, b);
    let c = personalise(
        &holder(),
        &document("K00000418"),
        &biometrics(2),
        &pki.signer,
    )
    .unwrap();
    assert_ne!(a.dg1, c.dg1);
    assert_eq!(a.dg2, c.dg2);
    assert_ne!(a.sod, c.sod);
}

#[test]
fn a_card_issued_outside_the_signer_certificate_is_refused() {
    let pki = TestPki::new().unwrap();
    // The test DS certificate ends on 2050-01-01.
    let late = Document::new(
        DocumentNumber::parse("K00000419").unwrap(),
        date(2051, 1, 1),
        date(2058, 1, 1),
        "سازمان ثبت احوال کشور",
    )
    .unwrap();
    let e = personalise(&holder(), &late, &biometrics(3), &pki.signer).unwrap_err();
    assert!(matches!(e, ChipError::SignerCertificate(_)), "{e}");
}

#[test]
fn a_holder_without_fingers_gets_no_match_on_card_template() {
    let pki = TestPki::new().unwrap();
    let b = biometrics(4);
    let none = chip::Biometrics::new(b.face().clone(), vec![], b.signature().clone()).unwrap();
    let lds = personalise(&holder(), &document("K00000420"), &none, &pki.signer).unwrap();
    assert!(lds.match_on_card.is_empty());
    let dg3 = read_exact(read_exact(&lds.dg3).unwrap().value).unwrap();
    assert_eq!(children(dg3.value).unwrap()[0].value, [0]);
    read_sod(&lds.sod)
        .unwrap()
        .check_hashes(&lds.data_groups())
        .unwrap();
}
