//! When the loop draws: events are applied as soon as they arrive (so their effects start at
//! once), whatever else is already queued is drained with them, and drawing is held to one
//! frame per [`FRAME`], only after something changed. Ticks (spinner, elapsed time) run only
//! while something moves. The terminal and the state stay with the loop in `mod.rs`; this
//! type only decides what comes next, so it is tested on tokio's paused clock.

use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;
use tokio::time::{Instant, Interval, MissedTickBehavior};

/// About 60 frames a second at most; the spinner and stream tick slower than that.
pub const FRAME: Duration = Duration::from_millis(16);
pub const TICK: Duration = Duration::from_millis(100);

/// What the loop does next.
#[derive(Debug, PartialEq)]
pub enum Step<E> {
    /// Apply these events, in order: the first to arrive and every one queued behind it.
    Apply(Vec<E>),
    /// Time passed while something moves: refresh the clock in the state.
    Tick,
    /// Draw one frame.
    Draw,
    /// Every sender is gone.
    Closed,
}

pub struct FrameScheduler {
    last_draw: Option<Instant>,
    /// Something changed since the last frame.
    is_dirty: bool,
    ticker: Interval,
}

impl Default for FrameScheduler {
    fn default() -> FrameScheduler {
        FrameScheduler::new()
    }
}

impl FrameScheduler {
    /// Starts dirty, so the first frame is drawn at once. Needs a tokio runtime.
    pub fn new() -> FrameScheduler {
        let mut ticker = tokio::time::interval(TICK);
        ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
        FrameScheduler {
            last_draw: None,
            is_dirty: true,
            ticker,
        }
    }

    /// Waits for the next thing to do. `is_animating` says whether anything on screen moves,
    /// so ticks are wanted.
    pub async fn next<E>(&mut self, rx: &mut UnboundedReceiver<E>, is_animating: bool) -> Step<E> {
        loop {
            let wait = self
                .last_draw
                .map_or(Duration::ZERO, |at| FRAME.saturating_sub(at.elapsed()));
            if self.is_dirty && wait.is_zero() {
                self.last_draw = Some(Instant::now());
                self.is_dirty = false;
                return Step::Draw;
            }
            let is_dirty = self.is_dirty;
            let frame_due = async {
                if is_dirty {
                    tokio::time::sleep(wait).await;
                } else {
                    std::future::pending::<()>().await;
                }
            };
            tokio::select! {
                event = rx.recv() => {
                    let Some(first) = event else {
                        return Step::Closed;
                    };
                    let mut events = vec![first];
                    while let Ok(event) = rx.try_recv() {
                        events.push(event);
                    }
                    self.is_dirty = true;
                    return Step::Apply(events);
                }
                _ = self.ticker.tick(), if is_animating => {
                    self.is_dirty = true;
                    return Step::Tick;
                }
                () = frame_due => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::sync::mpsc::unbounded_channel;
    use tokio::time::timeout;

    use super::*;

    /// Nothing arrives within a long (paused, so instant) wait.
    async fn is_idle(scheduler: &mut FrameScheduler, rx: &mut UnboundedReceiver<u32>) -> bool {
        timeout(Duration::from_secs(60), scheduler.next(rx, false))
            .await
            .is_err()
    }

    #[tokio::test(start_paused = true)]
    async fn the_first_frame_is_drawn_at_once_and_then_nothing_without_a_change() {
        let (_tx, mut rx) = unbounded_channel::<u32>();
        let mut scheduler = FrameScheduler::new();
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Draw);
        assert!(is_idle(&mut scheduler, &mut rx).await);
    }

    #[tokio::test(start_paused = true)]
    async fn many_queued_events_are_applied_together_and_drawn_once() {
        let (tx, mut rx) = unbounded_channel();
        let mut scheduler = FrameScheduler::new();
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Draw);
        for n in 0..100 {
            tx.send(n).unwrap();
        }
        assert_eq!(
            scheduler.next(&mut rx, false).await,
            Step::Apply((0..100).collect())
        );
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Draw);
        assert!(is_idle(&mut scheduler, &mut rx).await);
    }

    #[tokio::test(start_paused = true)]
    async fn events_arrive_at_once_but_draws_wait_for_the_frame() {
        let (tx, mut rx) = unbounded_channel();
        let mut scheduler = FrameScheduler::new();
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Draw);
        let drawn = Instant::now();
        tx.send(1).unwrap();
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Apply(vec![1]));
        assert_eq!(Instant::now(), drawn, "applied without waiting");
        tx.send(2).unwrap();
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Apply(vec![2]));
        assert_eq!(scheduler.next(&mut rx, false).await, Step::Draw);
        assert_eq!(
            Instant::now(),
            drawn + FRAME,
            "one frame after the last draw"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_steady_stream_of_events_is_drawn_near_sixty_times_a_second() {
        let (tx, mut rx) = unbounded_channel();
        let producer = tokio::spawn(async move {
            for n in 0..1000 {
                tokio::time::sleep(Duration::from_millis(1)).await;
                if tx.send(n).is_err() {
                    return;
                }
            }
        });
        let mut scheduler = FrameScheduler::new();
        let (mut draws, mut applied) = (0, 0);
        loop {
            match scheduler.next(&mut rx, false).await {
                Step::Draw => draws += 1,
                Step::Apply(events) => applied += events.len(),
                Step::Tick => panic!("nothing moves, so no tick"),
                Step::Closed => break,
            }
        }
        producer.await.unwrap();
        assert_eq!(applied, 1000);
        // One second of events: at most one frame per 16 ms, plus the first and the last.
        assert!((55..=64).contains(&draws), "{draws} draws");
    }

    #[tokio::test(start_paused = true)]
    async fn ticks_come_only_while_something_moves() {
        let (_tx, mut rx) = unbounded_channel::<u32>();
        let start = Instant::now();
        let mut scheduler = FrameScheduler::new();
        assert_eq!(scheduler.next(&mut rx, true).await, Step::Draw);
        assert_eq!(scheduler.next(&mut rx, true).await, Step::Tick);
        assert_eq!(scheduler.next(&mut rx, true).await, Step::Draw);
        assert_eq!(scheduler.next(&mut rx, true).await, Step::Tick);
        assert_eq!(Instant::now(), start + TICK);
        assert_eq!(scheduler.next(&mut rx, true).await, Step::Draw);
        // The answer finished: no more ticks, so nothing to draw either.
        assert!(is_idle(&mut scheduler, &mut rx).await);
    }
}
