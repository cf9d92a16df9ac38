//! Generation speed: writes N registry rows (default 1,000,000) to a counting sink, or to FILE when given
//! (e.g. `/dev/null`), and prints rows per second.
//! `cargo run --release -p shenas-synth --example gen_speed -- 2000000 [FILE]`

use std::io::{self, Write};
use std::time::Instant;

/// Discards bytes but counts them, like writing to /dev/null.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes through to a file while counting.
struct Tee<'a>(std::fs::File, &'a mut Counter);

impl Write for Tee<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.0.write(buf)?;
        self.1 .0 += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.0.flush()
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let n: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1_000_000);
    let today = domain::JalaliDate::new(1404, 8, 30)?;
    let mut sink = Counter(0);
    let start = Instant::now();
    let mut generator = synth::PersonGenerator::new(1, today);
    match std::env::args().nth(2) {
        Some(path) => {
            let file = std::fs::File::create(path)?;
            generator.write_csv(io::BufWriter::new(Tee(file, &mut sink)), n)?;
        }
        None => generator.write_csv(&mut sink, n)?,
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{n} rows, {:.1} MB in {secs:.2} s: {:.0} rows/s ({:.0} MB/s)",
        sink.0 as f64 / 1e6,
        n as f64 / secs,
        sink.0 as f64 / 1e6 / secs
    );
    Ok(())
}
