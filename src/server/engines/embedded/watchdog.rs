//! whatsapp-rust retries a failed connect silently (Fibonacci backoff, no event), so silence
//! has to be noticed here: a linking window that shows no QR in time fails, and a connected
//! session that stays unreachable for the confirmation time is reported disconnected —
//! once, and only after it was seen down at two checks that far apart, so a flap is not news.
use std::{sync::Arc, time::Duration};

use tokio::time::Instant;
use whatsapp_rust::prelude::Client;

use super::{Inner, Mode, mapping::Action};
use crate::server::{
    domain::NumberId,
    engines::{LinkState, reason},
};

pub(super) async fn run(inner: Arc<Inner>, number: NumberId, generation: u64, client: Arc<Client>) {
    let settings = inner.settings.clone();
    if mode(&inner, &number, generation).await == Some(Mode::Linking) {
        tokio::time::sleep(settings.connect_timeout).await;
        let mut sessions = inner.sessions.lock().await;
        let Some(session) = sessions.get_mut(&number).filter(|s| s.generation == generation) else {
            return;
        };
        if matches!(&session.state, LinkState::Pairing(p) if p.qr.is_none() && p.code.is_none()) {
            let failed = LinkState::Failed {
                reason: reason::CONNECT_TIMEOUT.into(),
                retryable: true,
            };
            inner.publish(session, failed).await;
            drop(sessions);
            tracing::warn!(number.id = %number, "no QR from WhatsApp in time; closing the window");
            tokio::spawn(inner.clone().stop_owned(number, Some(generation), Action::Stop));
            return;
        }
    }
    let every = (settings.confirm_disconnect / 3).max(Duration::from_millis(200));
    let mut down_since: Option<Instant> = None;
    let mut reported = false;
    loop {
        tokio::time::sleep(every).await;
        let healthy = client.is_connected() && client.is_logged_in();
        let mut sessions = inner.sessions.lock().await;
        let Some(session) = sessions.get_mut(&number).filter(|s| s.generation == generation) else {
            return;
        };
        let watched = matches!(session.state, LinkState::Connected { .. } | LinkState::Disconnected { .. }) || reported;
        if healthy || !watched {
            down_since = None;
            reported = false;
            continue;
        }
        let since = *down_since.get_or_insert_with(Instant::now);
        if !reported && since.elapsed() >= settings.confirm_disconnect {
            reported = true;
            tracing::warn!(number.id = %number, "session unreachable past the confirmation time");
            // The client keeps retrying; a later `Connected` makes the number OPEN again.
            let lost = LinkState::LoggedOut {
                reason: reason::CONNECTION_LOST.into(),
            };
            inner.publish(session, lost).await;
        }
    }
}

async fn mode(inner: &Inner, number: &NumberId, generation: u64) -> Option<Mode> {
    let sessions = inner.sessions.lock().await;
    sessions.get(number).filter(|s| s.generation == generation).map(|s| s.mode)
}
