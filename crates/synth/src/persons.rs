//! The synthetic civil registry: one person per CSV row in the contract's format, fast and deterministic.
//!
//! A person's province is drawn by 2016 census population; their national code comes from that province's own
//! prefixes ([`CodeSpace`], unique across the file), and the birth place, address, postal code and home mobile
//! prefix match the province. Ages follow Iran's population pyramid; the older the person, the likelier the
//! record is of someone deceased. Children are mostly without a mobile or registered on a parent's number
//! (then carrying the father's surname and first name, or the mother's first name); some elderly people share a
//! younger relative's number. Rows are built in one reused buffer from static tables, none of which holds a
//! comma, quote or line break, so no field ever needs quoting (tests check it).

use crate::codes::CodeSpace;
use crate::fmt::{push_digits, push_fa_number};
use crate::names::{FEMALE, LAST, MALE};
use crate::places::{Place, ALLEYS, PLACES, STREETS};
use crate::pyramid::{age_weights, deceased_per_mille, DateTable, MAX_AGE};
use crate::rng::{below, between, chance, gently_popular, mix64, popular, Rng, Weighted};
use domain::birth_certificate::SERIES_LETTERS;
use domain::person::REGISTRY_COLUMNS;
use domain::{FieldError, JalaliDate, Person, Province, ProvinceCode};
use rand::SeedableRng;
use std::fmt;
use std::io::{self, Write};

/// How many recently generated adults' numbers (per province) children and the elderly may share.
const RECENT: usize = 256;

/// Mobile prefixes (the two digits after `09`) with relative weights; `0` stands for the province's MCI prefix.
#[rustfmt::skip]
const OPERATORS: [(u32, u64); 22] = [
    // MCI: the province's own prefix, then the nationwide ones
    (0, 250), (12, 70), (19, 45), (90, 30), (91, 25), (10, 25),
    // Irancell
    (35, 80), (36, 60), (37, 40), (38, 30), (39, 50), (30, 40), (33, 30), (1, 45), (2, 25), (3, 20), (5, 10), (41, 5),
    // RighTel, Taliya
    (20, 20), (21, 45), (22, 15), (32, 15),
];

/// Digits allowed among the first five of a postal code.
const POSTAL_DIGITS: [u8; 8] = [b'1', b'3', b'4', b'5', b'6', b'7', b'8', b'9'];

/// A province's national-code space is spent (only past several hundred million persons).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exhausted(pub ProvinceCode);

impl fmt::Display for Exhausted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no national codes left for province {}", self.0.as_str())
    }
}
impl std::error::Error for Exhausted {}

/// Why [`PersonGenerator::next_person`] gave no person.
#[derive(Debug, Clone, PartialEq)]
pub enum GenerateError {
    Exhausted(Exhausted),
    /// The generated row failed the registry's validation: a bug in this crate.
    Invalid(FieldError),
}

impl fmt::Display for GenerateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Exhausted(e) => e.fmt(f),
            Self::Invalid(e) => write!(f, "generated an invalid row: {e}"),
        }
    }
}
impl std::error::Error for GenerateError {}

struct ProvinceState {
    code: ProvinceCode,
    codes: CodeSpace,
    capital: &'static str,
    place: &'static Place,
    /// Recent adults of this province with their own number: a ring of at most [`RECENT`].
    recent: Vec<Recent>,
    recent_next: usize,
}

/// An adult whose number a child or an elderly relative may be registered on.
#[derive(Clone, Copy)]
struct Recent {
    mobile: u32,
    first: u16,
    last: u16,
    male: bool,
}

/// Generates registry rows. The same seed, `today` and number of rows give the same output, byte for byte.
/// National codes never repeat within one generator's output; the smallest province's code space lasts for
/// about 750 million persons in all.
pub struct PersonGenerator {
    rng: Rng,
    today: JalaliDate,
    dates: DateTable,
    provinces: Vec<ProvinceState>,
    province_pick: Weighted,
    age_pick: Weighted,
    operator_pick: Weighted,
}

impl PersonGenerator {
    pub fn new(seed: u64, today: JalaliDate) -> Self {
        let all = Province::all();
        let provinces = all
            .iter()
            .zip(PLACES.iter())
            .map(|(p, place)| {
                let code = p.code();
                let key = mix64(seed ^ mix64(0x5EED_0000 + u64::from(code.index())));
                ProvinceState {
                    code,
                    codes: CodeSpace::new(domain::prefixes::of_province(code), key),
                    capital: p.capital_fa,
                    place,
                    recent: Vec::new(),
                    recent_next: 0,
                }
            })
            .collect();
        let weights: Vec<u64> = all.iter().map(|p| p.population_2016).collect();
        let span = (MAX_AGE as usize + 1) * 36_525 / 100 + 400;
        Self {
            rng: Rng::seed_from_u64(seed),
            today,
            dates: DateTable::ending(today, span),
            provinces,
            province_pick: Weighted::new(&weights),
            age_pick: Weighted::new(&age_weights()),
            operator_pick: Weighted::new(&OPERATORS.map(|(_, w)| w)),
        }
    }

    /// Writes the header row and `count` persons, continuing this generator's sequence.
    pub fn write_csv<W: Write>(&mut self, mut out: W, count: u64) -> io::Result<()> {
        let mut buf = String::with_capacity(1 << 17);
        buf.push_str(&REGISTRY_COLUMNS.join(","));
        buf.push('\n');
        for _ in 0..count {
            self.next_row(&mut buf).map_err(io::Error::other)?;
            if buf.len() >= 1 << 16 {
                out.write_all(buf.as_bytes())?;
                buf.clear();
            }
        }
        out.write_all(buf.as_bytes())?;
        out.flush()
    }

    /// The next person as a validated [`Person`] (slower than [`Self::next_row`]; for seeding stores and tests).
    pub fn next_person(&mut self) -> Result<Person, GenerateError> {
        let mut row = String::with_capacity(400);
        self.next_row(&mut row).map_err(GenerateError::Exhausted)?;
        let mut fields = [""; 16];
        for (slot, field) in fields.iter_mut().zip(row.trim_end_matches('\n').split(',')) {
            *slot = field;
        }
        Person::from_row(&fields, self.today).map_err(GenerateError::Invalid)
    }

    /// The `today` rows are generated for (no date in them is later).
    pub fn today(&self) -> JalaliDate {
        self.today
    }

    /// Draws a province and hands out its next national code (what [`Self::next_row`] does first).
    pub fn next_code(&mut self) -> Result<(ProvinceCode, domain::NationalCode), Exhausted> {
        let p = &mut self.provinces[self.province_pick.pick(&mut self.rng)];
        let code = p.codes.next_code().ok_or(Exhausted(p.code))?;
        Ok((p.code, code))
    }

    /// Appends one CSV row, with its line break, to `buf`.
    pub fn next_row(&mut self, buf: &mut String) -> Result<(), Exhausted> {
        let pi = self.province_pick.pick(&mut self.rng);
        let province = &mut self.provinces[pi];
        let code = province.codes.next_code().ok_or(Exhausted(province.code))?;
        let (capital, place) = (province.capital, province.place);
        let rng = &mut self.rng;

        let male = chance(rng, 505);
        let age = self.age_pick.pick(rng) as u32;
        let birth_back = age as usize * 36_524 / 100 + below(rng, 365) as usize;
        let dead = chance(rng, deceased_per_mille(age));
        let names = if male { MALE } else { FEMALE };
        let mut first = popular(rng, names.len());
        let mut last = gently_popular(rng, LAST.len());
        let mut father = popular(rng, MALE.len());
        let mut mother = popular(rng, FEMALE.len());
        if male && first == father {
            first = (first + 1) % MALE.len(); // sons are rarely named after their father
        }

        // Mobiles: none, one shared with a recent adult, or one or two of their own.
        let mut mobiles = [0u32; 2];
        let mut n_mobiles = 0;
        let (own_pm, shared_pm) = match (dead, age) {
            (true, _) => (450, 150),
            (false, 0..=11) => (0, 220),
            (false, 12..=14) => (150, 250),
            (false, 15..=69) => (900, 40),
            (false, _) => (500, 300),
        };
        let roll = below(rng, 1000);
        if roll < own_pm {
            mobiles[0] = self.own_mobile(place.mci);
            n_mobiles = 1;
            if age >= 18 && chance(&mut self.rng, 180) {
                let second = self.own_mobile(place.mci);
                if second != mobiles[0] {
                    mobiles[1] = second;
                    n_mobiles = 2;
                }
            }
            if !dead && (20..=65).contains(&age) {
                self.provinces[pi].remember(Recent {
                    mobile: mobiles[0],
                    first: first as u16,
                    last: last as u16,
                    male,
                });
            }
        } else if roll < own_pm + shared_pm && !self.provinces[pi].recent.is_empty() {
            let recent = &self.provinces[pi].recent;
            let adult = recent[below(&mut self.rng, recent.len() as u32) as usize];
            mobiles[0] = adult.mobile;
            n_mobiles = 1;
            if age < 15 && adult.male {
                father = usize::from(adult.first);
                last = usize::from(adult.last);
            } else if age < 15 {
                mother = usize::from(adult.first);
            }
        }
        let rng = &mut self.rng;

        let birth_city = if chance(rng, 500) {
            capital
        } else {
            place.cities[below(rng, place.cities.len() as u32) as usize]
        };

        // national_code … birth_place
        buf.push_str(code.as_str());
        for name in [names[first], LAST[last], MALE[father], FEMALE[mother]] {
            buf.push(',');
            buf.push_str(name);
        }
        buf.push_str(if male { ",male," } else { ",female," });
        buf.push_str(self.dates.days_before_today(birth_back));
        buf.push(',');
        buf.push_str(birth_city);

        // religion, birth certificate
        let r = below(rng, 100_000);
        buf.push_str(match r {
            0..99_400 => ",islam,",
            99_400..99_700 => ",christianity,",
            99_700..99_850 => ",zoroastrianism,",
            _ => ",judaism,",
        });
        buf.push_str(SERIES_LETTERS[below(rng, SERIES_LETTERS.len() as u32) as usize]);
        buf.push(',');
        push_digits(buf, between(rng, 1, 99), 2);
        buf.push(',');
        push_digits(buf, below(rng, 1_000_000), 6);
        buf.push(',');

        // mobiles, postal code, address
        for (i, m) in mobiles[..n_mobiles].iter().enumerate() {
            if i > 0 {
                buf.push(';');
            }
            buf.push_str("09");
            push_digits(buf, *m, 9);
        }
        buf.push(',');
        if !chance(rng, 30) {
            buf.push_str(place.postal_leads[below(rng, place.postal_leads.len() as u32) as usize]);
            for _ in 0..2 {
                buf.push(char::from(POSTAL_DIGITS[below(rng, 8) as usize]));
            }
            push_digits(buf, below(rng, 100_000), 5);
        }
        buf.push(',');
        if !chance(rng, 10) {
            let city = if chance(rng, 700) {
                birth_city
            } else {
                capital
            };
            push_address(rng, buf, city);
        }

        // death date: within the last 25 years, never before birth
        buf.push(',');
        if dead {
            let window = birth_back.min(25 * 365) as u32;
            let back = below(rng, window + 1) as usize;
            buf.push_str(self.dates.days_before_today(back));
        }
        buf.push('\n');
        Ok(())
    }

    /// A fresh number on an operator drawn by market share (the home MCI prefix most of all).
    fn own_mobile(&mut self, home: u32) -> u32 {
        let (prefix, _) = OPERATORS[self.operator_pick.pick(&mut self.rng)];
        let prefix = if prefix == 0 { home } else { prefix };
        prefix * 10_000_000 + below(&mut self.rng, 10_000_000)
    }
}

impl ProvinceState {
    fn remember(&mut self, adult: Recent) {
        if self.recent.len() < RECENT {
            self.recent.push(adult);
        } else {
            self.recent[self.recent_next] = adult;
            self.recent_next = (self.recent_next + 1) % RECENT;
        }
    }
}

/// `شیراز، خیابان حافظ، کوچه لاله، پلاک ۱۲، واحد ۳` (Persian commas: no CSV quoting needed).
fn push_address(rng: &mut Rng, buf: &mut String, city: &str) {
    buf.push_str(city);
    buf.push_str(if chance(rng, 800) {
        "، خیابان "
    } else {
        "، بلوار "
    });
    buf.push_str(STREETS[gently_popular(rng, STREETS.len())]);
    buf.push_str("، کوچه ");
    if chance(rng, 600) {
        buf.push_str(ALLEYS[below(rng, ALLEYS.len() as u32) as usize]);
    } else {
        push_fa_number(buf, between(rng, 1, 60));
    }
    buf.push_str("، پلاک ");
    push_fa_number(buf, between(rng, 1, 250));
    if chance(rng, 350) {
        buf.push_str("، واحد ");
        push_fa_number(buf, between(rng, 1, 24));
    }
}
