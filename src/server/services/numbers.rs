//! The number lifecycle: create, list, read, connect, delete, restore, purge.
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

use crate::server::pairing::events::{NUMBER_CREATED, NUMBER_REMOVED, NUMBER_RESTORED, Subject, number_event};
use crate::server::{
    auth::ApiClient,
    domain::{ApiKeyId, Invalid, NumberId, NumberProfile, NumberState, PhoneE164, ProfilePatch, Provider},
    engines::{Engine, LinkState, NumberCtx, Pairing, SettingsSync},
    error::{ApiError, ApiResult},
    state::AppState,
    store::{ApiKey, Event, LinkEnd, NewEvent, NewNumber, Number, NumberQuery, StoreError},
};
use crate::types::numbers::CreateNumberIn;

pub struct Created {
    pub number: Number,
    pub pairing: Pairing,
    pub linked_key: Option<ApiKeyId>,
}

/// What `status` learned, and whether it is live.
pub struct Status {
    pub number: Number,
    /// `Some(when)` if the engine answered now; `None` if `number.state` is remembered.
    pub checked_at: Option<DateTime<Utc>>,
}

pub async fn create(state: &AppState, client: &ApiClient, input: CreateNumberIn) -> ApiResult<Created> {
    let (new, event, _engine) = prepare(state, client, &input.name, &input.number, input.settings.as_ref()).await?;
    let number = state
        .store
        .create_number(&client.tenant, &new, &event)
        .await
        .map_err(creation_conflict)?;
    let linked_key = link_key(state, client, &number.id, input.link_to_api_key.unwrap_or(true)).await?;
    let pairing = open_window(state, &number).await?;
    let number = state.store.get_number(&client.tenant, &number.id).await?;
    super::audit::record(
        state,
        client,
        "number.created",
        Some(number.id.as_str()),
        json!({ "name": number.name }),
    )
    .await;
    Ok(Created {
        number,
        pairing,
        linked_key,
    })
}

/// A new QR-paired number, validated and with its engine and `number.created` event, ready to
/// be stored (`CLOSE` until a window opens).
pub(super) async fn prepare(
    state: &AppState,
    client: &ApiClient,
    name: &Option<String>,
    phone: &Option<String>,
    settings: Option<&serde_json::Value>,
) -> ApiResult<(NewNumber, NewEvent, Arc<dyn Engine>)> {
    let name = crate::server::domain::parse_display_name("name", name.as_deref())?;
    let phone = PhoneE164::parse("number", phone.as_deref().ok_or_else(|| Invalid::new("number", "is required"))?)?;
    // Settings not documented are left out, as unknown fields of a body are.
    let (profile, _unknown) = NumberProfile::from_settings(settings)?;
    if let Some(deleted) = state.store.find_deleted_number_by_phone(&client.tenant, &phone).await? {
        return Err(ApiError::conflict(
            "NUMBER_SOFT_DELETED",
            format!("this phone belongs to deleted number {}; restore it or purge it first", deleted.id),
        ));
    }
    let chosen = state.store.settings(&client.tenant).await?.engine;
    let engine = state.engines.for_new_numbers_of(chosen.as_deref()).ok_or_else(no_engine)?;
    let id = NumberId::generate();
    let engine_ref = engine.create(&client.tenant, &id).await?;
    let now = state.clock.now();
    let new = NewNumber {
        id,
        name,
        phone,
        provider: Provider::PilotStatus,
        engine: engine.kind().as_str().into(),
        engine_ref,
        state: NumberState::Close,
        at: now,
        profile,
    };
    let event = number_event(
        NUMBER_CREATED,
        Subject {
            id: &new.id,
            phone: &new.phone,
            name: &new.name,
        },
        now,
        json!({}),
    );
    Ok((new, event, engine))
}

pub(super) fn creation_conflict(err: StoreError) -> ApiError {
    match err {
        StoreError::Conflict => ApiError::conflict("NUMBER_ALREADY_EXISTS", "the tenant already has a number with this phone"),
        other => other.into(),
    }
}

pub async fn list(state: &AppState, client: &ApiClient) -> ApiResult<Vec<(Number, Vec<ApiKey>)>> {
    let numbers = state.store.list_numbers(&client.tenant).await?;
    let keys = state.store.list_api_keys(&client.tenant).await?;
    // Grouped once: 10,000 numbers each looking through 10,000 keys was 10^8 comparisons.
    let mut by_number: std::collections::HashMap<NumberId, Vec<ApiKey>> = std::collections::HashMap::new();
    for key in keys {
        if let Some(number) = key.number_id.clone() {
            by_number.entry(number).or_default().push(key);
        }
    }
    Ok(numbers
        .into_iter()
        .filter(|n| client.may_see(&n.id))
        .map(|n| {
            let own = by_number.remove(&n.id).unwrap_or_default();
            (n, own)
        })
        .collect())
}

/// The most numbers one page holds; the default when `limit` is not given.
pub const PAGE_MAX: u32 = 500;
pub const PAGE_DEFAULT: u32 = 100;

/// One page of the caller's numbers and where the next starts (`None`: this was the last).
pub struct NumberPage {
    pub numbers: Vec<(Number, Vec<ApiKey>)>,
    pub next: Option<String>,
}

/// A page of `query` (its `after` from a cursor), with the page's keys in one more read.
pub async fn page(state: &AppState, client: &ApiClient, mut query: NumberQuery) -> ApiResult<NumberPage> {
    if let Some(own) = &client.number {
        // A key bound to one number finds no other, by id or otherwise.
        if query.only.as_ref().is_some_and(|asked| asked != own) {
            return Ok(NumberPage {
                numbers: Vec::new(),
                next: None,
            });
        }
        query.only = Some(own.clone());
    }
    let limit = query.limit;
    // One more than asked says whether a next page exists, without counting.
    query.limit = limit + 1;
    let mut numbers = state.store.list_numbers_page(&client.tenant, &query).await?;
    let more = numbers.len() > limit as usize;
    numbers.truncate(limit as usize);
    let keys = match (numbers.first(), numbers.last()) {
        (Some(first), Some(last)) => state.store.list_keys_of_numbers(&client.tenant, first, last).await?,
        _ => Vec::new(),
    };
    let next = more.then(|| numbers.last().map(cursor_of)).flatten();
    let numbers = numbers
        .into_iter()
        .map(|n| {
            let own = keys.iter().filter(|k| k.number_id.as_ref() == Some(&n.id)).cloned().collect();
            (n, own)
        })
        .collect();
    Ok(NumberPage { numbers, next })
}

/// An opaque cursor: where the page after `last` starts.
pub fn cursor_of(last: &Number) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(format!("{}:{}", crate::server::domain::to_millis(last.created_at), last.id))
}

/// The position a cursor names; `None` for anything we did not make.
pub fn cursor_position(cursor: &str) -> Option<(DateTime<Utc>, NumberId)> {
    use base64::Engine as _;
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(cursor).ok()?;
    let text = String::from_utf8(raw).ok()?;
    let (at, id) = text.split_once(':')?;
    let at: i64 = at.parse().ok()?;
    (id.starts_with("num_") && id.len() < 64).then(|| (crate::server::domain::from_millis(at), NumberId::from_trusted(id)))
}

/// A live number the caller may see; 404 for anything else, deleted numbers included.
pub async fn get(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Number> {
    let number = find(state, client, id).await?;
    if number.deleted_at.is_some() {
        return Err(ApiError::number_not_found());
    }
    Ok(number)
}

pub async fn keys_of(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Vec<ApiKey>> {
    // The number's own keys, not every key of the tenant (one per number: thousands).
    let number = match state.store.get_number(&client.tenant, id).await {
        Ok(number) => number,
        Err(StoreError::NotFound) => return Ok(Vec::new()),
        Err(err) => return Err(err.into()),
    };
    Ok(state.store.list_keys_of_numbers(&client.tenant, &number, &number).await?)
}

pub async fn status(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Status> {
    let number = get(state, client, id).await?;
    let engine = engine_of(state, &number)?;
    match engine.status(&NumberCtx::of(&number)).await {
        Ok(_) => Ok(Status {
            number,
            checked_at: Some(state.clock.now()),
        }),
        Err(err) => {
            tracing::warn!(number.id = %number.id, error = %err, "engine did not answer a status check");
            Ok(Status { number, checked_at: None })
        }
    }
}

/// Opens (or returns the live) linking window: a fresh QR and pairing code.
pub async fn connect(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Pairing> {
    let number = get(state, client, id).await?;
    if number.state == NumberState::Open {
        return Err(already_connected());
    }
    // Refused here when no engine serves the number, before any process is asked.
    engine_of(state, &number)?;
    open_window(state, &number).await
}

pub struct Patched {
    pub number: Number,
    /// What the engine did with the settings named, when some were.
    pub sync: Option<SettingsSync>,
}

/// `PATCH`: `piiMode`, `piiRetentionDays`, settings merged key by key; then the engine is
/// given the settings it acts on.
pub async fn patch(state: &AppState, client: &ApiClient, id: &NumberId, patch: ProfilePatch) -> ApiResult<Patched> {
    // Someone else's number is a 404 whatever the body says.
    let mut number = get(state, client, id).await?;
    if patch.is_empty() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "EMPTY_PATCH",
            "nothing to change: send piiMode, piiRetentionDays or settings",
        ));
    }
    // Read, change, write if nothing changed meanwhile: concurrent patches each land whole.
    for _ in 0..5 {
        let mut profile = number.profile.clone();
        let unknown = profile.apply(&patch)?;
        let Some(updated) = state
            .store
            .update_number_profile(&client.tenant, id, number.updated_at, &profile, state.clock.now())
            .await?
        else {
            number = get(state, client, id).await?;
            continue;
        };
        let number = updated;
        super::audit::record(
            state,
            client,
            "number.updated",
            Some(id.as_str()),
            json!({ "piiMode": profile.pii_mode, "settings": profile.settings.keys().collect::<Vec<_>>() }),
        )
        .await;
        let sync = match &patch.settings {
            Some(serde_json::Value::Object(given)) => {
                let named: Vec<String> = given.keys().filter(|k| !unknown.contains(k)).cloned().collect();
                let mut sync = match state.engines.get(&number.engine) {
                    Some(engine) => engine.apply_settings(&NumberCtx::of(&number), &profile, &named).await,
                    None => SettingsSync {
                        skipped: named,
                        ..SettingsSync::default()
                    },
                };
                sync.skipped.extend(unknown);
                for list in [&mut sync.applied, &mut sync.failed, &mut sync.skipped] {
                    list.sort();
                }
                Some(sync)
            }
            _ => None,
        };
        return Ok(Patched { number, sync });
    }
    Err(ApiError::conflict(
        "NUMBER_BUSY",
        "the number kept changing while it was updated; try again",
    ))
}

/// Soft delete: the device is unlinked now; the number can be restored for a while.
pub async fn delete(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Number> {
    let number = get(state, client, id).await?;
    end_session(state, &number).await?;
    let now = state.clock.now();
    let until = now + Duration::days(state.config.soft_delete_days.into());
    let event = number_event(NUMBER_REMOVED, (&number).into(), now, json!({ "restorableUntil": until }));
    let deleted = state.store.soft_delete_number(&client.tenant, id, until, &event).await?;
    // A deleted number's link must not pair anything.
    if let Some(link) = state.store.current_link(&client.tenant, id).await? {
        state.store.end_link(&client.tenant, &link.id, LinkEnd::Revoked, now).await?;
    }
    state.live.notify(&client.tenant, id).await;
    super::audit::record(state, client, "number.deleted", Some(id.as_str()), json!({ "name": deleted.name })).await;
    Ok(deleted)
}

/// Unlinks the number's device and wipes its keys where its session runs (the process that
/// holds its lease, asked through the database when it is another), then lets it go.
async fn end_session(state: &AppState, number: &Number) -> ApiResult<()> {
    if state.engines.get(&number.engine).is_none() {
        return Ok(());
    }
    match state.pairing.act(number, crate::server::pairing::commands::Action::Delete).await {
        Ok(_) => Ok(()),
        Err(f) => Err(f.into()),
    }
}

pub async fn restore(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Number> {
    let number = find(state, client, id).await?;
    if number.deleted_at.is_none() {
        return Err(ApiError::conflict("NUMBER_NOT_DELETED", "this number is not deleted"));
    }
    let event = number_event(NUMBER_RESTORED, (&number).into(), state.clock.now(), json!({}));
    match state.store.restore_number(&client.tenant, id, &event).await {
        Err(StoreError::NotFound) => Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "NUMBER_NOT_FOUND",
            "the restore window of this number has passed",
        )),
        Err(StoreError::Conflict) => Err(ApiError::conflict(
            "NUMBER_ALREADY_ACTIVE",
            "another live number has this phone now",
        )),
        other => {
            let restored = other?;
            super::audit::record(
                state,
                client,
                "number.restored",
                Some(id.as_str()),
                json!({ "name": restored.name }),
            )
            .await;
            Ok(restored)
        }
    }
}

/// Removes the number and its keys for good, deleted or not.
pub async fn purge(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<()> {
    let number = find(state, client, id).await?;
    if number.deleted_at.is_none() {
        end_session(state, &number).await?;
    }
    state.store.purge_number(&client.tenant, id).await?;
    state.live.notify(&client.tenant, id).await;
    super::audit::record(state, client, "number.purged", Some(id.as_str()), json!({ "name": number.name })).await;
    Ok(())
}

pub async fn events(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Vec<Event>> {
    let number = find(state, client, id).await?;
    Ok(state.store.list_number_events(&client.tenant, &number.id, 500).await?)
}

pub(super) async fn find(state: &AppState, client: &ApiClient, id: &NumberId) -> ApiResult<Number> {
    if !client.may_see(id) {
        return Err(ApiError::number_not_found());
    }
    match state.store.get_number(&client.tenant, id).await {
        Err(StoreError::NotFound) => Err(ApiError::number_not_found()),
        other => Ok(other?),
    }
}

/// Opens a window on the number's owner (see `pairing`), with a pairing code for the
/// number's phone once its socket is up.
pub(super) async fn open_window(state: &AppState, number: &Number) -> ApiResult<Pairing> {
    use crate::server::pairing::commands::FailureKind;
    match state.pairing.open(number).await {
        Ok(LinkState::Pairing(pairing)) => Ok(pairing),
        Ok(LinkState::Connected { .. }) => Err(already_connected()),
        Err(f) if matches!(f.kind, FailureKind::Conflict | FailureKind::AlreadyConnected) => Err(already_connected()),
        Ok(other) => Err(ApiError::upstream(
            "UPSTREAM_ERROR",
            anyhow::anyhow!("engine answered {other:?} to a link request"),
        )),
        Err(f) => Err(f.into()),
    }
}

pub(super) async fn link_key(state: &AppState, client: &ApiClient, number: &NumberId, wanted: bool) -> ApiResult<Option<ApiKeyId>> {
    let Some(key) = key_to_move(client, wanted) else {
        return Ok(None);
    };
    state.store.bind_api_key(&client.tenant, key, number).await?;
    Ok(Some(key.clone()))
}

/// The caller's key that follows a number it creates: only a number-scoped key does (when the
/// request wants it); a tenant key stays tenant-wide, and a dashboard user has no key at all.
pub(super) fn key_to_move(client: &ApiClient, wanted: bool) -> Option<&ApiKeyId> {
    client.key().filter(|_| client.number.is_some() && wanted)
}

pub(super) fn engine_of(state: &AppState, number: &Number) -> ApiResult<Arc<dyn Engine>> {
    state.engines.get(&number.engine).ok_or_else(no_engine)
}

pub(super) fn no_engine() -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "PROVIDER_NOT_CONFIGURED",
        "no pairing engine is enabled on this server for this number (set PAIRLINK_SANDBOX=1 for the sandbox)",
    )
}

pub(super) fn already_connected() -> ApiError {
    ApiError::conflict("NUMBER_ALREADY_CONNECTED", "the number is already connected")
}
