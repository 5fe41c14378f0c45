//! DAO governance (SPEC §5): the DAO authority, proposals, votes, execution.
pub mod cast_vote;
pub mod create_proposal;
pub mod execute_proposal;
pub mod init_dao;
pub mod lifecycle;

pub use cast_vote::*;
pub use create_proposal::*;
pub use execute_proposal::*;
pub use init_dao::*;
pub use lifecycle::*;
