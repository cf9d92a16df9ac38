//! A payment attempt through the bank gateway, and the states it passes: token issued (`pending`), money taken and
//! verified with the bank (`verified`), settled (`settled`); or ended without money (`failed`), or money returned
//! because the application could not take it (`reversed`). Only the transitions here are allowed, so a replayed
//! or reordered callback can never pay twice.

/// The states of one payment attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    /// A token was issued; the customer is at the bank, or never went.
    Pending,
    /// The bank confirmed the money (verify); the application was moved on.
    Verified,
    /// The bank settled the money to the programme's account.
    Settled,
    /// Cancelled, refused by the bank, or never paid.
    Failed,
    /// The bank took the money but the application could not take it (already paid, cancelled): returned.
    Reversed,
}

impl PaymentState {
    pub const ALL: [PaymentState; 5] = [
        PaymentState::Pending,
        PaymentState::Verified,
        PaymentState::Settled,
        PaymentState::Failed,
        PaymentState::Reversed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PaymentState::Pending => "pending",
            PaymentState::Verified => "verified",
            PaymentState::Settled => "settled",
            PaymentState::Failed => "failed",
            PaymentState::Reversed => "reversed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    pub fn fa(self) -> &'static str {
        match self {
            PaymentState::Pending => "در انتظار پرداخت در درگاه بانک",
            PaymentState::Verified => "پرداخت تأیید شد",
            PaymentState::Settled => "پرداخت تسویه شد",
            PaymentState::Failed => "پرداخت انجام نشد",
            PaymentState::Reversed => "مبلغ به حساب پرداخت‌کننده برگشت داده شد",
        }
    }

    /// Whether a payment may move from `self` to `next`.
    pub fn may_become(self, next: PaymentState) -> bool {
        use PaymentState as P;
        matches!(
            (self, next),
            (P::Pending, P::Verified)
                | (P::Pending, P::Failed)
                | (P::Verified, P::Settled)
                | (P::Verified, P::Reversed)
        )
    }

    /// Nothing more will happen to it.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentState::Settled | PaymentState::Failed | PaymentState::Reversed
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_forward_moves() {
        use PaymentState as P;
        assert!(P::Pending.may_become(P::Verified));
        assert!(P::Verified.may_become(P::Settled));
        for s in P::ALL {
            assert!(!s.may_become(P::Pending), "{s:?} back to pending");
            if s.is_final() {
                for n in P::ALL {
                    assert!(!s.may_become(n), "{s:?} is final but may become {n:?}");
                }
            }
            assert_eq!(P::parse(s.as_str()), Some(s));
        }
    }
}
