//! Proposal outcome and sale-round arithmetic (SPEC §5, §6).

/// Whether a proposal passes: turnout `yes + no + abstain ≥ quorum_bps · total / 10 000`,
/// `yes > no`, and `(yes − no) · 10 000 ≥ margin_bps · (yes + no)`. `None` on overflow.
pub fn passes(yes: u128, no: u128, abstain: u128, total: u128, quorum_bps: u64, margin_bps: u64) -> Option<bool> {
    let turnout = yes.checked_add(no)?.checked_add(abstain)?;
    // Compare turnout · 10 000 ≥ quorum · total without rounding.
    let quorum_met = turnout.checked_mul(10_000)? >= total.checked_mul(u128::from(quorum_bps))?;
    if !quorum_met || yes <= no {
        return Some(false);
    }
    let lead = yes.checked_sub(no)?.checked_mul(10_000)?;
    Some(lead >= yes.checked_add(no)?.checked_mul(u128::from(margin_bps))?)
}

/// Pro-rata allocation of the committed range `[from, from + amount)` when `total` was committed
/// against a cap of `cap`: `⌊(from + amount)·cap/total⌋ − ⌊from·cap/total⌋`. Summed over every
/// commitment the allocations telescope to exactly `cap` (or everything, when undersubscribed).
pub fn pro_rata(from: u64, amount: u64, total: u64, cap: u64) -> Option<u64> {
    if total <= cap {
        return Some(amount);
    }
    let scale = |x: u64| -> Option<u128> { u128::from(x).checked_mul(u128::from(cap))?.checked_div(u128::from(total)) };
    let hi = scale(from.checked_add(amount)?)?;
    let lo = scale(from)?;
    u64::try_from(hi.checked_sub(lo)?).ok()
}
