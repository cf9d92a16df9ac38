//! The card's lifecycle: the states of an application (the contract's names) and the transitions between them.
//! Every change of state goes through [`ApplicationState::transition`], which refuses what the programme does not
//! allow; the caller records each accepted transition with its time, actor and reason.

use crate::error::ValidationError;

/// The states of an application, as the contract names them.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationState {
    AwaitingPayment,
    AwaitingAppointment,
    AppointmentBooked,
    Enrolled,
    InProduction,
    Dispatched,
    ReadyForPickup,
    Delivered,
    Rejected,
    Cancelled,
    ProductionFailed,
    Uncollected,
    Revoked,
}

/// What moves an application from one state to another.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    PaymentSettled,
    AppointmentBooked,
    AppointmentCancelled,
    Enrolled,
    /// Biometric de-duplication or a registry decision refuses the application.
    Rejected,
    /// The applicant or an operator withdraws; the registry reports a death.
    Cancelled,
    BatchedForProduction,
    ProductionFailed,
    /// A failed card goes back in the production queue.
    Requeued,
    Dispatched,
    ReceivedAtOffice,
    PickedUp,
    /// Ready for pickup past the configured period.
    PickupPeriodExpired,
    /// An uncollected card is collected after all.
    CollectedLate,
    /// The card is lost, or its holder died.
    Revoked,
    /// The holder moved: the card is sent to another office.
    Transferred,
    /// A shipment arrived without this card: it is revoked and made again.
    LostInTransit,
}

use ApplicationState as S;

impl ApplicationState {
    pub const ALL: [ApplicationState; 13] = [
        S::AwaitingPayment,
        S::AwaitingAppointment,
        S::AppointmentBooked,
        S::Enrolled,
        S::InProduction,
        S::Dispatched,
        S::ReadyForPickup,
        S::Delivered,
        S::Rejected,
        S::Cancelled,
        S::ProductionFailed,
        S::Uncollected,
        S::Revoked,
    ];

    /// The next state after `event`, or `invalid_transition`.
    pub fn transition(self, event: Event) -> Result<ApplicationState, ValidationError> {
        use Event as E;
        let next = match (self, event) {
            (S::AwaitingPayment, E::PaymentSettled) => S::AwaitingAppointment,
            (S::AwaitingAppointment, E::AppointmentBooked) => S::AppointmentBooked,
            (S::AppointmentBooked, E::AppointmentCancelled) => S::AwaitingAppointment,
            (S::AppointmentBooked, E::Enrolled) => S::Enrolled,
            (S::Enrolled, E::Rejected) | (S::AwaitingPayment, E::Rejected) => S::Rejected,
            (
                S::AwaitingPayment | S::AwaitingAppointment | S::AppointmentBooked | S::Enrolled,
                E::Cancelled,
            ) => S::Cancelled,
            (S::Enrolled, E::BatchedForProduction) => S::InProduction,
            (S::InProduction, E::ProductionFailed) | (S::Dispatched, E::LostInTransit) => {
                S::ProductionFailed
            }
            (S::ProductionFailed, E::Requeued) => S::Enrolled,
            (S::InProduction, E::Dispatched) => S::Dispatched,
            (S::Dispatched, E::ReceivedAtOffice) => S::ReadyForPickup,
            (S::ReadyForPickup, E::PickedUp) | (S::Uncollected, E::CollectedLate) => S::Delivered,
            (S::ReadyForPickup, E::PickupPeriodExpired) => S::Uncollected,
            (S::ReadyForPickup | S::Uncollected, E::Transferred) => S::Dispatched,
            (
                S::InProduction | S::Dispatched | S::ReadyForPickup | S::Uncollected | S::Delivered,
                E::Revoked,
            ) => S::Revoked,
            (from, event) => {
                return Err(ValidationError::new(
                    "invalid_transition",
                    format!(
                        "an application that is {} cannot take `{}`",
                        from.as_str(),
                        event_name(event)
                    ),
                    format!(
                        "درخواستی که در وضعیت «{}» است این تغییر را نمی‌پذیرد",
                        from.fa()
                    ),
                ))
            }
        };
        Ok(next)
    }

    /// No further transition is possible (or only a revocation, for a delivered card).
    pub fn is_final(self) -> bool {
        matches!(self, S::Rejected | S::Cancelled | S::Revoked)
    }

    /// An application that blocks a new one for the same person.
    pub fn is_active(self) -> bool {
        !matches!(self, S::Rejected | S::Cancelled | S::Revoked | S::Delivered)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            S::AwaitingPayment => "awaiting_payment",
            S::AwaitingAppointment => "awaiting_appointment",
            S::AppointmentBooked => "appointment_booked",
            S::Enrolled => "enrolled",
            S::InProduction => "in_production",
            S::Dispatched => "dispatched",
            S::ReadyForPickup => "ready_for_pickup",
            S::Delivered => "delivered",
            S::Rejected => "rejected",
            S::Cancelled => "cancelled",
            S::ProductionFailed => "production_failed",
            S::Uncollected => "uncollected",
            S::Revoked => "revoked",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// The stage in Persian, as the citizen reads it.
    pub fn fa(self) -> &'static str {
        match self {
            S::AwaitingPayment => "در انتظار پرداخت",
            S::AwaitingAppointment => "در انتظار نوبت‌گیری",
            S::AppointmentBooked => "نوبت گرفته شده",
            S::Enrolled => "ثبت‌نام و اخذ زیست‌سنجی انجام شد",
            S::InProduction => "در حال صدور کارت",
            S::Dispatched => "ارسال شده به دفتر",
            S::ReadyForPickup => "آمادهٔ تحویل در دفتر",
            S::Delivered => "تحویل داده شد",
            S::Rejected => "رد شده",
            S::Cancelled => "لغو شده",
            S::ProductionFailed => "خطا در صدور؛ دوباره در صف صدور",
            S::Uncollected => "تحویل گرفته نشده",
            S::Revoked => "باطل شده",
        }
    }
}

impl Event {
    pub const ALL: [Event; 17] = [
        Event::PaymentSettled,
        Event::AppointmentBooked,
        Event::AppointmentCancelled,
        Event::Enrolled,
        Event::Rejected,
        Event::Cancelled,
        Event::BatchedForProduction,
        Event::ProductionFailed,
        Event::Requeued,
        Event::Dispatched,
        Event::ReceivedAtOffice,
        Event::PickedUp,
        Event::PickupPeriodExpired,
        Event::CollectedLate,
        Event::Revoked,
        Event::Transferred,
        Event::LostInTransit,
    ];

    pub fn as_str(self) -> &'static str {
        event_name(self)
    }

    /// Its label in Persian, as the history shows it.
    pub fn fa(self) -> &'static str {
        match self {
            Event::PaymentSettled => "پرداخت هزینه",
            Event::AppointmentBooked => "گرفتن نوبت",
            Event::AppointmentCancelled => "لغو نوبت",
            Event::Enrolled => "ثبت‌نام و اخذ زیست‌سنجی",
            Event::Rejected => "رد درخواست",
            Event::Cancelled => "لغو درخواست",
            Event::BatchedForProduction => "ارسال به صدور",
            Event::ProductionFailed => "خطا در صدور",
            Event::Requeued => "بازگشت به صف صدور",
            Event::Dispatched => "ارسال کارت به دفتر",
            Event::ReceivedAtOffice => "رسیدن کارت به دفتر",
            Event::PickedUp => "تحویل کارت",
            Event::PickupPeriodExpired => "پایان مهلت تحویل",
            Event::CollectedLate => "تحویل پس از مهلت",
            Event::Revoked => "ابطال کارت",
            Event::Transferred => "انتقال به دفتر دیگر",
            Event::LostInTransit => "گم‌شدن در راه",
        }
    }
}

fn event_name(e: Event) -> &'static str {
    match e {
        Event::PaymentSettled => "payment_settled",
        Event::AppointmentBooked => "appointment_booked",
        Event::AppointmentCancelled => "appointment_cancelled",
        Event::Enrolled => "enrolled",
        Event::Rejected => "rejected",
        Event::Cancelled => "cancelled",
        Event::BatchedForProduction => "batched_for_production",
        Event::ProductionFailed => "production_failed",
        Event::Requeued => "requeued",
        Event::Dispatched => "dispatched",
        Event::ReceivedAtOffice => "received_at_office",
        Event::PickedUp => "picked_up",
        Event::PickupPeriodExpired => "pickup_period_expired",
        Event::CollectedLate => "collected_late",
        Event::Revoked => "revoked",
        Event::Transferred => "transferred",
        Event::LostInTransit => "lost_in_transit",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const EVENTS: [Event; 17] = Event::ALL;

    #[test]
    fn the_happy_path() {
        let path = [
            Event::PaymentSettled,
            Event::AppointmentBooked,
            Event::Enrolled,
            Event::BatchedForProduction,
            Event::Dispatched,
            Event::ReceivedAtOffice,
            Event::PickedUp,
        ];
        let end = path
            .iter()
            .try_fold(S::AwaitingPayment, |s, &e| s.transition(e))
            .unwrap();
        assert_eq!(end, S::Delivered);
    }

    #[test]
    fn failures_are_recoverable() {
        assert_eq!(
            S::InProduction.transition(Event::ProductionFailed).unwrap(),
            S::ProductionFailed
        );
        assert_eq!(
            S::ProductionFailed.transition(Event::Requeued).unwrap(),
            S::Enrolled
        );
        assert_eq!(
            S::ReadyForPickup
                .transition(Event::PickupPeriodExpired)
                .unwrap(),
            S::Uncollected
        );
        assert_eq!(
            S::Uncollected.transition(Event::CollectedLate).unwrap(),
            S::Delivered
        );
        assert_eq!(
            S::Uncollected.transition(Event::Transferred).unwrap(),
            S::Dispatched
        );
        assert_eq!(S::Delivered.transition(Event::Revoked).unwrap(), S::Revoked);
    }

    #[test]
    fn impossible_moves_are_refused() {
        let e = S::AwaitingPayment.transition(Event::Enrolled).unwrap_err();
        assert_eq!(e.code, "invalid_transition");
        assert!(S::Delivered.transition(Event::PickedUp).is_err());
        assert!(S::AwaitingPayment
            .transition(Event::PaymentSettled)
            .unwrap()
            .transition(Event::PaymentSettled)
            .is_err());
    }

    #[test]
    fn names_round_trip() {
        for s in S::ALL {
            assert_eq!(S::parse(s.as_str()), Some(s));
            assert!(!s.fa().is_empty());
        }
    }

    proptest! {
        /// Final states take nothing; no sequence of events leaves the state set or revives a final state.
        #[test]
        fn final_states_are_final(events in proptest::collection::vec(0usize..17, 0..40)) {
            let mut s = S::AwaitingPayment;
            for i in events {
                let before = s;
                if let Ok(next) = s.transition(EVENTS[i]) {
                    prop_assert!(!before.is_final(), "{before:?} moved on {:?}", EVENTS[i]);
                    s = next;
                }
            }
        }
    }
}
