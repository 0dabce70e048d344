//! DDP (Distributed Display Protocol, 3waylabs), as WLED receives it: a
//! 10-byte header then RGB bytes, at most 480 pixels a packet; the last packet
//! of a frame carries the push flag, which shows the frame.

/// Pixels per packet: 1440 bytes keeps each packet within one Ethernet frame.
pub(crate) const PIXELS_PER_PACKET: usize = 480;
pub(crate) const HEADER_LEN: usize = 10;

/// Version 1 (bits 7–6 = 01).
const VERSION_1: u8 = 0x40;
/// "Show the frame now".
pub(crate) const PUSH: u8 = 0x01;
/// RGB, 8 bits a channel (WLED's `DDP_TYPE_RGB24`).
const TYPE_RGB24: u8 = 0x0B;
/// The display itself (id 1).
const DESTINATION_DISPLAY: u8 = 1;

/// One frame's packets: `rgb` is every LED in wire order, 3 bytes each.
/// `sequence` (1–15) lets a receiver drop stale packets; 0 would mean "unused".
pub fn packets(rgb: &[u8], sequence: u8) -> Vec<Vec<u8>> {
    let chunk = PIXELS_PER_PACKET * 3;
    let count = rgb.len().div_ceil(chunk).max(1);
    (0..count)
        .map(|i| {
            let start = i * chunk;
            let data = rgb
                .get(start..(start + chunk).min(rgb.len()))
                .unwrap_or(&[]);
            let last = i + 1 == count;
            let mut packet = Vec::with_capacity(HEADER_LEN + data.len());
            packet.push(VERSION_1 | if last { PUSH } else { 0 });
            packet.push(sequence & 0x0F);
            packet.push(TYPE_RGB24);
            packet.push(DESTINATION_DISPLAY);
            packet.extend_from_slice(&(start as u32).to_be_bytes());
            packet.extend_from_slice(&(data.len() as u16).to_be_bytes());
            packet.extend_from_slice(data);
            packet
        })
        .collect()
}

/// The next sequence number: 1 to 15, then 1 again.
pub(crate) fn next_sequence(sequence: u8) -> u8 {
    sequence % 15 + 1
}

/// What a receiver reads from one packet: (offset in bytes, data, push).
pub fn read(packet: &[u8]) -> Option<(usize, &[u8], bool)> {
    let header = packet.get(..HEADER_LEN)?;
    if header[0] & 0xC0 != VERSION_1 {
        return None;
    }
    let offset = u32::from_be_bytes([header[4], header[5], header[6], header[7]]) as usize;
    let len = usize::from(u16::from_be_bytes([header[8], header[9]]));
    let data = packet.get(HEADER_LEN..HEADER_LEN + len)?;
    Some((offset, data, header[0] & PUSH != 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_64_by_64_frame_is_nine_packets_and_only_the_last_pushes() {
        let rgb: Vec<u8> = (0..64 * 64 * 3).map(|i| (i % 251) as u8).collect();
        let packets = packets(&rgb, 3);
        assert_eq!(packets.len(), 9);
        for (i, p) in packets.iter().enumerate() {
            assert_eq!(p[0], if i == 8 { 0x41 } else { 0x40 }, "packet {i}");
            assert_eq!(p[1], 3);
            assert_eq!(p[2], 0x0B);
            assert_eq!(p[3], 1);
            assert_eq!(&p[4..8], &((i * 1440) as u32).to_be_bytes());
        }
        // 4096 pixels: eight full packets and 256 pixels in the last.
        assert_eq!(&packets[0][8..10], &1440u16.to_be_bytes());
        assert_eq!(packets[8].len(), 10 + 256 * 3);
        let mut rebuilt = vec![0; rgb.len()];
        for p in &packets {
            let (offset, data, _) = read(p).unwrap();
            rebuilt[offset..offset + data.len()].copy_from_slice(data);
        }
        assert_eq!(rebuilt, rgb);
    }

    #[test]
    fn sequence_numbers_run_from_1_to_15() {
        assert_eq!(next_sequence(15), 1);
        assert_eq!(next_sequence(0), 1);
        assert_eq!(next_sequence(7), 8);
    }
}
