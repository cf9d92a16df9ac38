//! `shenas production batch`: forms batches from the production queue now, split among the manufacturers by
//! their shares and capacities left today, as the scheduled pass would (`[production] batch_every` / `batch_at`).

use crate::config::Config;

pub async fn batch(cfg: &Config, json: bool) -> anyhow::Result<()> {
    let store = crate::db::open(&cfg.database_url).await?;
    let today = super::today()?;
    let change = store::journey::Change {
        actor: "operator:shenas production batch".into(),
        at: chrono::Utc::now(),
        reason: Some(domain::HistoryReason::BatchedForProduction),
    };
    let made = store
        .form_batches(
            &today.to_string(),
            cfg.production_batch_size.max(1),
            &change,
        )
        .await?;
    let cards: u64 = made.iter().map(|b| b.cards).sum();
    if json {
        super::print_json(&serde_json::json!({"batches": made.len(), "cards": cards}));
    } else {
        println!("{} batches formed, {cards} cards", made.len());
    }
    Ok(())
}
