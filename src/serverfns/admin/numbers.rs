//! Numbers: list, create (which opens a linking window), the window's QR and code, delete,
//! restore, purge.
use leptos::prelude::*;

use crate::{
    error::AppError,
    types::admin::{NewNumberIn, NumberItem, NumbersOut, PairingView},
};

#[server(endpoint = "admin/numbers")]
pub async fn admin_numbers() -> Result<NumbersOut, AppError> {
    use super::{
        convert,
        guard::{fail, signed_in},
    };
    use crate::server::services::number_view;

    let (state, admin) = signed_in().await?;
    let (live, deleted) = number_view::all(&state, &admin.client).await.map_err(fail)?;
    Ok(NumbersOut {
        live: live.iter().map(convert::number).collect(),
        deleted: deleted.iter().map(convert::number).collect(),
        can_create: state.engines.for_new_device_numbers().is_some(),
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
