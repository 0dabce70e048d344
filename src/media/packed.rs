//! Palette indices packed 1, 2 or 4 to a bit field, for frames of few colours
//! whose pixels change too often for run-length coding: 256×256 pixels of 4
//! colours take 16 KiB this way, against 64 KiB as one byte per index.

/// Indices of at most 16 symbols, `8 / bits` to a byte, lowest bits first.
#[derive(Clone, Debug)]
pub(crate) struct Packed {
    bits: u8,
    len: usize,
    data: Box<[u8]>,
}

impl Packed {
    /// Packs `indices`, each below `symbols`; None when `symbols` is over 16
    /// (a byte per index is then as small as packing gets) or an index is out of range.
    pub fn encode(indices: &[u8], symbols: usize) -> Option<Self> {
        let bits: u8 = match symbols {
            0..=2 => 1,
            3..=4 => 2,
            5..=16 => 4,
            _ => return None,
        };
        let per_byte = usize::from(8 / bits);
        let mut data = Vec::with_capacity(indices.len().div_ceil(per_byte));
        for chunk in indices.chunks(per_byte) {
            let mut byte = 0u8;
            for (k, &index) in chunk.iter().enumerate() {
                if usize::from(index) >= symbols {
                    return None;
                }
                byte |= index << (k * usize::from(bits));
            }
            data.push(byte);
        }
        Some(Self {
            bits,
            len: indices.len(),
            data: data.into_boxed_slice(),
        })
    }

    pub fn bytes(&self) -> u64 {
        self.data.len() as u64
    }

    /// Writes the indices over `out` from its start, mapped; an index mapped
    /// to `None` leaves the pixel as it was. Stops at the end of either.
    pub fn apply<P: Copy>(&self, map: impl Fn(u8) -> Option<P>, out: &mut [P]) {
        let per_byte = usize::from(8 / self.bits);
        let mask = (1u8 << self.bits) - 1;
        let end = self.len.min(out.len());
        let out = &mut out[..end];
        for (pixels, &byte) in out.chunks_mut(per_byte).zip(self.data.iter()) {
            let mut byte = byte;
            for slot in pixels {
                if let Some(p) = map(byte & mask) {
                    *slot = p;
                }
                byte >>= self.bits;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_round_trips_with_a_ragged_end() {
        for symbols in [1, 2, 3, 4, 5, 16] {
            let input: Vec<u8> = (0..1001).map(|i| (i * 7 % symbols) as u8).collect();
            let packed = Packed::encode(&input, symbols).unwrap();
            let bits = match symbols {
                1 | 2 => 1,
                3 | 4 => 2,
                _ => 4,
            };
            assert_eq!(packed.bytes(), (1001 * bits as u64).div_ceil(8));
            let mut out = vec![99u8; 1001];
            packed.apply(Some, &mut out);
            assert_eq!(out, input, "{symbols} symbols");
        }
    }

    #[test]
    fn unmapped_indices_keep_the_pixel_and_short_outputs_are_fine() {
        let packed = Packed::encode(&[0, 1, 2, 1, 0], 3).unwrap();
        let mut out = vec![9u8; 4];
        packed.apply(|i| (i != 1).then_some(i * 10), &mut out);
        assert_eq!(out, [0, 9, 20, 9]);
    }

    #[test]
    fn too_many_symbols_or_an_index_out_of_range_is_refused() {
        assert!(Packed::encode(&[0, 1], 17).is_none());
        assert!(Packed::encode(&[0, 4], 4).is_none());
        assert!(Packed::encode(&[], 2).is_some_and(|p| p.bytes() == 0));
    }
}
