//! What a nationality case is decided on: the evidence the registry's instruction for late registration asks
//! for, the outside inquiries, the committee's decisions and the grounds it decides on (Civil Code article 976 for
//! an approval, a reason for a rejection), and when a file is ready to be approved.

use crate::error::ValidationError;

macro_rules! named {
    ($(#[$m:meta])* $name:ident, $code:literal, $what_en:literal, $what_fa:literal,
     [$($(#[$vm:meta])* $variant:ident = $s:literal, $fa:literal;)+]) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),+ }
            }

            pub fn fa(self) -> &'static str {
                match self { $($name::$variant => $fa),+ }
            }

            pub fn parse(input: &str) -> Result<Self, ValidationError> {
                let t = input.trim();
                Self::ALL.iter().copied().find(|x| x.as_str() == t).ok_or_else(|| {
                    let names: Vec<&str> = Self::ALL.iter().map(|x| x.as_str()).collect();
                    ValidationError::new(
                        $code,
                        format!("{t:?} is not {}; one of: {}", $what_en, names.join(", ")),
                        format!("«{t}» {} نیست؛ یکی از: {}", $what_fa, names.join("، ")),
                    )
                })
            }
        }
    };
}

named!(
    /// A piece of evidence on a case.
    EvidenceKind, "invalid_evidence_kind", "an evidence kind", "نوع مدرک",
    [
        WitnessTestimony = "witness_testimony", "استشهادیهٔ گواهان";
        Photo = "photo", "عکس";
        ParentCertificate = "parent_certificate", "شناسنامهٔ پدر یا مادر";
        SchoolRecord = "school_record", "سابقهٔ تحصیلی";
        HealthRecord = "health_record", "پروندهٔ بهداشتی";
        ResidenceRecord = "residence_record", "سابقهٔ سکونت";
        DnaKinship = "dna_kinship", "آزمایش DNA خویشاوندی";
        AgeCommission = "age_commission", "نظر کمیسیون تعیین سن";
        CourtRuling = "court_ruling", "حکم دادگاه";
    ]
);

named!(
    /// An inquiry sent to another organisation.
    InquiryKind, "invalid_inquiry_kind", "an inquiry kind", "نوع استعلام",
    [
        PoliceIdentity = "police_identity", "استعلام هویتی پلیس";
        SecurityCouncil = "security_council", "استعلام شورای تأمین شهرستان";
        ForeignNationals = "foreign_nationals", "استعلام ادارهٔ اتباع خارجی";
    ]
);

named!(
    /// An inquiry's answer.
    InquiryOutcome, "invalid_inquiry_outcome", "an inquiry outcome", "پاسخ استعلام",
    [
        /// Nothing stands against Iranian nationality.
        Clear = "clear", "بلامانع";
        /// The answering body holds something against it (a foreign registration, another identity).
        Adverse = "adverse", "دارای مانع";
    ]
);

named!(
    /// What the committee decides. `refer_age_commission` and `refer_court` are added beside the contract's three.
    Decision, "invalid_decision", "a decision", "تصمیم",
    [
        Approved = "approved", "تأیید تابعیت";
        Rejected = "rejected", "رد";
        MoreEvidence = "more_evidence", "نیاز به مدارک بیشتر";
        ReferAgeCommission = "refer_age_commission", "ارجاع به کمیسیون تعیین سن";
        ReferCourt = "refer_court", "ارجاع به دادگاه";
    ]
);

named!(
    /// A court's ruling on the applicant's nationality.
    Ruling, "invalid_ruling", "a ruling", "رأی",
    [
        Iranian = "iranian", "احراز تابعیت ایرانی";
        NotIranian = "not_iranian", "عدم احراز تابعیت ایرانی";
    ]
);

named!(
    /// The ground of a decision: for an approval, the clause of Civil Code article 976 (or the 1398 law on the
    /// children of Iranian mothers) under which the applicant is Iranian; for a rejection, its reason.
    Ground, "invalid_ground", "a ground", "مبنای تصمیم",
    [
        /// 976(1): residents of Iran, except those whose foreign nationality is established.
        Art976Residents = "art976_1", "بند ۱ مادهٔ ۹۷۶ قانون مدنی: ساکنان ایران جز آنان که تبعیت خارجی‌شان مسلم است";
        /// 976(2): those whose father is Iranian, born in Iran or abroad.
        Art976IranianFather = "art976_2", "بند ۲ مادهٔ ۹۷۶ قانون مدنی: کسانی که پدرشان ایرانی است";
        /// 976(3): those born in Iran of unknown parents.
        Art976UnknownParents = "art976_3", "بند ۳ مادهٔ ۹۷۶ قانون مدنی: متولدان ایران از پدر و مادر نامعلوم";
        /// 976(4): those born in Iran of foreign parents one of whom was born in Iran.
        Art976ParentBornInIran = "art976_4", "بند ۴ مادهٔ ۹۷۶ قانون مدنی: متولدان ایران از پدر و مادر خارجی که یکی در ایران متولد شده";
        /// 976(5): those born in Iran of a foreign father who lived in Iran a year after turning eighteen.
        Art976FatherResident = "art976_5", "بند ۵ مادهٔ ۹۷۶ قانون مدنی: متولدان ایران از پدر خارجی که پس از هجده‌سالگی یک سال در ایران اقامت داشته";
        /// The 1398 law: the child of an Iranian mother and a foreign father.
        IranianMother = "iranian_mother_1398", "قانون تعیین تابعیت فرزندان مادران ایرانی (۱۳۹۸)";
        ForeignNationality = "foreign_nationality", "تبعیت خارجی محرز است";
        InsufficientEvidence = "insufficient_evidence", "مدارک برای احراز تابعیت کافی نیست";
        ExistingIdentity = "existing_identity", "متقاضی هویت ثبت‌شدهٔ دیگری دارد";
        /// For the decisions that settle nothing yet.
        FurtherReview = "further_review", "نیاز به بررسی بیشتر";
    ]
);

impl Ground {
    /// Whether the ground establishes Iranian nationality.
    pub fn is_nationality(self) -> bool {
        matches!(
            self,
            Ground::Art976Residents
                | Ground::Art976IranianFather
                | Ground::Art976UnknownParents
                | Ground::Art976ParentBornInIran
                | Ground::Art976FatherResident
                | Ground::IranianMother
        )
    }

    /// Checks the ground fits the decision: an approval names a clause, a rejection a reason.
    pub fn fits(self, decision: Decision) -> Result<(), ValidationError> {
        let ok = match decision {
            Decision::Approved => self.is_nationality(),
            Decision::Rejected => !self.is_nationality() && self != Ground::FurtherReview,
            _ => !self.is_nationality(),
        };
        if ok {
            Ok(())
        } else {
            Err(ValidationError::new(
                "invalid_ground",
                format!(
                    "{} does not fit the decision {}: an approval names a clause of article 976, a rejection its reason",
                    self.as_str(),
                    decision.as_str()
                ),
                format!(
                    "«{}» با تصمیم «{}» نمی‌خواند: تأیید به بندی از مادهٔ ۹۷۶ و رد به دلیل آن استناد می‌کند",
                    self.fa(),
                    decision.fa()
                ),
            ))
        }
    }
}

/// The fewest certified witnesses a testimony needs.
pub const MIN_WITNESSES: usize = 2;

/// A witness who signed a testimony: name and certification (their national code or notarised signature number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Witness {
    pub name: String,
    pub certification: String,
}

/// Checks a testimony's witnesses: at least two, each certified, no one twice.
pub fn check_witnesses(witnesses: &[Witness]) -> Result<(), ValidationError> {
    let mut seen = std::collections::HashSet::new();
    let distinct = witnesses
        .iter()
        .filter(|w| !w.name.trim().is_empty() && !w.certification.trim().is_empty())
        .filter(|w| seen.insert(crate::text::normalize_name(&w.certification)))
        .count();
    if distinct < MIN_WITNESSES {
        return Err(ValidationError::new(
            "witnesses_insufficient",
            "a testimony is signed by at least two different certified witnesses",
            "استشهادیه باید به امضای دست‌کم دو گواه معتمد متفاوت برسد",
        ));
    }
    Ok(())
}

/// What the committee's approval needs of a file.
#[derive(Debug, Clone, Default)]
pub struct FileSummary {
    pub evidence: Vec<EvidenceKind>,
    /// Each inquiry sent, with its answer once it came.
    pub inquiries: Vec<(InquiryKind, Option<InquiryOutcome>)>,
    /// The latest court ruling on file.
    pub ruling: Option<Ruling>,
}

fn not_ready(en: &str, fa: &str) -> ValidationError {
    ValidationError::new("case_not_ready", en, fa)
}

/// Whether the file can be approved: a witnesses' testimony, every inquiry answered, and no adverse answer unless a
/// court has ruled the applicant Iranian; never against a court's contrary ruling.
pub fn check_approvable(file: &FileSummary) -> Result<(), ValidationError> {
    if !file.evidence.contains(&EvidenceKind::WitnessTestimony) {
        return Err(not_ready(
            "the file has no witnesses' testimony",
            "پرونده استشهادیهٔ گواهان ندارد",
        ));
    }
    for kind in InquiryKind::ALL {
        match file.inquiries.iter().find(|(k, _)| k == kind) {
            Some((_, Some(_))) => {}
            _ => {
                return Err(not_ready(
                    &format!("the {} inquiry has not answered", kind.as_str()),
                    &format!("{} پاسخ داده نشده است", kind.fa()),
                ))
            }
        }
    }
    if file.ruling == Some(Ruling::NotIranian) {
        return Err(not_ready(
            "a court ruled the applicant not Iranian",
            "دادگاه به عدم احراز تابعیت ایرانی رأی داده است",
        ));
    }
    let adverse = file
        .inquiries
        .iter()
        .any(|(_, a)| *a == Some(InquiryOutcome::Adverse));
    if adverse && file.ruling != Some(Ruling::Iranian) {
        return Err(not_ready(
            "an inquiry answered against the applicant: only a court's ruling can settle it",
            "پاسخ یکی از استعلام‌ها منفی است: تنها حکم دادگاه می‌تواند آن را حل کند",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(name: &str, cert: &str) -> Witness {
        Witness {
            name: name.into(),
            certification: cert.into(),
        }
    }

    fn ready() -> FileSummary {
        FileSummary {
            evidence: vec![EvidenceKind::WitnessTestimony],
            inquiries: InquiryKind::ALL
                .iter()
                .map(|k| (*k, Some(InquiryOutcome::Clear)))
                .collect(),
            ruling: None,
        }
    }

    #[test]
    fn parse_and_names() {
        for k in EvidenceKind::ALL {
            assert_eq!(EvidenceKind::parse(k.as_str()).unwrap(), *k);
        }
        assert_eq!(
            EvidenceKind::parse("selfie").unwrap_err().code,
            "invalid_evidence_kind"
        );
        assert_eq!(Decision::parse("approved").unwrap(), Decision::Approved);
        assert_eq!(
            Ground::parse("art976_2").unwrap(),
            Ground::Art976IranianFather
        );
    }

    #[test]
    fn grounds_fit_their_decision() {
        assert!(Ground::Art976UnknownParents
            .fits(Decision::Approved)
            .is_ok());
        assert!(Ground::InsufficientEvidence
            .fits(Decision::Approved)
            .is_err());
        assert!(Ground::ForeignNationality.fits(Decision::Rejected).is_ok());
        assert!(Ground::Art976Residents.fits(Decision::Rejected).is_err());
        assert!(Ground::FurtherReview.fits(Decision::Rejected).is_err());
        assert!(Ground::FurtherReview.fits(Decision::MoreEvidence).is_ok());
    }

    #[test]
    fn witnesses() {
        assert!(check_witnesses(&[w("علی", "0499370899"), w("رضا", "0790419904")]).is_ok());
        assert!(check_witnesses(&[w("علی", "0499370899")]).is_err());
        assert!(check_witnesses(&[w("علی", "0499370899"), w("علی دیگر", "0499370899")]).is_err());
        assert!(check_witnesses(&[w("علی", "0499370899"), w("رضا", " ")]).is_err());
    }

    #[test]
    fn approval_needs_a_complete_file() {
        assert!(check_approvable(&ready()).is_ok());
        let mut f = ready();
        f.evidence.clear();
        assert_eq!(check_approvable(&f).unwrap_err().code, "case_not_ready");
        let mut f = ready();
        f.inquiries[1].1 = None;
        assert!(check_approvable(&f).is_err());
        let mut f = ready();
        f.inquiries[2].1 = Some(InquiryOutcome::Adverse);
        assert!(check_approvable(&f).is_err());
        f.ruling = Some(Ruling::Iranian);
        assert!(check_approvable(&f).is_ok());
        let mut f = ready();
        f.ruling = Some(Ruling::NotIranian);
        assert!(check_approvable(&f).is_err());
    }
}
