//! A person as the civil registry holds them: the record that applications are checked against.
//! [`Person::from_row`] validates one registry row (the CSV of the contract) field by field.

use crate::birth_certificate::BirthCertificate;
use crate::calendar::JalaliDate;
use crate::error::{AtField, FieldError, ValidationError};
use crate::mobile::Mobile;
use crate::national_code::NationalCode;
use crate::postal_code::PostalCode;
use crate::text::{normalize_name, tidy_display};

/// The registry CSV's columns, in order.
pub const REGISTRY_COLUMNS: [&str; 16] = [
    "national_code",
    "first_name",
    "last_name",
    "father_name",
    "mother_name",
    "gender",
    "birth_date_jalali",
    "birth_place",
    "religion",
    "bc_series_letter",
    "bc_series_number",
    "bc_serial",
    "mobiles",
    "postal_code",
    "address",
    "death_date_jalali",
];

/// The most mobile numbers one person may have registered.
pub const MAX_MOBILES: usize = 10;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Gender {
    Male,
    Female,
}

impl Gender {
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "male" | "m" | "مرد" | "مذکر" => Ok(Self::Male),
            "female" | "f" | "زن" | "مونث" | "مؤنث" => Ok(Self::Female),
            _ => Err(ValidationError::new(
                "invalid_gender",
                format!("gender must be male or female, not {input:?}"),
                format!("جنسیت باید «مرد» یا «زن» باشد، نه «{input}»"),
            )),
        }
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Male => "male",
            Self::Female => "female",
        }
    }
    pub fn fa(&self) -> &'static str {
        match self {
            Self::Male => "مرد",
            Self::Female => "زن",
        }
    }
}

/// The religions recorded on the application form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Religion {
    Islam,
    Christianity,
    Judaism,
    Zoroastrianism,
}

impl Religion {
    pub const ALL: [Religion; 4] = [
        Self::Islam,
        Self::Christianity,
        Self::Judaism,
        Self::Zoroastrianism,
    ];

    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let n = normalize_name(input);
        Ok(match n.as_str() {
            "islam" | "اسلام" | "مسلمان" => Self::Islam,
            "christianity" | "christian" | "مسیحی" | "مسیحیت" => Self::Christianity,
            "judaism" | "jewish" | "کلیمی" | "یهودی" => Self::Judaism,
            "zoroastrianism" | "zoroastrian" | "زرتشتی" => Self::Zoroastrianism,
            _ => {
                return Err(ValidationError::new(
                    "invalid_religion",
                    format!("religion must be islam, christianity, judaism or zoroastrianism, not {input:?}"),
                    format!("دین باید اسلام، مسیحی، کلیمی یا زرتشتی باشد، نه «{input}»"),
                ))
            }
        })
    }
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Islam => "islam",
            Self::Christianity => "christianity",
            Self::Judaism => "judaism",
            Self::Zoroastrianism => "zoroastrianism",
        }
    }
    pub fn fa(&self) -> &'static str {
        match self {
            Self::Islam => "اسلام",
            Self::Christianity => "مسیحی",
            Self::Judaism => "کلیمی",
            Self::Zoroastrianism => "زرتشتی",
        }
    }
}

/// A person's name as written: letters (any script), spaces, ZWNJ, apostrophes and hyphens; 1–60 characters.
/// Returns the tidied display form.
pub fn parse_name(input: &str) -> Result<String, ValidationError> {
    let tidy = tidy_display(input);
    let len = tidy.chars().count();
    if len == 0 {
        return Err(ValidationError::new(
            "invalid_name",
            "the name is empty",
            "نام خالی است",
        ));
    }
    if len > 60 {
        return Err(ValidationError::new(
            "invalid_name",
            format!("a name has at most 60 characters, this has {len}"),
            "نام حداکثر ۶۰ نویسه دارد",
        ));
    }
    if let Some(c) = tidy.chars().find(|&c| {
        !(c.is_alphabetic()
            || c == ' '
            || c == '\u{200C}'
            || c == '\''
            || c == '-'
            || ('\u{064B}'..='\u{0652}').contains(&c))
    }) {
        return Err(ValidationError::new(
            "invalid_name",
            format!("a name cannot contain {c:?}"),
            format!("نام نمی‌تواند «{c}» داشته باشد"),
        ));
    }
    Ok(tidy)
}

/// Free text (birth place, address, office names, a manufacturer's failure reason): trimmed, 0–`max`
/// characters, no control characters and no directional formatting characters (see
/// [`crate::text::is_bidi_control`]).
pub fn parse_text(input: &str, max: usize, required: bool) -> Result<String, ValidationError> {
    let tidy = tidy_display(input);
    if required && tidy.is_empty() {
        return Err(ValidationError::new(
            "invalid_text",
            "this field is required",
            "این بخش باید پر شود",
        ));
    }
    if tidy.chars().count() > max {
        return Err(ValidationError::new(
            "invalid_text",
            format!("at most {max} characters are allowed"),
            format!(
                "حداکثر {} نویسه مجاز است",
                crate::text::to_persian_digits(&max.to_string())
            ),
        ));
    }
    if tidy.chars().any(char::is_control) {
        return Err(ValidationError::new(
            "invalid_text",
            "control characters are not allowed",
            "نویسهٔ کنترلی مجاز نیست",
        ));
    }
    if let Some(c) = tidy.chars().find(|&c| crate::text::is_bidi_control(c)) {
        return Err(ValidationError::new(
            "invalid_text",
            format!(
                "directional formatting characters (U+202A–U+202E, U+2066–U+2069) are not allowed; found U+{:04X}",
                u32::from(c)
            ),
            format!(
                "نویسه‌های کنترل جهت متن (U+202A تا U+202E و U+2066 تا U+2069) مجاز نیست؛ U+{:04X} در متن هست",
                u32::from(c)
            ),
        ));
    }
    Ok(tidy)
}

/// One person of the civil registry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub national_code: NationalCode,
    pub first_name: String,
    pub last_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub gender: Gender,
    pub birth_date: JalaliDate,
    pub birth_place: String,
    pub religion: Religion,
    pub birth_certificate: BirthCertificate,
    pub mobiles: Vec<Mobile>,
    pub postal_code: Option<PostalCode>,
    pub address: String,
    pub death_date: Option<JalaliDate>,
}

/// One registry row as text, in [`REGISTRY_COLUMNS`] order.
pub type RegistryRow<'a> = [&'a str; 16];

impl Person {
    /// Validates a registry row. `today` bounds dates (nobody is born or dies in the future). National codes of 8
    /// or 9 digits are legacy data and are left-padded, as importers must.
    pub fn from_row(row: &RegistryRow<'_>, today: JalaliDate) -> Result<Self, FieldError> {
        let [nc, first, last, father, mother, gender, birth, place, religion, bl, bn, bs, mobiles, postal, address, death] =
            *row;
        let national_code = NationalCode::parse_legacy(nc).at("national_code")?;
        let first_name = parse_name(first).at("first_name")?;
        let last_name = parse_name(last).at("last_name")?;
        let father_name = parse_name(father).at("father_name")?;
        let mother_name = parse_name(mother).at("mother_name")?;
        let gender = Gender::parse(gender).at("gender")?;
        let birth_date = JalaliDate::parse(birth).at("birth_date_jalali")?;
        if birth_date > today {
            return Err(future("birth_date_jalali"));
        }
        let birth_place = parse_text(place, 60, true).at("birth_place")?;
        let religion = Religion::parse(religion).at("religion")?;
        let birth_certificate = BirthCertificate::parse(bl, bn, bs).map_err(|e| FieldError {
            field: format!(
                "bc_{}",
                e.field
                    .trim_start_matches("series_")
                    .replace("letter", "series_letter")
                    .replace("number", "series_number")
            ),
            error: e.error,
        })?;
        let mobiles = parse_mobiles(mobiles).at("mobiles")?;
        let postal_code = match postal.trim() {
            "" => None,
            p => Some(PostalCode::parse(p).at("postal_code")?),
        };
        let address = parse_text(address, 250, false).at("address")?;
        let death_date = match death.trim() {
            "" => None,
            d => {
                let d = JalaliDate::parse(d).at("death_date_jalali")?;
                if d < birth_date {
                    return Err(FieldError::new(
                        "death_date_jalali",
                        ValidationError::new(
                            "invalid_date",
                            "the death date is before the birth date",
                            "تاریخ فوت پیش از تاریخ تولد است",
                        ),
                    ));
                }
                if d > today {
                    return Err(future("death_date_jalali"));
                }
                Some(d)
            }
        };
        Ok(Self {
            national_code,
            first_name,
            last_name,
            father_name,
            mother_name,
            gender,
            birth_date,
            birth_place,
            religion,
            birth_certificate,
            mobiles,
            postal_code,
            address,
            death_date,
        })
    }

    pub fn is_alive(&self) -> bool {
        self.death_date.is_none()
    }

    /// The mobiles as the CSV and the store keep them: `;`-separated canonical numbers.
    pub fn mobiles_joined(&self) -> String {
        self.mobiles
            .iter()
            .map(Mobile::as_str)
            .collect::<Vec<_>>()
            .join(";")
    }
}

fn future(field: &str) -> FieldError {
    FieldError::new(
        field,
        ValidationError::new(
            "invalid_date",
            "the date is in the future",
            "تاریخ در آینده است",
        ),
    )
}

/// `;`-separated mobile numbers (commas and spaces tolerated), duplicates removed, at most [`MAX_MOBILES`].
pub fn parse_mobiles(input: &str) -> Result<Vec<Mobile>, ValidationError> {
    let mut out: Vec<Mobile> = Vec::new();
    for part in input
        .split([';', ',', '،'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let m = Mobile::parse(part)?;
        if !out.contains(&m) {
            out.push(m);
        }
    }
    if out.len() > MAX_MOBILES {
        return Err(ValidationError::new(
            "invalid_mobile",
            format!("at most {MAX_MOBILES} mobile numbers per person"),
            "حداکثر ده شمارهٔ همراه برای هر نفر",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> JalaliDate {
        JalaliDate::parse("1405-08-30").unwrap()
    }

    fn row() -> [String; 16] {
        [
            "0499370899",
            "علي",
            "رضایی",
            "حسن",
            "فاطمه",
            "male",
            "1370-05-12",
            "تهران",
            "islam",
            "ج",
            "12",
            "345678",
            "09121234567;+989351112233",
            "1314567890",
            "تهران، خیابان آزادی",
            "",
        ]
        .map(String::from)
    }

    fn parse(r: &[String; 16]) -> Result<Person, FieldError> {
        let refs: [&str; 16] = std::array::from_fn(|i| r[i].as_str());
        Person::from_row(&refs, today())
    }

    #[test]
    fn a_good_row() {
        let p = parse(&row()).unwrap();
        assert_eq!(p.first_name, "علی");
        assert_eq!(p.mobiles_joined(), "09121234567;09351112233");
        assert!(p.is_alive());
        assert_eq!(p.birth_certificate.serial(), "345678");
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases: [(usize, &str, &str); 12] = [
            (0, "0499370898", "national_code"),
            (1, "", "first_name"),
            (4, "فاطمه2", "mother_name"),
            (5, "x", "gender"),
            (6, "1370-13-01", "birth_date_jalali"),
            (6, "1450-01-01", "birth_date_jalali"),
            (8, "none", "religion"),
            (9, "Q", "bc_series_letter"),
            (10, "100", "bc_series_number"),
            (11, "12", "bc_serial"),
            (12, "0912", "mobiles"),
            (15, "1360-01-01", "death_date_jalali"),
        ];
        for (i, value, field) in cases {
            let mut r = row();
            r[i] = value.to_string();
            let e = parse(&r).unwrap_err();
            assert_eq!(e.field, field, "column {i} = {value:?}: {e}");
        }
    }

    #[test]
    fn directional_overrides_are_refused_in_free_text() {
        // birth place (7) and address (14): an override or isolate is refused with a message that names it.
        for (i, field) in [(7, "birth_place"), (14, "address")] {
            for c in ['\u{202E}', '\u{2066}', '\u{202A}'] {
                let mut r = row();
                r[i] = format!("خیابان {c}بهشتی");
                let e = parse(&r).unwrap_err();
                assert_eq!((e.field.as_str(), e.error.code), (field, "invalid_text"));
                assert!(e.error.message_en.contains("directional"), "{e}");
                assert!(e.error.message_fa.contains("جهت متن"), "{e}");
            }
        }
        // The single-character marks stay allowed.
        let mut r = row();
        r[14] = "پلاک \u{200F}12\u{200E}".into();
        assert!(parse(&r).is_ok());
        assert!(parse_text("a\u{2069}", 10, true).is_err());
    }

    #[test]
    fn legacy_code_padded_and_deceased() {
        let mut r = row();
        r[0] = "499370899".into();
        r[15] = "1400-01-01".into();
        let p = parse(&r).unwrap();
        assert_eq!(p.national_code.as_str(), "0499370899");
        assert!(!p.is_alive());
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn gender_and_religion_round_trip(g in 0usize..2, r in 0usize..4) {
            let gender = [Gender::Male, Gender::Female][g];
            prop_assert_eq!(Gender::parse(gender.as_str()).unwrap(), gender);
            prop_assert_eq!(Gender::parse(gender.fa()).unwrap(), gender);
            let religion = Religion::ALL[r];
            prop_assert_eq!(Religion::parse(religion.as_str()).unwrap(), religion);
            prop_assert_eq!(Religion::parse(religion.fa()).unwrap(), religion);
        }

        #[test]
        fn persian_names_are_accepted_and_tidied(words in proptest::collection::vec("[ابپتثجچحخدذرزژسشصضطظعغفقکگلمنوهیآ]{1,8}", 1..4)) {
            let name = words.join("  ");
            let parsed = parse_name(&name).unwrap();
            prop_assert_eq!(parsed, words.join(" "));
        }

        #[test]
        fn any_row_never_panics(f in proptest::collection::vec("\\PC{0,14}", 16)) {
            let row: [&str; 16] = std::array::from_fn(|i| f[i].as_str());
            let today = JalaliDate::parse("1405-08-30").unwrap();
            if let Ok(p) = Person::from_row(&row, today) {
                prop_assert!(p.birth_date <= today);
            }
        }

        #[test]
        fn mobile_lists_deduplicate(rest in proptest::collection::vec("[0-9]{9}", 0..6)) {
            let joined = rest.iter().map(|r| format!("09{r}")).collect::<Vec<_>>().join(";");
            let twice = format!("{joined};{joined}");
            let parsed = parse_mobiles(&twice).unwrap();
            let mut unique = rest.clone();
            unique.sort();
            unique.dedup();
            prop_assert_eq!(parsed.len(), unique.len());
        }
    }
}
