//! Instruction builders. Account lists come from the program's own `accounts::*` structs.
use anchor_lang::prelude::Pubkey;
use anchor_lang::solana_program::instruction::Instruction;
use anchor_lang::{system_program, InstructionData, ToAccountMetas};
use vetmai::state::ParamsUpdate;
use vetmai::{accounts, instruction, CreateLockArgs, LockKind};

use crate::pda;

/// The deployment an instruction targets: the TMAI mint and the token program that owns it.
#[derive(Debug, Clone, Copy)]
pub struct Deployment {
    pub tmai_mint: Pubkey,
    pub token_program: Pubkey,
}

fn build(accounts: impl ToAccountMetas, data: impl InstructionData) -> Instruction {
    Instruction { program_id: vetmai::ID, accounts: accounts.to_account_metas(None), data: data.data() }
}

impl Deployment {
    pub fn initialize(&self, admin: Pubkey) -> Instruction {
        build(
            accounts::Initialize {
                admin,
                tmai_mint: self.tmai_mint,
                config: pda::config(),
                vault: pda::vault(),
                token_program: self.token_program,
                system_program: system_program::ID,
            },
            instruction::Initialize {},
        )
    }

    pub fn update_params(&self, admin: Pubkey, update: ParamsUpdate) -> Instruction {
        build(accounts::UpdateParams { admin, config: pda::config() }, instruction::UpdateParams { update })
    }

    pub fn set_admin(&self, admin: Pubkey, new_admin: Pubkey) -> Instruction {
        build(accounts::SetAdmin { admin, config: pda::config() }, instruction::SetAdmin { new_admin })
    }

    pub fn accept_admin(&self, new_admin: Pubkey) -> Instruction {
        build(accounts::AcceptAdmin { new_admin, config: pda::config() }, instruction::AcceptAdmin {})
    }

    /// Locks `amount` from `owner_token` in position `index` (the staker's `next_index`).
    pub fn create_lock(
        &self,
        owner: Pubkey,
        owner_token: Pubkey,
        index: u64,
        amount: u64,
        duration: u64,
        kind: LockKind,
    ) -> Instruction {
        build(
            accounts::CreateLock {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position: pda::position(&owner, index),
                token_program: self.token_program,
                system_program: system_program::ID,
            },
            instruction::CreateLock { args: CreateLockArgs { index, amount, duration, kind } },
        )
    }

    pub fn increase_amount(&self, owner: Pubkey, owner_token: Pubkey, position: Pubkey, amount: u64) -> Instruction {
        build(
            accounts::IncreaseAmount {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position,
                token_program: self.token_program,
            },
            instruction::IncreaseAmount { amount },
        )
    }

    fn modify(owner: Pubkey, position: Pubkey) -> accounts::ModifyLock {
        accounts::ModifyLock { owner, config: pda::config(), staker: pda::staker(&owner), position }
    }

    pub fn extend_lock(&self, owner: Pubkey, position: Pubkey, new_duration: u64) -> Instruction {
        build(Self::modify(owner, position), instruction::ExtendLock { new_duration })
    }

    pub fn begin_unlock(&self, owner: Pubkey, position: Pubkey) -> Instruction {
        build(Self::modify(owner, position), instruction::BeginUnlock {})
    }

    pub fn withdraw(&self, owner: Pubkey, owner_token: Pubkey, position: Pubkey) -> Instruction {
        build(
            accounts::Withdraw {
                owner,
                config: pda::config(),
                tmai_mint: self.tmai_mint,
                vault: pda::vault(),
                owner_token,
                staker: pda::staker(&owner),
                position,
                token_program: self.token_program,
            },
            instruction::Withdraw {},
        )
    }

    pub fn close_staker(&self, owner: Pubkey) -> Instruction {
        build(
            accounts::CloseStaker { owner, config: pda::config(), staker: pda::staker(&owner) },
            instruction::CloseStaker {},
        )
    }
}
