pub mod accept_admin;
pub mod initialize;
pub mod set_admin;
pub mod set_revenue_authority;
pub mod update_params;

pub use accept_admin::*;
pub use initialize::*;
pub use set_admin::*;
pub use set_revenue_authority::*;
pub use update_params::*;
