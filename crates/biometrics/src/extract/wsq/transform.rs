//! WSQ subband geometry and wavelet synthesis (FBI WSQ specification, IAFIS-IC-0110).
//!
//! The image is split by a fixed 20-node tree of two-dimensional wavelet steps (`WTree`);
//! the 64 quantisation subbands (`QTree`) tile the result. Reconstruction runs the tree
//! backwards, each node doing a column and then a row synthesis with the spec's symmetric
//! extension at the borders. The border handling follows NIST NBIS (public domain), whose
//! output the decoder is tested against; this is an index-based re-expression of it.

/// One wavelet tree node: a rectangle and whether its row/column split is spectrally inverted.
#[derive(Clone, Copy, Default, Debug)]
pub(super) struct WNode {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
    pub inv_rw: bool,
    pub inv_cl: bool,
}

/// One quantisation subband rectangle.
#[derive(Clone, Copy, Default, Debug)]
pub(super) struct QNode {
    pub x: usize,
    pub y: usize,
    pub lenx: usize,
    pub leny: usize,
}

/// Halves `len`: (first, second) part, the first taking the odd sample unless `second_big`.
fn split(len: usize, second_big: bool) -> (usize, usize) {
    if len % 2 == 0 {
        (len / 2, len / 2)
    } else if second_big {
        (len / 2, len / 2 + 1)
    } else {
        (len.div_ceil(2), len / 2)
    }
}

/// Fills nodes `p2..p2+4` from the rectangle of node `p1`.
fn w_tree4(
    w: &mut [WNode; 20],
    p1: usize,
    p2: usize,
    rect: (usize, usize, usize, usize),
    stop: bool,
) {
    let (lenx, leny, x, y) = rect;
    w[p1].x = x;
    w[p1].y = y;
    w[p1].lenx = lenx;
    w[p1].leny = leny;
    let (ax, bx) = split(lenx, p1 == 4);
    let (ay, by) = split(leny, p1 == 5);
    w[p2].x = x;
    w[p2].y = y;
    w[p2].lenx = ax;
    w[p2].leny = ay;
    w[p2 + 1].x = x + ax;
    w[p2 + 1].y = y;
    w[p2 + 1].lenx = bx;
    w[p2 + 1].leny = ay;
    w[p2 + 2].x = x;
    w[p2 + 2].y = y + ay;
    w[p2 + 2].lenx = ax;
    w[p2 + 2].leny = by;
    if !stop {
        w[p2 + 3].x = x + ax;
        w[p2 + 3].y = y + ay;
        w[p2 + 3].lenx = bx;
        w[p2 + 3].leny = by;
    }
}

pub(super) fn build_w_tree(width: usize, height: usize) -> [WNode; 20] {
    let mut w = [WNode::default(); 20];
    for n in [2, 4, 7, 9, 11, 13, 16, 18] {
        w[n].inv_rw = true;
    }
    for n in [3, 5, 8, 9, 12, 13, 17, 18] {
        w[n].inv_cl = true;
    }
    w_tree4(&mut w, 0, 1, (width, height, 0, 0), true);
    let (lenx, lenx2) = (w[1].lenx.div_ceil(2), w[1].lenx / 2);
    let (leny, leny2) = (w[1].leny.div_ceil(2), w[1].leny / 2);
    w_tree4(&mut w, 4, 6, (lenx2, leny, lenx, 0), false);
    w_tree4(&mut w, 5, 10, (lenx, leny2, 0, leny), false);
    w_tree4(&mut w, 14, 15, (lenx, leny, 0, 0), false);
    w[19].x = 0;
    w[19].y = 0;
    w[19].lenx = w[15].lenx.div_ceil(2);
    w[19].leny = w[15].leny.div_ceil(2);
    w
}

/// Four subbands `p..p+4` splitting a rectangle in two both ways (first part takes the odd sample).
fn q_tree4(q: &mut [QNode; 64], p: usize, rect: (usize, usize, usize, usize)) {
    let (lenx, leny, x, y) = rect;
    let (ax, bx) = split(lenx, false);
    let (ay, by) = split(leny, false);
    q[p] = QNode {
        x,
        y,
        lenx: ax,
        leny: ay,
    };
    q[p + 1] = QNode {
        x: x + ax,
        y,
        lenx: bx,
        leny: ay,
    };
    q[p + 2] = QNode {
        x,
        y: y + ay,
        lenx: ax,
        leny: by,
    };
    q[p + 3] = QNode {
        x: x + ax,
        y: y + ay,
        lenx: bx,
        leny: by,
    };
}

/// Sixteen subbands `p..p+16`: a two-level split, the first level inverted per `rw`/`cl`.
fn q_tree16(q: &mut [QNode; 64], p: usize, rect: (usize, usize, usize, usize), rw: bool, cl: bool) {
    let (lenx, leny, x, y) = rect;
    let (tx, t2x) = split(lenx, cl);
    let (ty, t2y) = split(leny, rw);
    q_tree4(q, p, (tx, ty, x, y));
    // Right half of the top: its own odd sample goes to the second part.
    let (cx, dx) = split(t2x, true);
    let top = q[p];
    let bottom_y = q[p + 2];
    q[p + 4] = QNode {
        x: x + tx,
        y,
        lenx: cx,
        leny: top.leny,
    };
    q[p + 5] = QNode {
        x: x + tx + cx,
        y,
        lenx: dx,
        leny: top.leny,
    };
    q[p + 6] = QNode {
        x: x + tx,
        y: bottom_y.y,
        lenx: cx,
        leny: bottom_y.leny,
    };
    q[p + 7] = QNode {
        x: x + tx + cx,
        y: bottom_y.y,
        lenx: dx,
        leny: bottom_y.leny,
    };
    // Bottom half: its own odd sample goes to the second part.
    let (cy, dy) = split(t2y, true);
    let (l0, l1) = (q[p].lenx, q[p + 1].lenx);
    let x1 = q[p + 1].x;
    q[p + 8] = QNode {
        x,
        y: y + ty,
        lenx: l0,
        leny: cy,
    };
    q[p + 9] = QNode {
        x: x1,
        y: y + ty,
        lenx: l1,
        leny: cy,
    };
    q[p + 10] = QNode {
        x,
        y: y + ty + cy,
        lenx: l0,
        leny: dy,
    };
    q[p + 11] = QNode {
        x: x1,
        y: y + ty + cy,
        lenx: l1,
        leny: dy,
    };
    let (x4, x5) = (q[p + 4].x, q[p + 5].x);
    let (w4, w5) = (q[p + 4].lenx, q[p + 5].lenx);
    q[p + 12] = QNode {
        x: x4,
        y: y + ty,
        lenx: w4,
        leny: cy,
    };
    q[p + 13] = QNode {
        x: x5,
        y: y + ty,
        lenx: w5,
        leny: cy,
    };
    q[p + 14] = QNode {
        x: x4,
        y: y + ty + cy,
        lenx: w4,
        leny: dy,
    };
    q[p + 15] = QNode {
        x: x5,
        y: y + ty + cy,
        lenx: w5,
        leny: dy,
    };
}

pub(super) fn build_q_tree(w: &[WNode; 20]) -> [QNode; 64] {
    let mut q = [QNode::default(); 64];
    let r = |n: usize| (w[n].lenx, w[n].leny, w[n].x, w[n].y);
    q_tree16(&mut q, 3, r(14), false, false);
    q_tree16(&mut q, 19, r(4), false, true);
    q_tree16(&mut q, 48, r(0), false, false);
    q_tree16(&mut q, 35, r(5), true, false);
    q_tree4(&mut q, 0, r(19));
    q
}

/// A line of samples inside a buffer: element `i` of line `l` is at `off + l * pitch + i * stride`.
#[derive(Clone, Copy)]
struct Lines {
    off: usize,
    pitch: usize,
    stride: usize,
}

/// A walker over the samples of one subband line with the spec's symmetric extension: it steps
/// by `dir` and turns (or repeats the end sample once, when `repeat_*` is set) at the ends.
#[derive(Clone, Copy)]
struct Walk {
    pos: isize,
    dir: isize,
    repeat_lo: bool,
    repeat_hi: bool,
}

/// One synthesis pass over `len1` lines of length `len2` (see the module comment).
#[allow(clippy::too_many_arguments)]
fn join_lets(
    dst: &mut [f32],
    d: Lines,
    src: &[f32],
    s: Lines,
    len1: usize,
    len2: usize,
    hi_in: &[f32],
    lo: &[f32],
    inv: bool,
) {
    let (hsz, lsz) = (hi_in.len(), lo.len());
    let da_ev = len2 % 2 == 1;
    let fi_ev = lsz % 2 == 1;
    let (llen, hlen) = if da_ev {
        (len2.div_ceil(2), len2 / 2)
    } else {
        (len2 / 2, len2 / 2)
    };
    let hi: Vec<f32> = if fi_ev {
        hi_in.to_vec()
    } else {
        hi_in.iter().map(|v| -v).collect()
    };
    let (asym, ssfac, ofhre, mut loc, mut hoc, lotap, hotap, mut olle, olre, mut ohle, ohre);
    if fi_ev {
        asym = false;
        ssfac = 1.0f32;
        ofhre = 0i32;
        loc = (lsz as isize - 1) / 4;
        hoc = (hsz as isize + 1) / 4 - 1;
        lotap = ((lsz - 1) / 2) % 2;
        hotap = hsz.div_ceil(2) % 2;
        if da_ev {
            (olle, olre, ohle, ohre) = (false, false, true, true);
        } else {
            (olle, olre, ohle, ohre) = (false, true, true, false);
        }
    } else {
        asym = true;
        ssfac = -1.0;
        ofhre = 2;
        loc = lsz as isize / 4 - 1;
        hoc = hsz as isize / 4 - 1;
        lotap = (lsz / 2) % 2;
        hotap = (hsz / 2) % 2;
        if da_ev {
            (olle, olre, ohle, ohre) = (true, false, true, true);
        } else {
            (olle, olre, ohle, ohre) = (true, true, true, true);
        }
        if loc == -1 {
            loc = 0;
            olle = false;
        }
        if hoc == -1 {
            hoc = 0;
            ohle = false;
        }
    }
    let (lp1, hp1) = (llen as isize - 1, hlen as isize - 1);
    for line in 0..len1 {
        let out = |k: usize| d.off + line * d.pitch + k * d.stride;
        let (lbase, hbase) = if inv {
            (
                s.off + line * s.pitch + hlen * s.stride,
                s.off + line * s.pitch,
            )
        } else {
            (
                s.off + line * s.pitch,
                s.off + line * s.pitch + llen * s.stride,
            )
        };
        let lval = |p: isize| src[lbase + p as usize * s.stride];
        let hval = |p: isize| src[hbase + p as usize * s.stride];
        let (mut li, mut hi_k) = (0usize, 0usize);
        dst[out(0)] = 0.0;
        if len2 > 1 {
            dst[out(1)] = 0.0;
        }
        let mut ls = Walk {
            pos: loc,
            dir: -1,
            repeat_lo: olle,
            repeat_hi: olre,
        };
        let mut hs = Walk {
            pos: hoc,
            dir: -1,
            repeat_lo: ohle,
            repeat_hi: ohre,
        };
        let mut lstap = lotap;
        let mut hstap = hotap;
        let mut osfac = ssfac;
        let mut fhre = 0i32;
        // One low-pass output: taps `tap, tap+2, …` over the low band from walker `ls`.
        let low = |tap: usize, ls: Walk| -> f32 {
            let mut w = ls;
            let mut acc = lval(w.pos) * lo[tap];
            let mut i = tap + 2;
            while i < lsz {
                if w.pos == 0 {
                    if w.repeat_lo {
                        w.dir = 0;
                        w.repeat_lo = false;
                    } else {
                        w.dir = 1;
                    }
                }
                if w.pos == lp1 {
                    if w.repeat_hi {
                        w.dir = 0;
                        w.repeat_hi = false;
                    } else {
                        w.dir = -1;
                    }
                }
                w.pos += w.dir;
                acc += lval(w.pos) * lo[i];
                i += 2;
            }
            acc
        };
        // One high-pass contribution, with the asymmetric-filter sign rules.
        let high = |tap: usize, hs: Walk, osfac: f32, fhre0: i32| -> f32 {
            let mut w = hs;
            let mut sfac = osfac;
            let mut fhre = fhre0;
            let mut acc = 0.0f32;
            let mut i = tap;
            while i < hsz {
                if w.pos == 0 {
                    if w.repeat_lo {
                        w.dir = 0;
                        w.repeat_lo = false;
                    } else {
                        w.dir = 1;
                        sfac = 1.0;
                    }
                }
                if w.pos == hp1 {
                    if w.repeat_hi {
                        w.dir = 0;
                        w.repeat_hi = false;
                        if asym && da_ev {
                            w.repeat_hi = true;
                            fhre -= 1;
                            sfac = fhre as f32;
                            if sfac == 0.0 {
                                w.repeat_hi = false;
                            }
                        }
                    } else {
                        w.dir = -1;
                        if asym {
                            sfac = -1.0;
                        }
                    }
                }
                acc += hval(w.pos) * hi[i] * sfac;
                w.pos += w.dir;
                i += 2;
            }
            acc
        };
        let step_start = |w: &mut Walk, osfac: Option<&mut f32>| {
            if w.pos == 0 {
                if w.repeat_lo {
                    w.dir = 0;
                    w.repeat_lo = false;
                } else {
                    w.dir = 1;
                    if let Some(o) = osfac {
                        *o = 1.0;
                    }
                }
            }
            w.pos += w.dir;
        };
        for _ in 0..hlen {
            for tap in (0..=lstap).rev() {
                dst[out(li)] = low(tap, ls);
                li += 1;
            }
            step_start(&mut ls, None);
            lstap = 1;
            for tap in (0..=hstap).rev() {
                let v = high(tap, hs, osfac, ofhre);
                dst[out(hi_k)] += v;
                hi_k += 1;
            }
            step_start(&mut hs, Some(&mut osfac));
            hstap = 1;
        }
        let lend = match (da_ev, lotap == 1) {
            (true, true) => 1,
            (true, false) => 0,
            (false, true) => 2,
            (false, false) => 1,
        };
        let mut tap = 1isize;
        while tap >= lend {
            dst[out(li)] = low(tap as usize, ls);
            li += 1;
            tap -= 1;
        }
        let hend = if da_ev {
            if hsz == 2 {
                hs.pos -= hs.dir;
                fhre = 1;
            }
            if hotap == 1 {
                1
            } else {
                0
            }
        } else if hotap == 1 {
            2
        } else {
            1
        };
        let mut tap = 1isize;
        while tap >= hend {
            let f = if hsz != 2 { ofhre } else { fhre };
            let v = high(tap as usize, hs, osfac, f);
            dst[out(hi_k)] += v;
            hi_k += 1;
            tap -= 1;
        }
    }
}

/// Inverse transform in place: `data` holds the subbands on entry and pixels (centred and
/// scaled) on return.
pub(super) fn reconstruct(data: &mut [f32], width: usize, w: &[WNode; 20], lo: &[f32], hi: &[f32]) {
    let mut tmp = vec![0.0f32; data.len()];
    for node in w.iter().rev() {
        let base = node.y * width + node.x;
        if node.lenx == 0 || node.leny == 0 {
            continue;
        }
        join_lets(
            &mut tmp,
            Lines {
                off: 0,
                pitch: 1,
                stride: width,
            },
            data,
            Lines {
                off: base,
                pitch: 1,
                stride: width,
            },
            node.lenx,
            node.leny,
            hi,
            lo,
            node.inv_cl,
        );
        join_lets(
            data,
            Lines {
                off: base,
                pitch: width,
                stride: 1,
            },
            &tmp,
            Lines {
                off: 0,
                pitch: width,
                stride: 1,
            },
            node.leny,
            node.lenx,
            hi,
            lo,
            node.inv_rw,
        );
    }
}
