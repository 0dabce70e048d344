//! E1.31 (Streaming ACN, ANSI E1.31-2018) data packets: a root layer, a
//! framing layer and a DMP layer around up to 512 DMX slots. An LED panel
//! takes 170 RGB pixels (510 slots) a universe, in consecutive universes.

pub(crate) const PIXELS_PER_UNIVERSE: usize = 170;
/// Where the DMX data (after the start code) begins.
pub(crate) const DATA_OFFSET: usize = 126;
/// sACN's default priority.
const PRIORITY: u8 = 100;
const ACN_ID: &[u8; 12] = b"ASC-E1.17\0\0\0";
const VECTOR_ROOT_E131_DATA: u32 = 0x0000_0004;
const VECTOR_E131_DATA_PACKET: u32 = 0x0000_0002;
const VECTOR_DMP_SET_PROPERTY: u8 = 0x02;
/// "Flags" nibble of every PDU's length field.
const PDU_FLAGS: u16 = 0x7000;
/// Where the framing layer's options byte is.
const OPTIONS_AT: usize = 112;
/// Options bit 6, Stream_Terminated: the source stops sending this universe.
const STREAM_TERMINATED: u8 = 0x40;

/// Who sends: a fixed component id and a name receivers may show.
#[derive(Clone, Debug)]
pub struct Source {
    pub cid: [u8; 16],
    pub name: String,
}

/// One universe's packet carrying `slots` (at most 512 bytes of DMX data).
pub fn packet(source: &Source, universe: u16, sequence: u8, slots: &[u8]) -> Vec<u8> {
    let slots = &slots[..slots.len().min(512)];
    let total = DATA_OFFSET + slots.len();
    let mut p = Vec::with_capacity(total);
    // Root layer.
    p.extend_from_slice(&0x0010u16.to_be_bytes()); // preamble size
    p.extend_from_slice(&0u16.to_be_bytes()); // post-amble size
    p.extend_from_slice(ACN_ID);
    p.extend_from_slice(&pdu_length(total - 16));
    p.extend_from_slice(&VECTOR_ROOT_E131_DATA.to_be_bytes());
    p.extend_from_slice(&source.cid);
    // Framing layer, from byte 38.
    p.extend_from_slice(&pdu_length(total - 38));
    p.extend_from_slice(&VECTOR_E131_DATA_PACKET.to_be_bytes());
    let mut name = [0u8; 64];
    let bytes = source.name.as_bytes();
    let n = bytes.len().min(63);
    name[..n].copy_from_slice(&bytes[..n]);
    p.extend_from_slice(&name);
    p.push(PRIORITY);
    p.extend_from_slice(&0u16.to_be_bytes()); // synchronisation address: none
    p.push(sequence);
    p.push(0); // options: not preview data, not terminated
    p.extend_from_slice(&universe.to_be_bytes());
    // DMP layer, from byte 115.
    p.extend_from_slice(&pdu_length(total - 115));
    p.push(VECTOR_DMP_SET_PROPERTY);
    p.push(0xA1); // address type and data type
    p.extend_from_slice(&0u16.to_be_bytes()); // first property address
    p.extend_from_slice(&1u16.to_be_bytes()); // address increment
    p.extend_from_slice(&(slots.len() as u16 + 1).to_be_bytes());
    p.push(0); // DMX start code
    p.extend_from_slice(slots);
    p
}

/// One frame's packets: `rgb` is every LED in wire order, 3 bytes each,
/// 510 bytes a universe from `first_universe` on.
pub fn packets(source: &Source, first_universe: u16, sequence: u8, rgb: &[u8]) -> Vec<Vec<u8>> {
    rgb.chunks(PIXELS_PER_UNIVERSE * 3)
        .enumerate()
        .map(|(i, slots)| {
            packet(
                source,
                first_universe.saturating_add(i as u16),
                sequence,
                slots,
            )
        })
        .collect()
}

/// The packets that end a stream: `packets` with Stream_Terminated set. A
/// source sends them three times when it stops, so that receivers let go of
/// the universes at once rather than hold the last frame until their timeout.
pub fn terminating(source: &Source, first_universe: u16, sequence: u8, rgb: &[u8]) -> Vec<Vec<u8>> {
    let mut all = packets(source, first_universe, sequence, rgb);
    for packet in &mut all {
        packet[OPTIONS_AT] |= STREAM_TERMINATED;
    }
    all
}

/// Whether a packet ends its universe's stream (Stream_Terminated).
pub fn is_terminated(packet: &[u8]) -> bool {
    packet
        .get(OPTIONS_AT)
        .is_some_and(|options| options & STREAM_TERMINATED != 0)
}

fn pdu_length(len: usize) -> [u8; 2] {
    (PDU_FLAGS | (len as u16 & 0x0FFF)).to_be_bytes()
}

/// A universe's next sequence number: one more, 255 wrapping to 0 (E1.31
/// §6.7.2). Receivers discard a packet up to 20 behind the last one, so a
/// shorter count (DDP's 1 to 15) would be discarded at each wrap.
pub(crate) fn next_sequence(sequence: u8) -> u8 {
    sequence.wrapping_add(1)
}

/// What a receiver reads from one packet: (universe, sequence, DMX data).
pub fn read(packet: &[u8]) -> Option<(u16, u8, &[u8])> {
    if packet.get(4..16)? != ACN_ID || packet.get(18..22)? != VECTOR_ROOT_E131_DATA.to_be_bytes() {
        return None;
    }
    if packet.get(40..44)? != VECTOR_E131_DATA_PACKET.to_be_bytes() || *packet.get(117)? != 2 {
        return None;
    }
    let sequence = packet[111];
    let universe = u16::from_be_bytes([packet[113], packet[114]]);
    let count = usize::from(u16::from_be_bytes([packet[123], packet[124]]));
    if packet[125] != 0 || count == 0 {
        return None;
    }
    Some((
        universe,
        sequence,
        packet.get(DATA_OFFSET..DATA_OFFSET + count - 1)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source() -> Source {
        Source {
            cid: *b"0123456789abcdef",
            name: "Makapix Player".into(),
        }
    }

    #[test]
    fn a_full_universe_is_the_standard_638_byte_packet() {
        let p = packet(&source(), 7, 42, &[9; 512]);
        assert_eq!(p.len(), 638);
        // Root layer: preamble, ACN id, flags and length (622), vector, CID.
        assert_eq!(&p[0..4], &[0x00, 0x10, 0x00, 0x00]);
        assert_eq!(&p[4..16], b"ASC-E1.17\0\0\0");
        assert_eq!(&p[16..18], &[0x72, 0x6E]);
        assert_eq!(&p[18..22], &[0, 0, 0, 4]);
        assert_eq!(&p[22..38], b"0123456789abcdef");
        // Framing layer: length 600, vector 2, name, priority, sequence, universe.
        assert_eq!(&p[38..40], &[0x72, 0x58]);
        assert_eq!(&p[40..44], &[0, 0, 0, 2]);
        assert_eq!(&p[44..58], b"Makapix Player");
        assert_eq!(p[58], 0);
        assert_eq!(p[108], 100);
        assert_eq!(p[111], 42);
        assert_eq!(&p[113..115], &[0, 7]);
        // DMP layer: length 523, vectors, 513 properties, start code 0.
        assert_eq!(&p[115..117], &[0x72, 0x0B]);
        assert_eq!(&p[117..119], &[0x02, 0xA1]);
        assert_eq!(&p[119..125], &[0, 0, 0, 1, 0x02, 0x01]);
        assert_eq!(p[125], 0);
    }

    #[test]
    fn an_ending_is_the_same_packet_with_stream_terminated_set() {
        let rgb = [7u8; 600];
        let data = packets(&source(), 3, 9, &rgb);
        let ends = terminating(&source(), 3, 9, &rgb);
        assert_eq!(ends.len(), 2);
        for (data, end) in data.iter().zip(&ends) {
            assert!(!is_terminated(data) && is_terminated(end));
            assert_eq!(end[112], 0x40, "options: only Stream_Terminated");
            let mut same = end.clone();
            same[112] = 0;
            assert_eq!(&same, data, "everything else as the data packet");
        }
    }

    #[test]
    fn a_64_by_64_frame_fills_25_consecutive_universes_and_reads_back() {
        let rgb: Vec<u8> = (0..64 * 64 * 3).map(|i| (i % 253) as u8).collect();
        let packets = packets(&source(), 10, 5, &rgb);
        assert_eq!(packets.len(), 25);
        let mut rebuilt = Vec::new();
        for (i, p) in packets.iter().enumerate() {
            let (universe, sequence, data) = read(p).unwrap();
            assert_eq!(universe, 10 + i as u16);
            assert_eq!(sequence, 5);
            assert_eq!(data.len(), if i < 24 { 510 } else { 4096 * 3 - 24 * 510 });
            rebuilt.extend_from_slice(data);
        }
        assert_eq!(rebuilt, rgb);
    }
}
