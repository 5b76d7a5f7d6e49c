//! The engine trait for the embedded engine: what the service layer asks of it.
#[allow(clippy::wildcard_imports)]
use super::*;

#[async_trait]
impl Engine for EmbeddedEngine {
    fn kind(&self) -> EngineKind {
        EngineKind::Embedded
    }

    fn capabilities(&self) -> Capabilities {
        // The code can be asked for on a window already open.
        Capabilities {
            qr: true,
            pair_code: true,
            code_on_open: false,
        }
    }

    async fn create(&self, _tenant: &TenantId, number: &NumberId) -> Result<serde_json::Value, EngineError> {
        Ok(serde_json::json!({ "store": format!("{number}.db") }))
    }

    async fn link(&self, ctx: &NumberCtx, request: LinkRequest) -> Result<LinkState, EngineError> {
        let (pair_code_for, may_open) = request.parts();
        let inner = &self.inner;
        let mut sessions = inner.sessions.lock().await;
        let now = inner.now();
        let live = |s: &Session| s.live.is_some() && matches!(&s.state, LinkState::Pairing(p) if p.window_ends_at > now);
        if !may_open && !sessions.get(&ctx.number).is_some_and(live) {
            // The window this code was for has moved on: say where the number stands.
            return Ok(sessions.get(&ctx.number).map_or(LinkState::Idle, |s| s.state.clone()));
        }
        let session = sessions.entry(ctx.number.clone()).or_insert_with(|| Session::new(ctx));
        session.ctx = ctx.clone();
        match &session.state {
            // The phone is past the QR, confirming with its passkey on this socket: a second
            // linking client would end the ceremony.
            LinkState::PasskeyRequired { .. } if session.live.is_some() => return Ok(session.state.clone()),
            LinkState::Connected { .. } | LinkState::Disconnected { .. } | LinkState::Paired { .. } => {
                return Err(EngineError::Conflict("the number is already connected".into()));
            }
            // One linking socket per number: a live window is reused. A code asked for
            // later joins it once the socket is ready.
            LinkState::Pairing(p) if p.window_ends_at > now && session.live.is_some() => {
                if session.code_for.is_none()
                    && let Some(phone) = pair_code_for
                {
                    session.code_for = Some(phone.clone());
                    if p.qr.is_some()
                        && let Some(live) = &session.live
                    {
                        session.code_asked = true;
                        tokio::spawn(ask_code(live.client.clone(), phone));
                    }
                }
                return Ok(session.state.clone());
            }
            _ => {}
        }
        if !inner.claim(&ctx.number).await? {
            return Err(EngineError::Unavailable(
                "another server runs this number's session; try again shortly".into(),
            ));
        }
        session.code_for = pair_code_for;
        inner.start(session, Mode::Linking).await?;
        let state = LinkState::Pairing(Pairing {
            qr: None,
            code: None,
            window_ends_at: now + mapping::WINDOW,
        });
        inner.publish(session, state.clone()).await;
        Ok(state)
    }

    async fn status(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let sessions = self.inner.sessions.lock().await;
        Ok(match sessions.get(&ctx.number) {
            Some(s) => s.state.clone(),
            // Not ours to run: what the database says.
            None if ctx.state == NumberState::Open => LinkState::Connected {
                phone_digits: ctx.phone.digits().to_owned(),
            },
            None => LinkState::Idle,
        })
    }

    async fn resume(&self, ctx: &NumberCtx) -> Result<LinkState, EngineError> {
        let inner = &self.inner;
        if ctx.state != NumberState::Open {
            // A window does not survive a restart; an unpaired store is worth nothing.
            if !self.is_running(&ctx.number).await {
                inner.files.remove(&ctx.number).await.map_err(unavailable)?;
            }
            return Ok(LinkState::Idle);
        }
        let connected = LinkState::Connected {
            phone_digits: ctx.phone.digits().to_owned(),
        };
        let mut sessions = inner.sessions.lock().await;
        let session = sessions.entry(ctx.number.clone()).or_insert_with(|| Session::new(ctx));
        if session.live.is_some() || session.starting {
            return Ok(session.state.clone());
        }
        if !inner.claim(&ctx.number).await? {
            // Another process runs it; it stays OPEN as stored.
            sessions.remove(&ctx.number);
            return Ok(connected);
        }
        if !inner.files.has_keys(&ctx.number).await.map_err(unavailable)? {
            session.ctx = ctx.clone();
            inner
                .publish(
                    session,
                    LinkState::LoggedOut {
                        reason: "keys_missing".into(),
                    },
                )
                .await;
            drop(sessions);
            inner.release(&ctx.number).await;
            return Ok(LinkState::LoggedOut {
                reason: "keys_missing".into(),
            });
        }
        session.ctx = ctx.clone();
        session.state = connected.clone();
        session.code_for = None;
        session.mode = Mode::Resumed;
        session.starting = true;
        // Staggered, so a restart does not reconnect every number in the same second; each
        // resume takes the next free turn, so one asked for late in a process's life (a
        // session taken over) starts at once, not behind every resume before it.
        let turn = {
            let mut next = inner.next_resume.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let turn = (*next).max(tokio::time::Instant::now());
            *next = turn + inner.settings.resume_stagger;
            turn
        };
        let (inner, number) = (inner.clone(), ctx.number.clone());
        tokio::spawn(async move {
            tokio::time::sleep_until(turn).await;
            inner.start_resumed(number).await;
        });
        Ok(connected)
    }

    /// A window closes (its unpaired keys stay for the next one); a linked device is
    /// unlinked from the phone and its keys deleted.
    async fn logout(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let (running, linked) = {
            let sessions = self.inner.sessions.lock().await;
            match sessions.get(&ctx.number) {
                Some(s) => (
                    s.live.is_some(),
                    matches!(
                        s.state,
                        LinkState::Connected { .. } | LinkState::Disconnected { .. } | LinkState::Paired { .. }
                    ),
                ),
                None => (false, false),
            }
        };
        match (running, linked) {
            (true, true) => self.inner.clone().stop(&ctx.number, None, Action::LogoutAndWipe).await,
            (true, false) => self.inner.clone().stop(&ctx.number, None, Action::Stop).await,
            // Nothing runs here; a paired number's keys go (it cannot be unlinked offline).
            (false, _) if ctx.state == NumberState::Open => self.inner.files.remove(&ctx.number).await.map_err(unavailable)?,
            (false, _) => {}
        }
        Ok(())
    }

    async fn delete(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let inner = self.inner.clone();
        if self.is_running(&ctx.number).await {
            inner.clone().stop(&ctx.number, None, Action::LogoutAndWipe).await;
            inner.sessions.lock().await.remove(&ctx.number);
        } else {
            // Forgotten first, so a resume still waiting for its turn finds nothing to start.
            inner.sessions.lock().await.remove(&ctx.number);
            inner.files.remove(&ctx.number).await.map_err(unavailable)?;
            inner.release(&ctx.number).await;
        }
        Ok(())
    }

    /// Stops the client (WhatsApp's session stays linked; the keys are flushed and copied)
    /// and gives the lease up, in that order: the next owner starts its client only once
    /// this one is gone.
    async fn let_go(&self, ctx: &NumberCtx) {
        self.inner.clone().stop(&ctx.number, None, Action::Stop).await;
        self.inner.sessions.lock().await.remove(&ctx.number);
    }

    async fn passkey_response(&self, ctx: &NumberCtx, assertion: &crate::server::domain::passkey::Assertion) -> Result<(), EngineError> {
        let client = self.inner.linking_client(&ctx.number).await?;
        let assertion = whatsapp_rust::passkey::Assertion {
            assertion_json: assertion.to_whatsapp_json(),
            credential_id: assertion.credential_id.clone(),
        };
        tokio::time::timeout(SEND_WITHIN, client.send_passkey_response(assertion))
            .await
            .map_err(|_| EngineError::Unavailable("WhatsApp did not take the passkey in time".into()))?
            .map_err(|e| EngineError::Conflict(format!("WhatsApp refused the passkey: {e}")))
    }

    async fn passkey_confirm(&self, ctx: &NumberCtx) -> Result<(), EngineError> {
        let client = self.inner.linking_client(&ctx.number).await?;
        tokio::time::timeout(SEND_WITHIN, client.send_passkey_confirmation())
            .await
            .map_err(|_| EngineError::Unavailable("WhatsApp did not take the confirmation in time".into()))?
            .map_err(|e| EngineError::Conflict(format!("WhatsApp refused the confirmation: {e}")))
    }

    async fn send_text(&self, ctx: &NumberCtx, to: &PhoneE164, body: &str, id: Option<&str>) -> Result<String, EngineError> {
        let client = {
            let sessions = self.inner.sessions.lock().await;
            match sessions.get(&ctx.number).and_then(|s| s.live.as_ref()) {
                Some(live) if live.client.is_logged_in() => live.client.clone(),
                _ => return Err(EngineError::NotConnected),
            }
        };
        let jid = whatsapp_rust::Jid::pn(to.digits());
        let mut options = whatsapp_rust::send::SendOptions::default();
        if let Some(id) = id {
            options = options.with_message_id(id);
        }
        // A send that hangs (a socket gone quiet) must not hold its command forever.
        let sent = tokio::time::timeout(SEND_WITHIN, client.send_message_with_options(jid, wa::Message::text(body), options))
            .await
            .map_err(|_| EngineError::Unavailable("send timed out".into()))?
            .map_err(|e| EngineError::Unavailable(format!("send failed: {e}")))?;
        Ok(sent.message_id)
    }
}

/// Longest wait for WhatsApp to take a message.
const SEND_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);
