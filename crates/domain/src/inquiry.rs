//! The registry inquiry: whether an applicant's stated details match the civil registry, and whether the person
//! may apply. A mismatch never says which field differed (`registry_mismatch`), so the answer cannot be used to
//! probe the registry one field at a time.

use crate::birth_certificate::BirthCertificate;
use crate::calendar::{lunar_agrees, HijriDate, JalaliDate};
use crate::error::ValidationError;
use crate::person::{Gender, Person};
use crate::text::normalize_name;

/// People may apply from this age (completed years, Solar Hijri).
pub const MINIMUM_AGE: i32 = 15;

/// What an applicant states on the form.
#[derive(Debug, Clone)]
pub struct Claim {
    pub birth_certificate: BirthCertificate,
    pub birth_date: JalaliDate,
    pub birth_date_hijri: HijriDate,
    pub gender: Gender,
    pub mother_name: String,
}

/// Checks the stated lunar date against the stated solar one (within the tolerance of `domain.md`); needs no
/// registry, so a form can say it before anything else.
pub fn check_lunar(claim: &Claim) -> Result<(), ValidationError> {
    if lunar_agrees(claim.birth_date, claim.birth_date_hijri) {
        Ok(())
    } else {
        Err(ValidationError::new(
            "lunar_date_mismatch",
            "the lunar birth date is more than 2 days from the one computed from the solar birth date",
            "تاریخ تولد قمری بیش از ۲ روز با تاریخ محاسبه‌شده از تاریخ شمسی فاصله دارد",
        ))
    }
}

fn mismatch() -> ValidationError {
    ValidationError::new(
        "registry_mismatch",
        "the details do not match the civil registry",
        "مشخصات واردشده با اطلاعات ثبت احوال مطابقت ندارد",
    )
}

/// The whole inquiry, in the order that reveals least: identity (certificate, birth date, gender, mother's name)
/// first and as one answer, then life and age.
pub fn check(
    claim: &Claim,
    person: Option<&Person>,
    today: JalaliDate,
) -> Result<(), ValidationError> {
    check_lunar(claim)?;
    let Some(p) = person else {
        return Err(mismatch());
    };
    let same = p.birth_certificate == claim.birth_certificate
        && p.birth_date == claim.birth_date
        && p.gender == claim.gender
        && normalize_name(&p.mother_name) == normalize_name(&claim.mother_name);
    if !same {
        return Err(mismatch());
    }
    check_person(Some(p), today)
}

/// Life and age only, for a person named by national code alone (a mobile unit's roster: the institution vouches
/// for who they are and the unit checks their documents at enrollment). Someone the registry does not know is
/// `registry_mismatch`, as in [`check`].
pub fn check_person(person: Option<&Person>, today: JalaliDate) -> Result<(), ValidationError> {
    let Some(p) = person else {
        return Err(mismatch());
    };
    if !p.is_alive() {
        return Err(ValidationError::new(
            "deceased",
            "the civil registry records this person as deceased",
            "این شخص در ثبت احوال متوفی ثبت شده است",
        ));
    }
    if p.birth_date.age_on(today) < MINIMUM_AGE {
        return Err(ValidationError::new(
            "underage",
            "applicants must be 15 or older",
            "متقاضی باید دست‌کم ۱۵ سال داشته باشد",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> JalaliDate {
        JalaliDate::parse("1405-08-30").unwrap()
    }

    fn person() -> Person {
        let row = [
            "0499370899",
            "علی",
            "رضایی",
            "حسن",
            "فاطمه زهرا",
            "male",
            "1370-05-12",
            "تهران",
            "islam",
            "ج",
            "12",
            "345678",
            "09121234567",
            "1314567890",
            "تهران",
            "",
        ];
        Person::from_row(&row, today()).unwrap()
    }

    fn claim(p: &Person) -> Claim {
        Claim {
            birth_certificate: p.birth_certificate,
            birth_date: p.birth_date,
            birth_date_hijri: p.birth_date.to_hijri(),
            gender: p.gender,
            mother_name: "فاطمه\u{200C}زهرا".into(),
        }
    }

    #[test]
    fn a_matching_adult_passes_with_normalised_names() {
        let p = person();
        assert_eq!(check(&claim(&p), Some(&p), today()), Ok(()));
        let mut c = claim(&p);
        c.mother_name = " فاطمه   زهرا ".into();
        assert!(check(&c, Some(&p), today()).is_ok());
    }

    #[test]
    fn every_mismatch_has_one_answer() {
        let p = person();
        let mut cases = Vec::new();
        let mut c = claim(&p);
        c.birth_certificate = BirthCertificate::parse("ج", "12", "345679").unwrap();
        cases.push(c);
        let mut c = claim(&p);
        c.birth_date = p.birth_date.add_days(1).unwrap();
        c.birth_date_hijri = c.birth_date.to_hijri();
        cases.push(c);
        let mut c = claim(&p);
        c.gender = Gender::Female;
        cases.push(c);
        let mut c = claim(&p);
        c.mother_name = "مریم".into();
        cases.push(c);
        for c in cases {
            assert_eq!(
                check(&c, Some(&p), today()).unwrap_err().code,
                "registry_mismatch"
            );
        }
        assert_eq!(
            check(&claim(&p), None, today()).unwrap_err().code,
            "registry_mismatch"
        );
    }

    #[test]
    fn lunar_tolerance_deceased_and_underage() {
        let p = person();
        let mut c = claim(&p);
        c.birth_date_hijri = HijriDate::from_day_number(p.birth_date.day_number() + 2);
        assert!(check(&c, Some(&p), today()).is_ok());
        c.birth_date_hijri = HijriDate::from_day_number(p.birth_date.day_number() - 3);
        assert_eq!(
            check(&c, Some(&p), today()).unwrap_err().code,
            "lunar_date_mismatch"
        );

        let mut dead = p.clone();
        dead.death_date = Some(JalaliDate::parse("1400-01-01").unwrap());
        assert_eq!(
            check(&claim(&dead), Some(&dead), today()).unwrap_err().code,
            "deceased"
        );

        let mut young = p.clone();
        young.birth_date = JalaliDate::parse("1390-09-01").unwrap();
        assert_eq!(
            check(&claim(&young), Some(&young), today())
                .unwrap_err()
                .code,
            "underage"
        );
        young.birth_date = JalaliDate::parse("1390-08-30").unwrap();
        assert!(
            check(&claim(&young), Some(&young), today()).is_ok(),
            "15 today"
        );
    }
}
