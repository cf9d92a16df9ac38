//! Writing minutiae records, reproducing the layout choices kept in [`super::Encoding`].

use super::{FingerView, MinutiaeRecord, RecordFormat};

pub(super) fn write(rec: &MinutiaeRecord) -> Vec<u8> {
    let mut body = Vec::new();
    body.extend_from_slice(&rec.capture_equipment.to_be_bytes());
    body.extend_from_slice(&rec.width.to_be_bytes());
    body.extend_from_slice(&rec.height.to_be_bytes());
    body.extend_from_slice(&rec.x_resolution.to_be_bytes());
    body.extend_from_slice(&rec.y_resolution.to_be_bytes());
    // A record holds at most 255 views; more are not representable and are dropped.
    let views = &rec.views[..rec.views.len().min(255)];
    body.push(views.len() as u8);
    body.push(rec.reserved);
    for v in views {
        write_view(&mut body, v, rec.encoding.ext_len_includes_header);
    }
    body.resize(body.len() + rec.encoding.padding_in_record, 0);

    let mut out = Vec::with_capacity(body.len() + 40);
    out.extend_from_slice(b"FMR\0 20\0");
    match rec.format {
        RecordFormat::Iso19794_2_2005 => {
            let total = body.len() + 12;
            out.extend_from_slice(&(total as u32).to_be_bytes());
        }
        RecordFormat::Ansi378_2004 => {
            let short_total = body.len() + 8 + 2 + 4;
            if rec.encoding.ansi_long_length || short_total > usize::from(u16::MAX) {
                let total = body.len() + 8 + 6 + 4;
                out.extend_from_slice(&[0, 0]);
                out.extend_from_slice(&(total as u32).to_be_bytes());
            } else {
                out.extend_from_slice(&(short_total as u16).to_be_bytes());
            }
            out.extend_from_slice(&rec.product_id.to_be_bytes());
        }
    }
    out.extend_from_slice(&body);
    out.resize(out.len() + rec.encoding.padding_after_record, 0);
    out
}

fn write_view(out: &mut Vec<u8>, v: &FingerView, ext_len_includes_header: bool) {
    out.push(v.position);
    out.push((v.view_number << 4) | (v.impression_type & 0x0f));
    out.push(v.quality);
    let minutiae = &v.minutiae[..v.minutiae.len().min(255)];
    out.push(minutiae.len() as u8);
    for m in minutiae {
        let xw = (u16::from(m.kind.bits()) << 14) | (m.x & 0x3fff);
        let yw = (u16::from(m.y_reserved & 3) << 14) | (m.y & 0x3fff);
        out.extend_from_slice(&xw.to_be_bytes());
        out.extend_from_slice(&yw.to_be_bytes());
        out.push(m.angle);
        out.push(m.quality);
    }
    match &v.extended {
        None => out.extend_from_slice(&[0, 0]),
        Some(data) => {
            let extra = if ext_len_includes_header { 2 } else { 0 };
            let len = (data.len() + extra).min(usize::from(u16::MAX));
            out.extend_from_slice(&(len as u16).to_be_bytes());
            out.extend_from_slice(&data[..len - extra]);
        }
    }
}
