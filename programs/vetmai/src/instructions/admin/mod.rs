pub mod accept_admin;
pub mod initialize;
pub mod set_admin;
pub mod update_params;

pub use accept_admin::*;
pub use initialize::*;
pub use set_admin::*;
pub use update_params::*;
