//! `shenas ussd-sim`: a phone in the terminal for the USSD service. Each line typed is one reply; the simulator
//! posts the whole session so far to `{url}/ussd` as the gateway does (`text` = the replies joined by `*`) and
//! shows each screen framed like a phone's, until the service ends the session (`END`) or input ends. The service
//! answers only its gateway: give the gateway secret with `--secret` (or `SHENAS_USSD_SECRET`) where one is set.

use anyhow::Context;
use std::io::IsTerminal;
use tokio::io::{AsyncBufReadExt, BufReader};

pub struct UssdSim {
    pub url: String,
    pub phone: String,
    pub session: Option<String>,
    pub service_code: String,
    /// Sent as `X-Gateway-Secret`.
    pub secret: Option<String>,
}

pub async fn run(sim: UssdSim) -> anyhow::Result<()> {
    let endpoint = format!("{}/ussd", sim.url.trim_end_matches('/'));
    let session = sim.session.clone().unwrap_or_else(|| {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        format!("sim-{}-{nanos}", std::process::id())
    });
    let client = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()?;
    let mut replies: Vec<String> = Vec::new();
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    // Typed replies show themselves; piped ones are echoed so that the output reads as a session.
    let echo = !std::io::stdin().is_terminal();
    println!("{} ← {}", sim.service_code, sim.phone);
    loop {
        let text = replies.join("*");
        let mut req = client.post(&endpoint).form(&[
            ("sessionId", session.as_str()),
            ("serviceCode", sim.service_code.as_str()),
            ("phoneNumber", sim.phone.as_str()),
            ("text", text.as_str()),
        ]);
        if let Some(secret) = &sim.secret {
            req = req.header("X-Gateway-Secret", secret);
        }
        let res = req
            .send()
            .await
            .with_context(|| format!("cannot reach {endpoint}"))?;
        let status = res.status();
        let body = res.text().await.context("reading the answer")?;
        if !status.is_success() {
            anyhow::bail!("{endpoint} answered HTTP {status}: {body}");
        }
        let (more, screen) = match body.split_at_checked(4) {
            Some(("CON ", rest)) => (true, rest),
            Some(("END ", rest)) => (false, rest),
            _ => anyhow::bail!("not a USSD answer (CON/END): {body:?}"),
        };
        print!("{}", frame(screen));
        if !more {
            println!("(پایان نشست)");
            return Ok(());
        }
        println!("پاسخ را بنویسید و Enter بزنید (Ctrl-D: قطع):");
        let Some(line) = lines.next_line().await.context("reading standard input")? else {
            println!("(قطع شد)");
            return Ok(());
        };
        let reply = line.trim_end_matches(['\r', '\n']).to_string();
        if echo {
            println!("> {reply}");
        }
        replies.push(reply);
    }
}

/// The screen between two rules, each line indented, like a phone's pop-up.
fn frame(screen: &str) -> String {
    let width = screen
        .lines()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(0)
        .clamp(20, 80)
        + 2;
    let rule = "─".repeat(width);
    let mut out = format!("┌{rule}┐\n");
    for line in screen.lines() {
        out.push_str("│ ");
        out.push_str(line);
        out.push('\n');
    }
    out.push_str(&format!("└{rule}┘\n"));
    out
}

#[cfg(test)]
mod tests {
    use super::frame;

    #[test]
    fn framed() {
        let f = frame("یک\nدو");
        assert!(f.starts_with('┌'));
        assert!(f.contains("│ یک\n│ دو\n"));
        assert!(f.trim_end().ends_with('┘'));
    }
}
