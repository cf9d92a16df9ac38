-- The national PKI's records: every certificate issued (authorities, document signers, OCSP responders, holders'
-- certificates), the status changes of certificates (holds, releases, revocations; only ever added to), the CRL
-- numbers handed out, and the document numbers assigned when cards enter a batch (never reused) with the chip
-- data made for each. Private keys are never here: they stay in the key store (sealed files or an HSM).

CREATE TABLE pki_certificates (
    -- lowercase hex of the serial's content octets
    serial          TEXT    PRIMARY KEY,
    -- the issuing authority (root, citizen-ca, csca); NULL for the self-signed roots
    authority       TEXT,
    role            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    not_before      TIMESTAMPTZ NOT NULL,
    not_after       TIMESTAMPTZ NOT NULL,
    signing_until   TIMESTAMPTZ,
    key_label       TEXT,
    der             BYTEA   NOT NULL,
    -- SHA-256 (hex) of the certified public key's SubjectPublicKeyInfo
    key_sha256      TEXT    NOT NULL,
    -- holders' certificates: the card's application and document
    application_id  BIGINT REFERENCES applications (id),
    document_number TEXT,
    issued_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX pki_certificates_authorities ON pki_certificates (role) WHERE application_id IS NULL;
CREATE INDEX pki_certificates_by_application ON pki_certificates (application_id) WHERE application_id IS NOT NULL;
CREATE INDEX pki_certificates_by_document ON pki_certificates (document_number) WHERE document_number IS NOT NULL;
-- A chip key is certified for one card only.
CREATE UNIQUE INDEX pki_certificates_holder_key ON pki_certificates (key_sha256) WHERE application_id IS NOT NULL;

CREATE TABLE pki_status_changes (
    id        BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    authority TEXT    NOT NULL,
    serial    TEXT    NOT NULL REFERENCES pki_certificates (serial),
    reason    TEXT    NOT NULL CHECK (reason IN ('keyCompromise', 'superseded', 'cessationOfOperation',
                                                 'certificateHold', 'removeFromCRL')),
    at        TIMESTAMPTZ NOT NULL
);
CREATE INDEX pki_status_changes_by_serial ON pki_status_changes (serial, id);
CREATE INDEX pki_status_changes_by_authority ON pki_status_changes (authority, id);

CREATE TABLE pki_crl_numbers (
    authority   TEXT    PRIMARY KEY,
    last_number BIGINT NOT NULL
);

-- The last document number handed out (one row).
CREATE TABLE document_number_seq (
    id          BIGINT  PRIMARY KEY CHECK (id = 1),
    last_number BIGINT NOT NULL
);
INSERT INTO document_number_seq (id, last_number) VALUES (1, 0);

CREATE TABLE documents (
    document_number TEXT    PRIMARY KEY,
    application_id  BIGINT NOT NULL REFERENCES applications (id),
    batch_id        BIGINT NOT NULL REFERENCES batches (id),
    assigned_at     TIMESTAMPTZ NOT NULL,
    -- the chip data (EF.COM, DGs, EF.SOD) in the blob store, once made
    lds_key         TEXT,
    -- the document signer that signed its EF.SOD
    ds_serial       TEXT,
    UNIQUE (batch_id, application_id)
);
CREATE INDEX documents_without_chip_data ON documents (batch_id, application_id) WHERE lds_key IS NULL;
CREATE INDEX documents_by_application ON documents (application_id);
