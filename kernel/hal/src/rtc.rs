//! The CMOS real-time clock, read once at boot for the wall-clock time.

use crate::port::{inb, outb};

const CMOS_INDEX: u16 = 0x70;
const CMOS_DATA: u16 = 0x71;

fn read(register: u8) -> u8 {
    // Bit 7 of the index port masks NMIs; keep them enabled.
    outb(CMOS_INDEX, register & 0x7f);
    inb(CMOS_DATA)
}

/// A calendar date and time as the RTC keeps it (UTC by convention on Unix machines).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RtcTime {
    pub year: u32,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

fn snapshot() -> [u8; 7] {
    [
        read(0x00),
        read(0x02),
        read(0x04),
        read(0x07),
        read(0x08),
        read(0x09),
        read(0x32),
    ]
}

/// Reads the RTC, waiting out an update in progress and re-reading until two reads agree.
pub fn read_time() -> RtcTime {
    let mut last = [0xffu8; 7];
    for _ in 0..16 {
        for _ in 0..100_000 {
            if read(0x0a) & 0x80 == 0 {
                break;
            }
            core::hint::spin_loop();
        }
        let now = snapshot();
        if now == last {
            break;
        }
        last = now;
    }
    let status_b = read(0x0b);
    let binary = status_b & 0x04 != 0;
    let hour24 = status_b & 0x02 != 0;
    let decode = |v: u8| -> u32 {
        if binary {
            u32::from(v)
        } else {
            u32::from(v & 0x0f) + u32::from(v >> 4) * 10
        }
    };
    let [sec, min, hour_raw, day, month, year, century] = last;
    let mut hour = decode(hour_raw & 0x7f);
    if !hour24 && hour_raw & 0x80 != 0 {
        hour = (hour % 12) + 12;
    } else if !hour24 && hour == 12 {
        hour = 0;
    }
    let century = match decode(century) {
        c @ 19..=21 => c,
        _ => 20,
    };
    RtcTime {
        year: century * 100 + decode(year),
        month: decode(month),
        day: decode(day),
        hour,
        minute: decode(min),
        second: decode(sec),
    }
}
