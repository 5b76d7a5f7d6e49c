//! Small widgets the dashboard pages share.
mod copy;
mod feedback;

pub use copy::CopyButton;
pub use feedback::{EmptyState, ErrorNotice, PageHeader, Spinner, fmt_time, fmt_time_opt};

/// Tailwind classes used across the dashboard, so buttons and fields look alike everywhere.
pub mod class {
    pub const PRIMARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-emerald-700 px-4 py-2 text-sm font-medium text-white shadow-sm hover:bg-emerald-800 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 disabled:opacity-60";
    pub const SECONDARY: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-white px-3 py-2 text-sm font-medium text-slate-800 shadow-sm ring-1 ring-inset ring-slate-300 hover:bg-slate-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-emerald-700 disabled:opacity-60";
    pub const DANGER: &str = "inline-flex items-center justify-center gap-2 rounded-md bg-white px-3 py-2 text-sm font-medium text-red-800 shadow-sm ring-1 ring-inset ring-red-300 hover:bg-red-50 focus-visible:outline focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-red-700 disabled:opacity-60";
    pub const INPUT: &str = "mt-1 block w-full rounded-md border-0 px-3 py-2 text-slate-900 shadow-sm ring-1 ring-inset ring-slate-300 placeholder:text-slate-500 focus:ring-2 focus:ring-inset focus:ring-emerald-700";
    pub const LABEL: &str = "block text-sm font-medium text-slate-800";
    pub const CARD: &str = "rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200 sm:p-6";
    pub const HINT: &str = "mt-1 text-sm text-slate-600";
}
