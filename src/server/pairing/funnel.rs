//! Counts each link's funnel from what engines report: a window opening (with or without a
//! pairing code), each QR after a window's first, and why linking stopped.
use std::{collections::HashMap, sync::Mutex};

use chrono::{DateTime, Utc};

use crate::server::{
    domain::NumberId,
    engines::{EngineEvent, LinkState, Pairing},
    store::{FunnelStep, Store},
};

/// What was already counted of each number's current window. A window reports itself several
/// times (its first QR, then the code asked once that QR is up, then rotations), and all its
/// reports share its end; the engine runs a window on one process, so memory here suffices.
#[derive(Default)]
pub struct Funnel {
    seen: Mutex<HashMap<NumberId, Seen>>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Seen {
    window_ends_at: DateTime<Utc>,
    code: bool,
    qr_seq: u32,
}

impl Funnel {
    pub async fn note(&self, store: &dyn Store, ev: &EngineEvent) {
        let n = &ev.number;
        let done = match &ev.state {
            LinkState::Pairing(p) => {
                let step = self.step(&n.number, p);
                if step == FunnelStep::default() {
                    Ok(())
                } else {
                    store.note_link_step(&n.tenant, &n.number, step).await
                }
            }
            LinkState::Failed { reason, .. } | LinkState::LoggedOut { reason } => {
                self.forget(&n.number);
                store.note_link_failure(&n.tenant, &n.number, reason).await
            }
            LinkState::Connected { .. } => {
                self.forget(&n.number);
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(err) = done {
            tracing::warn!(tenant.id = %n.tenant, number.id = %n.number, error = %err, "could not count a link's funnel step");
        }
    }

    fn forget(&self, number: &NumberId) {
        self.seen.lock().unwrap_or_else(|e| e.into_inner()).remove(number);
    }

    fn step(&self, number: &NumberId, p: &Pairing) -> FunnelStep {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let seq = p.qr.as_ref().map_or(0, |q| q.seq);
        let before = seen.get(number).copied().filter(|s| s.window_ends_at == p.window_ends_at);
        let now = Seen {
            window_ends_at: p.window_ends_at,
            code: before.is_some_and(|b| b.code) || p.code.is_some(),
            qr_seq: before.map_or(seq, |b| b.qr_seq.max(seq)),
        };
        seen.insert(number.clone(), now);
        FunnelStep {
            window_opened: before.is_none(),
            code_shown: p.code.is_some() && !before.is_some_and(|b| b.code),
            qr_rotated: before.is_some_and(|b| seq > b.qr_seq),
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, Utc};

    use super::*;
    use crate::server::engines::{PairCode, QrRef};

    fn pairing(ends: DateTime<Utc>, seq: Option<u32>, code: bool) -> Pairing {
        Pairing {
            qr: seq.map(|seq| QrRef {
                payload: "ref".into(),
                seq,
                expires_at: ends,
            }),
            code: code.then(|| PairCode {
                code: "ABCD1234".into(),
                expires_at: ends,
            }),
            window_ends_at: ends,
        }
    }

    fn step(opened: bool, code: bool, rotated: bool) -> FunnelStep {
        FunnelStep {
            window_opened: opened,
            code_shown: code,
            qr_rotated: rotated,
        }
    }

    #[test]
    fn a_window_counts_once_its_code_once_and_later_qrs_as_rotations() {
        let funnel = Funnel::default();
        let number = NumberId::generate();
        let ends = Utc::now();
        assert_eq!(funnel.step(&number, &pairing(ends, Some(1), false)), step(true, false, false));
        assert_eq!(
            funnel.step(&number, &pairing(ends, Some(1), true)),
            step(false, true, false),
            "the code asked after the first QR"
        );
        assert_eq!(funnel.step(&number, &pairing(ends, Some(2), true)), step(false, false, true));
        assert_eq!(
            funnel.step(&number, &pairing(ends, Some(2), true)),
            step(false, false, false),
            "a repeat counts nothing"
        );
        let next = ends + Duration::seconds(160);
        assert_eq!(
            funnel.step(&number, &pairing(next, None, true)),
            step(true, true, false),
            "a new, code-only window"
        );
    }
}
