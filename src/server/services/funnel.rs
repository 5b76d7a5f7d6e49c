//! Counts each link's funnel from what engines report: a window opening (with or without a
//! pairing code), each QR after a window's first, and why linking stopped.
use crate::server::{
    engines::{EngineEvent, LinkState},
    store::{FunnelStep, Store},
};

pub async fn note(store: &dyn Store, ev: &EngineEvent) {
    let n = &ev.number;
    let done = match &ev.state {
        LinkState::Pairing(p) => store.note_link_step(&n.tenant, &n.number, step(p)).await,
        LinkState::Failed { reason, .. } | LinkState::LoggedOut { reason } => store.note_link_failure(&n.tenant, &n.number, reason).await,
        _ => Ok(()),
    };
    if let Err(err) = done {
        tracing::warn!(tenant.id = %n.tenant, number.id = %n.number, error = %err, "could not count a link's funnel step");
    }
}

fn step(p: &crate::server::engines::Pairing) -> FunnelStep {
    let first = p.qr.as_ref().is_none_or(|q| q.seq == 1);
    FunnelStep {
        window_opened: first,
        code_shown: first && p.code.is_some(),
        qr_rotated: !first,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::server::engines::{PairCode, Pairing, QrRef};

    fn pairing(seq: Option<u32>, code: bool) -> Pairing {
        Pairing {
            qr: seq.map(|seq| QrRef {
                payload: "ref".into(),
                seq,
                expires_at: Utc::now(),
            }),
            code: code.then(|| PairCode {
                code: "ABCD1234".into(),
                expires_at: Utc::now(),
            }),
            window_ends_at: Utc::now(),
        }
    }

    #[test]
    fn a_window_counts_once_and_later_qrs_count_as_rotations() {
        let opened = FunnelStep {
            window_opened: true,
            code_shown: true,
            qr_rotated: false,
        };
        assert_eq!(step(&pairing(Some(1), true)), opened);
        assert_eq!(step(&pairing(None, true)), opened, "a code-only window");
        assert_eq!(
            step(&pairing(Some(1), false)),
            FunnelStep {
                code_shown: false,
                ..opened
            }
        );
        assert_eq!(
            step(&pairing(Some(3), true)),
            FunnelStep {
                qr_rotated: true,
                ..FunnelStep::default()
            }
        );
    }
}
