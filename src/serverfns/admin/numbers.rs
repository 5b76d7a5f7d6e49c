//! Numbers: list, create (which opens a linking window), the window's QR and code, delete,
//! restore, purge.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::{
        admin::{NewNumberIn, NumberItem, NumbersOut, PairingView},
        admin_keys::NumberChoicesOut,
    },
};

/// A page of the tenant's numbers: the first `shown` (50 unless asked, at most 500) that match
/// `q` (a piece of the name, digits of the phone, or a number's id) and `state`, with the
/// counts per state.
#[server(endpoint = "admin/numbers")]
pub async fn admin_numbers(
    #[server(default)] q: String,
    #[server(default)] state: String,
    #[server(default)] shown: u32,
) -> Result<NumbersOut, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::domain::NumberState;
    use crate::server::services::{number_list, number_view};
    use crate::types::admin::NumberCounts;

    let (app, admin) = signed_in().await?;
    // The API's own reading of the filters; the page size is the page's.
    let limit = if shown == 0 { 50 } else { shown.min(500) }.to_string();
    let params: Vec<(String, String)> = [("q", q.as_str()), ("state", state.as_str()), ("limit", limit.as_str())]
        .into_iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
        .collect();
    let query = number_list::query_of(&params).map_err(fail)?;
    let view = number_view::page(&app, &admin.client, query).await.map_err(fail)?;
    let count = |s: NumberState| view.counts.iter().find(|(c, _)| *c == s).map_or(0, |(_, n)| *n);
    Ok(NumbersOut {
        live: view.live.iter().map(convert::number).collect(),
        deleted: view.deleted.iter().map(convert::number).collect(),
        can_create: app.engines.for_new_device_numbers().is_some(),
        counts: NumberCounts {
            open: count(NumberState::Open),
            connecting: count(NumberState::Connecting),
            close: count(NumberState::Close),
            deleted: view.deleted_count,
        },
        more: view.more,
    })
}

/// A number picker's choices: at most 20 live numbers whose name, phone digits or id match
/// `q`, and the number `chosen` names (when it is a live number of the tenant), so a form
/// shows what it holds without sending every number.
#[server(endpoint = "admin/numbers/choices")]
pub async fn admin_number_choices(#[server(default)] q: String, #[server(default)] chosen: String) -> Result<NumberChoicesOut, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::services::number_view;

    let (state, admin) = signed_in().await?;
    let (matches, chosen) = number_view::choices(&state, &admin.client, &q, &chosen).await.map_err(fail)?;
    Ok(NumberChoicesOut {
        matches: matches.iter().map(convert::choice).collect(),
        chosen: chosen.as_ref().map(convert::choice),
    })
}

/// Creates a number and opens its first linking window.
#[server(endpoint = "admin/numbers/create")]
pub async fn admin_create_number(csrf: String, input: NewNumberIn) -> Result<NumberItem, AppError> {
    use super::{
        convert,
        guard::{fail, for_change},
    };
    use crate::{server::services::numbers, types::numbers::CreateNumberIn};

    let (state, admin) = for_change(&csrf).await?;
    let body = CreateNumberIn {
        name: Some(input.name),
        number: Some(input.phone),
        link_to_api_key: Some(false),
        settings: None,
    };
    let created = numbers::create(&state, &admin.client, body).await.map_err(fail)?;
    Ok(convert::number(&created.number))
}

/// The live QR and code of a number (opens nothing).
#[server(endpoint = "admin/numbers/pairing")]
pub async fn admin_number_pairing(id: String) -> Result<PairingView, AppError> {
    use super::guard::{fail, signed_in};
    use crate::server::domain::NumberId;
    use crate::server::services::number_view;

    let (state, admin) = signed_in().await?;
    number_view::pairing(&state, &admin.client, &NumberId::from_trusted(id))
        .await
        .map_err(fail)
}

/// Opens a linking window (or joins the open one).
#[server(endpoint = "admin/numbers/connect")]
pub async fn admin_connect_number(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::numbers;

    let (state, admin) = for_change(&csrf).await?;
    numbers::connect(&state, &admin.client, &NumberId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(())
}

#[server(endpoint = "admin/numbers/delete")]
pub async fn admin_delete_number(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::numbers;

    let (state, admin) = for_change(&csrf).await?;
    numbers::delete(&state, &admin.client, &NumberId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(())
}

#[server(endpoint = "admin/numbers/restore")]
pub async fn admin_restore_number(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::numbers;

    let (state, admin) = for_change(&csrf).await?;
    numbers::restore(&state, &admin.client, &NumberId::from_trusted(id))
        .await
        .map_err(fail)?;
    Ok(())
}

#[server(endpoint = "admin/numbers/purge")]
pub async fn admin_purge_number(csrf: String, id: String) -> Result<(), AppError> {
    use super::guard::{fail, for_change};
    use crate::server::domain::NumberId;
    use crate::server::services::numbers;

    let (state, admin) = for_change(&csrf).await?;
    numbers::purge(&state, &admin.client, &NumberId::from_trusted(id))
        .await
        .map_err(fail)
}
