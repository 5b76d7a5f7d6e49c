//! The sandbox's phone: what a person does on their phone (scan the QR, confirm a passkey,
//! remove the linked device) and what WhatsApp decides (a refusal), played on demand by
//! demos and tests.
use super::{LinkState, SandboxEngine, SimulationError};
use crate::server::domain::NumberId;

impl SandboxEngine {
    /// The phone scans the QR (or enters the code): the number becomes connected.
    pub async fn scan(&self, number: &NumberId) -> Result<(), SimulationError> {
        self.scan_from(number, None).await
    }

    /// The same, from the phone of `phone` (another number than this one: the service refuses
    /// it as `wrong_number`, as it would a real phone).
    pub async fn scan_from(&self, number: &NumberId, phone: Option<&crate::server::domain::PhoneE164>) -> Result<(), SimulationError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(number).ok_or(SimulationError::NotPairing)?;
        match &session.state {
            LinkState::Connected { .. } => return Err(SimulationError::AlreadyConnected),
            // Confirming the passkey on the phone completes the pairing too.
            LinkState::Pairing(_) | LinkState::PasskeyRequired { .. } => {}
            _ => return Err(SimulationError::NotPairing),
        }
        session.gate = None;
        self.complete(session, phone).await;
        Ok(())
    }

    /// The device is linked (as `phone`, when not the number's own) and connects.
    pub(super) async fn complete(&self, session: &mut super::Session, phone: Option<&crate::server::domain::PhoneE164>) {
        session.generation += 1;
        if let Some(task) = session.rotation.take() {
            task.abort();
        }
        let state = LinkState::Connected {
            phone_digits: phone.unwrap_or(&session.ctx.phone).digits().to_owned(),
        };
        // Scanned: the window's socket is now the account's paired device.
        if let Err(err) = self.connect(session).await {
            tracing::warn!(number.id = %session.ctx.number, error = %err, "sandbox: could not record the device's connection");
        }
        self.inner.set(session, state).await;
    }

    /// The phone removes the linked device ("Linked devices" → "Log out").
    pub async fn unlink(&self, number: &NumberId) -> Result<(), SimulationError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(number).ok_or(SimulationError::NotConnected)?;
        if !matches!(session.state, LinkState::Connected { .. }) {
            return Err(SimulationError::NotConnected);
        }
        self.disconnect(session).await;
        self.inner
            .set(
                session,
                LinkState::LoggedOut {
                    reason: "device_removed".into(),
                },
            )
            .await;
        Ok(())
    }

    /// Linking fails for good, as when WhatsApp refuses the device (e.g. a banned number).
    pub async fn fail(&self, number: &NumberId, reason: &str) -> Result<(), SimulationError> {
        let mut sessions = self.inner.sessions.lock().await;
        let session = sessions.get_mut(number).ok_or(SimulationError::NotPairing)?;
        if !matches!(session.state, LinkState::Pairing(_) | LinkState::PasskeyRequired { .. }) {
            return Err(SimulationError::NotPairing);
        }
        session.generation += 1;
        if let Some(task) = session.rotation.take() {
            task.abort();
        }
        self.disconnect(session).await;
        self.inner
            .set(
                session,
                LinkState::Failed {
                    reason: reason.into(),
                    retryable: false,
                },
            )
            .await;
        Ok(())
    }
}
