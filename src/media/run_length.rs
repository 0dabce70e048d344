//! Run-length coding for frame pixels: literal stretches and repeats, each
//! announced by one control byte, so values of any size (palette indices or
//! whole RGBA pixels) share one codec. Never more than 1/128 over the input.

/// Runs shorter than this stay literal: a repeat costs a control byte too.
const MIN_RUN: usize = 3;
/// Control bytes below this start `c + 1` literal values; from it up, one value repeated.
const REPEAT: u8 = 128;
const MAX_LITERAL: usize = REPEAT as usize;
const MAX_RUN: usize = (u8::MAX - REPEAT) as usize + MIN_RUN;

/// Values with run-length coding: `control` says how to read `values`.
#[derive(Clone, Debug)]
pub struct Runs<T> {
    control: Box<[u8]>,
    values: Box<[T]>,
}

impl<T: Copy + PartialEq> Runs<T> {
    /// Codes `input`, using `control` and `values` as scratch space between calls.
    pub fn encode(input: &[T], control: &mut Vec<u8>, values: &mut Vec<T>) -> Self {
        control.clear();
        values.clear();
        let mut literal_start = 0;
        let mut at = 0;
        while let Some(&value) = input.get(at) {
            let run = input[at..]
                .iter()
                .take(MAX_RUN)
                .take_while(|v| **v == value)
                .count();
            if run >= MIN_RUN {
                push_literals(&input[literal_start..at], control, values);
                // run <= MAX_RUN, so the count fits in the byte.
                control.push(REPEAT + (run - MIN_RUN) as u8);
                values.push(value);
                literal_start = at + run;
            }
            at += run;
        }
        push_literals(&input[literal_start..], control, values);
        // Exact-size copies: the kept bytes are what the budget counts.
        Self {
            control: control.as_slice().into(),
            values: values.as_slice().into(),
        }
    }

    /// Writes the decoded values over `out` from its start, mapped; a value
    /// mapped to `None` leaves the pixel as it was. Stops quietly at the end
    /// of `out` or of malformed data (which only a bug here could produce)
    /// rather than panicking mid-paint.
    pub fn apply<P: Copy>(&self, map: impl Fn(T) -> Option<P>, out: &mut [P]) {
        let mut values = self.values.iter();
        let mut at = 0;
        for &c in self.control.iter() {
            if c < REPEAT {
                for v in values.by_ref().take(usize::from(c) + 1) {
                    if let (Some(p), Some(slot)) = (map(*v), out.get_mut(at)) {
                        *slot = p;
                    }
                    at += 1;
                }
            } else if let Some(v) = values.next() {
                let count = usize::from(c - REPEAT) + MIN_RUN;
                let end = (at + count).min(out.len());
                if let (Some(p), Some(run)) = (map(*v), out.get_mut(at.min(end)..end)) {
                    run.fill(p);
                }
                at += count;
            }
        }
    }

    pub fn bytes(&self) -> u64 {
        (self.control.len() + std::mem::size_of_val(&*self.values)) as u64
    }
}

fn push_literals<T: Copy>(literals: &[T], control: &mut Vec<u8>, values: &mut Vec<T>) {
    for chunk in literals.chunks(MAX_LITERAL) {
        // 1 ≤ chunk.len() ≤ 128.
        control.push((chunk.len() - 1) as u8);
        values.extend_from_slice(chunk);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_every_length_round_trip() {
        // Lengths around the literal/repeat limits and the byte-sized counts.
        for len in [1, 2, 3, 4, 127, 128, 129, 130, 131, 260, 400] {
            let mut input: Vec<u8> = vec![7; len];
            input.extend((0..len).map(|i| (i % 251) as u8));
            input.extend(vec![9; len]);
            let runs = Runs::encode(&input, &mut Vec::new(), &mut Vec::new());
            let mut out = vec![0; input.len()];
            runs.apply(Some, &mut out);
            assert_eq!(out, input, "length {len}");
        }
        let empty = Runs::<u8>::encode(&[], &mut Vec::new(), &mut Vec::new());
        assert_eq!(empty.bytes(), 0);
    }
}
