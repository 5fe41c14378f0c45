//! DAO governance (SPEC §5): the DAO authority, proposals, votes, execution.
pub mod cast_vote;
pub mod close_records;
pub mod create_proposal;
pub mod execute_proposal;
pub mod init_dao;
pub mod lifecycle;
pub mod treasury;

pub use cast_vote::*;
pub use close_records::*;
pub use create_proposal::*;
pub use execute_proposal::*;
pub use init_dao::*;
pub use lifecycle::*;
pub use treasury::*;
