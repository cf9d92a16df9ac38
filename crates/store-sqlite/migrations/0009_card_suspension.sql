-- A card in its holder's hands may be suspended when its loss is reported: it stops verifying and its holder
-- certificates go on hold (certificateHold), until it is found again (the holder's finger matched at an office)
-- or the suspension runs past its period and the card is revoked. `status` stays 'active' meanwhile: the card is
-- the holder's, and suspended is a second state beside it.
ALTER TABLE cards ADD COLUMN suspended_at TEXT;
CREATE INDEX cards_suspended ON cards (suspended_at) WHERE suspended_at IS NOT NULL;

-- Chapar: when the "ready" message also went to the other numbers linked to the holder's national code (at the
-- operators), for the card's latest arrival at an office.
ALTER TABLE cards ADD COLUMN linked_notified_at TEXT;
