//! Registry fixtures every test may share: national codes made with the real check digit, persons and offices
//! built from a valid registry row with named overrides. They depend on the domain only, so the store suite and
//! the crates below the server use them without linking the server; the test kit (`testkit`) re-exports them.

use domain::{JalaliDate, NationalCode, Office, Person, ProvinceCode};

/// The valid national code whose first nine digits are `first_nine` (zero-padded), check digit computed by
/// [`NationalCode::from_first_nine`].
pub fn code_of(first_nine: u32) -> NationalCode {
    let nine = format!("{first_nine:09}");
    let digits: &[u8; 9] = nine
        .as_bytes()
        .try_into()
        .expect("at most nine digits in a u32 below 10^9");
    NationalCode::from_first_nine(digits).expect("a valid national code from nine digits")
}

/// Test person `n`'s national code: `300000000 + n` and its check digit.
pub fn code(n: u32) -> NationalCode {
    code_of(300_000_000 + n)
}

/// A national code issued in `province` (its first three digits are the province's first prefix).
pub fn code_in(province: &str, n: u32) -> NationalCode {
    let p = ProvinceCode::parse(province).expect("a province code");
    let prefix = domain::prefixes::of_province(p)[0];
    code_of(u32::from(prefix) * 1_000_000 + n)
}

/// Test person `n`'s mobile number, `0912` and seven digits.
pub fn mobile(n: u32) -> String {
    format!("0912{n:07}")
}

/// A fixed date after every fixture's birth and death, for validating rows (the registry refuses dates after
/// "today"; fixtures are ours, so only that bound matters).
const AS_OF: &str = "1499-12-29";

/// A registry person: a valid row, field by field. Defaults: علی رضایی, son of حسن and فاطمه, male, born
/// 1370-05-12 in کرج, Muslim, certificate ج 12 345678, no mobile, postal code 3134567890, address
/// «کرج خیابان بهشتی», alive.
#[derive(Clone, Debug)]
pub struct PersonBuilder {
    row: [String; 16],
    as_of: Option<JalaliDate>,
}

impl PersonBuilder {
    /// Person `n`: [`code`]`(n)` with [`mobile`]`(n)`.
    pub fn new(n: u32) -> Self {
        Self::with_code(code(n)).mobile(&mobile(n))
    }

    /// A person with this national code (any text the registry reads, legacy 8- or 9-digit codes too).
    pub fn with_code(national_code: impl std::fmt::Display) -> Self {
        let national_code = national_code.to_string();
        let row = [
            national_code.as_str(),
            "علی",
            "رضایی",
            "حسن",
            "فاطمه",
            "male",
            "1370-05-12",
            "کرج",
            "islam",
            "ج",
            "12",
            "345678",
            "",
            "3134567890",
            "کرج خیابان بهشتی",
            "",
        ]
        .map(String::from);
        Self { row, as_of: None }
    }

    fn set(mut self, i: usize, v: &str) -> Self {
        self.row[i] = v.to_string();
        self
    }

    pub fn first_name(self, v: &str) -> Self {
        self.set(1, v)
    }
    pub fn last_name(self, v: &str) -> Self {
        self.set(2, v)
    }
    pub fn father(self, v: &str) -> Self {
        self.set(3, v)
    }
    pub fn mother(self, v: &str) -> Self {
        self.set(4, v)
    }
    /// `male` or `female`.
    pub fn gender(self, v: &str) -> Self {
        self.set(5, v)
    }
    /// The Solar Hijri birth date, `YYYY-MM-DD`.
    pub fn born(self, v: &str) -> Self {
        self.set(6, v)
    }
    pub fn birth_place(self, v: &str) -> Self {
        self.set(7, v)
    }
    pub fn religion(self, v: &str) -> Self {
        self.set(8, v)
    }
    /// The birth certificate's series letter, series number and serial.
    pub fn certificate(self, letter: &str, number: &str, serial: &str) -> Self {
        self.set(9, letter).set(10, number).set(11, serial)
    }
    /// The registry's mobile column: none (`""`), one number, or several separated by `;`.
    pub fn mobile(self, v: &str) -> Self {
        self.set(12, v)
    }
    pub fn postal_code(self, v: &str) -> Self {
        self.set(13, v)
    }
    pub fn address(self, v: &str) -> Self {
        self.set(14, v)
    }
    /// Deceased on this Solar Hijri date (`""`: alive).
    pub fn dead_on(self, v: &str) -> Self {
        self.set(15, v)
    }
    /// Born and living in Tehran: birth place تهران, postal code 1314567890, address «تهران خیابان آزادی».
    pub fn of_tehran(self) -> Self {
        self.birth_place("تهران")
            .postal_code("1314567890")
            .address("تهران خیابان آزادی")
    }
    /// Validates against this "today" instead of a far date (for tests of the registry's date bound).
    pub fn as_of(mut self, today: JalaliDate) -> Self {
        self.as_of = Some(today);
        self
    }

    /// The registry row, as an importer reads it.
    pub fn row(&self) -> [&str; 16] {
        std::array::from_fn(|i| self.row[i].as_str())
    }

    /// The person; panics where the row is not valid (a broken fixture is a broken test).
    pub fn build(&self) -> Person {
        let today = self
            .as_of
            .unwrap_or_else(|| JalaliDate::parse(AS_OF).expect("a valid date"));
        Person::from_row(&self.row(), today)
            .unwrap_or_else(|e| panic!("fixture person {:?}: {e}", self.row[0]))
    }
}

/// Test person `n` with the defaults of [`PersonBuilder`].
pub fn person(n: u32) -> Person {
    PersonBuilder::new(n).build()
}

/// A counter office. Defaults: «دفتر پیشخوان کرج», a counter, province 30 (Alborz), city کرج, area code 026,
/// address «خیابان بهشتی», 50 places a day.
#[derive(Clone, Debug)]
pub struct OfficeBuilder {
    row: [String; 8],
}

/// The office `id` (e.g. `30-0001`), to adjust and [`OfficeBuilder::build`].
pub fn office(id: &str) -> OfficeBuilder {
    let row = [
        id,
        "دفتر پیشخوان کرج",
        "counter",
        "30",
        "کرج",
        "026",
        "خیابان بهشتی",
        "50",
    ]
    .map(String::from);
    OfficeBuilder { row }
}

impl OfficeBuilder {
    fn set(mut self, i: usize, v: &str) -> Self {
        self.row[i] = v.to_string();
        self
    }

    pub fn name(self, v: &str) -> Self {
        self.set(1, v)
    }
    /// `counter`, `post`, `registry` or `mobile_unit` (see `domain::OfficeKind`).
    pub fn kind(self, v: &str) -> Self {
        self.set(2, v)
    }
    /// Province code, city and telephone area code (the area code must be the province's).
    pub fn located(self, province: &str, city: &str, area_code: &str) -> Self {
        self.set(3, province).set(4, city).set(5, area_code)
    }
    pub fn address(self, v: &str) -> Self {
        self.set(6, v)
    }
    /// Appointments a day.
    pub fn capacity(self, n: u32) -> Self {
        self.set(7, &n.to_string())
    }

    /// The offices-CSV row.
    pub fn row(&self) -> [&str; 8] {
        std::array::from_fn(|i| self.row[i].as_str())
    }

    /// The office; panics where the row is not valid.
    pub fn build(&self) -> Office {
        Office::from_row(&self.row())
            .unwrap_or_else(|e| panic!("fixture office {:?}: {e}", self.row[0]))
    }
}
