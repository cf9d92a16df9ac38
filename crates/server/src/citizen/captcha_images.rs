//! The captcha pictures already drawn, so that showing one again (a reload, a second tab, a client that asks
//! twice, or someone asking for the same id thousands of times) costs a map lookup instead of a drawing.
//!
//! Bounded both ways: at most [`CAPACITY`] pictures (the oldest goes first) and each for at most the captcha's
//! lifetime (an expired captcha is refused at checking anyway). Only ids the captcha accepts are drawn and kept;
//! the pictures never leave the process and are never logged.

use axum::body::Bytes;
use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Pictures kept at most: a picture is about 26 KB, so at most about 53 MB. At ten new captchas a second this is
/// the last three and a half minutes' worth; a picture is asked for again within seconds (a reload, a second tab).
pub const CAPACITY: usize = 2048;

#[derive(Default)]
struct Kept {
    pictures: HashMap<String, (Bytes, Instant)>,
    /// Ids in the order they were drawn, oldest first.
    order: VecDeque<String>,
}

/// The pictures already drawn; one per process.
#[derive(Default)]
pub struct CaptchaImages {
    kept: Mutex<Kept>,
}

impl CaptchaImages {
    /// The picture for `id`: the one kept when it is younger than `ttl`, else drawn by `draw` (and kept when it
    /// could be drawn).
    pub fn get_or_draw<E>(
        &self,
        id: &str,
        ttl: Duration,
        draw: impl FnOnce() -> Result<Vec<u8>, E>,
    ) -> Result<Bytes, E> {
        if let Some((png, at)) = self.lock().pictures.get(id) {
            if at.elapsed() < ttl {
                return Ok(png.clone());
            }
        }
        // Drawn outside the lock: two first requests for one id may both draw it, and nothing else waits.
        let png = Bytes::from(draw()?);
        let mut kept = self.lock();
        if kept
            .pictures
            .insert(id.to_string(), (png.clone(), Instant::now()))
            .is_none()
        {
            kept.order.push_back(id.to_string());
        }
        while kept.order.len() > CAPACITY {
            if let Some(oldest) = kept.order.pop_front() {
                kept.pictures.remove(&oldest);
            }
        }
        Ok(png)
    }

    /// How many pictures are kept.
    pub fn len(&self) -> usize {
        self.lock().pictures.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, Kept> {
        // The map and the queue are consistent after any panic in the few lines that hold the lock.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::cell::Cell;

    const TTL: Duration = Duration::from_secs(600);

    #[test]
    fn a_picture_is_drawn_once_and_failures_are_not_kept() {
        let images = CaptchaImages::default();
        let draws = Cell::new(0);
        let draw = || {
            draws.set(draws.get() + 1);
            Ok::<_, ()>(vec![1, 2, 3])
        };
        assert_eq!(&images.get_or_draw("a", TTL, draw).unwrap()[..], [1, 2, 3]);
        assert_eq!(&images.get_or_draw("a", TTL, draw).unwrap()[..], [1, 2, 3]);
        assert_eq!(draws.get(), 1);
        assert_eq!(
            images.get_or_draw("bad", TTL, || Err::<Vec<u8>, _>(7)),
            Err(7)
        );
        assert_eq!(images.len(), 1);
        // Past its lifetime a picture is drawn again.
        images.get_or_draw("a", Duration::ZERO, draw).unwrap();
        assert_eq!(draws.get(), 2);
        assert_eq!(images.len(), 1);
    }

    #[test]
    fn the_oldest_pictures_go_first() {
        let images = CaptchaImages::default();
        for i in 0..CAPACITY + 10 {
            images
                .get_or_draw(&i.to_string(), TTL, || Ok::<_, ()>(vec![0]))
                .unwrap();
        }
        assert_eq!(images.len(), CAPACITY);
        let redrawn = Cell::new(false);
        let again = |i: usize| {
            redrawn.set(false);
            images
                .get_or_draw(&i.to_string(), TTL, || {
                    redrawn.set(true);
                    Ok::<_, ()>(vec![0])
                })
                .unwrap();
            redrawn.get()
        };
        assert!(!again(CAPACITY + 9), "the newest is kept");
        assert!(again(0), "the oldest was dropped");
    }
}
