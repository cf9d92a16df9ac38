//! OCSP (placeholder)
