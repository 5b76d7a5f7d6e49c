//! The dashboard's paged lists of API keys and its number pickers: what a tenant with
//! 10,000 numbers can be sent a page (or a handful) at a time.
use serde::{Deserialize, Serialize};

use super::admin::KeyItem;

/// A page of the tenant's live API keys, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KeysOut {
    pub items: Vec<KeyItem>,
    /// Where the next page starts; `None` on the last.
    pub next_cursor: Option<String>,
    pub counts: KeyCounts,
}

/// How many live keys the tenant has of each kind, whatever the filters.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyCounts {
    /// Tenant-wide keys.
    pub tenant: i64,
    /// Keys bound to one number.
    pub number: i64,
}

impl KeyCounts {
    pub fn total(&self) -> i64 {
        self.tenant + self.number
    }
}

/// A live number a picker offers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberChoice {
    pub id: String,
    pub name: String,
    /// E.164, with `+`.
    pub phone: String,
    pub state: String,
}

impl NumberChoice {
    /// How a picker shows it.
    pub fn label(&self) -> String {
        format!("{} · {} · {}", self.name, self.phone, self.state)
    }
}

/// A picker's answer: the first numbers that match what was typed, and the chosen one
/// (by id) when it is still a live number of the tenant.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NumberChoicesOut {
    pub matches: Vec<NumberChoice>,
    pub chosen: Option<NumberChoice>,
}

/// The default sender (its id, and the number itself when it is still live). The numbers
/// that could be it come from `admin_number_choices`, as the user searches.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SenderOut {
    pub default_sender: Option<String>,
    pub number: Option<NumberChoice>,
}
