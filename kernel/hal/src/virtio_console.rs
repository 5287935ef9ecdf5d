//! Output-only legacy virtio consoles (QEMU's `virtio-serial-pci,disable-modern=on`
//! with a `virtconsole` on port 0): a byte stream to the host many kilobytes a
//! request, where a 16550 costs the host one write(2) a byte. `cargo xtask exec`
//! gives two, for init's standard output and error.
//!
//! Legacy interface (virtio 0.9.5): registers in BAR0's I/O space, one virtqueue a
//! direction in the legacy layout (descriptors, then the available ring, then the used
//! ring at the next page), the queue's page number written to the device. Without
//! the multiport feature, port 0's transmit queue is queue 1. Requests are one at a
//! time and waited for: QEMU consumes them while handling the notification.

use crate::layout::KERNEL_BASE;
use crate::pci;
use crate::port::{inw, outb, outl, outw};
use core::sync::atomic::{Ordering, fence};
use spin::Mutex;

const VENDOR: u16 = 0x1af4;
/// The transitional console's device ID.
const DEVICE: u16 = 0x1003;

const REG_GUEST_FEATURES: u16 = 0x04;
const REG_QUEUE_PFN: u16 = 0x08;
const REG_QUEUE_SIZE: u16 = 0x0c;
const REG_QUEUE_SELECT: u16 = 0x0e;
const REG_QUEUE_NOTIFY: u16 = 0x10;
const REG_STATUS: u16 = 0x12;
const STATUS_ACKNOWLEDGE: u8 = 1;
const STATUS_DRIVER: u8 = 2;
const STATUS_DRIVER_OK: u8 = 4;
/// Port 0's transmit queue.
const TRANSMIT_QUEUE: u16 = 1;
/// Interrupts are not wanted: every request is waited for.
const AVAIL_NO_INTERRUPT: u16 = 1;

const PAGE: usize = 4096;
/// The largest queue whose rings fit in [`RING_BYTES`].
const MAX_QUEUE: usize = 256;
/// Descriptors (16 each), the available ring, then the used ring a page on: three
/// pages for 256 entries.
const RING_BYTES: usize = 3 * PAGE;
/// The most one request carries.
pub const REQUEST_BYTES: usize = 32 * 1024;
/// How long to wait for a request before giving the console up (QEMU takes it while
/// the notification is handled, so this is only against a device that never does).
const SPINS: u32 = 50_000_000;
/// Consoles kept.
pub const MAX_CONSOLES: usize = 2;

/// A console's rings and data buffer: physically contiguous, being in the kernel image.
#[repr(C, align(4096))]
struct Memory {
    rings: [u8; RING_BYTES],
    buffer: [u8; REQUEST_BYTES],
}

struct Console {
    io: u16,
    size: usize,
    /// Where the used ring starts in `rings`.
    used: usize,
    /// Requests made (the available ring's index).
    made: u16,
    memory: &'static mut Memory,
}

const fn no_memory() -> Mutex<Memory> {
    Mutex::new(Memory {
        rings: [0; RING_BYTES],
        buffer: [0; REQUEST_BYTES],
    })
}
static MEMORY: [Mutex<Memory>; MAX_CONSOLES] = [no_memory(), no_memory()];
static CONSOLES: Mutex<[Option<Console>; MAX_CONSOLES]> = Mutex::new([None, None]);

/// The physical address of kernel-image memory.
fn physical<T>(at: &T) -> u64 {
    at as *const T as u64 - KERNEL_BASE
}

fn put_u16(bytes: &mut [u8], at: usize, value: u16) {
    bytes[at..at + 2].copy_from_slice(&value.to_le_bytes());
}

impl Console {
    /// Sets up the function's transmit queue; None when the device does not take it.
    fn open(function: pci::Function, memory: &'static mut Memory) -> Option<Console> {
        let io = function.enable_io_bar0()?;
        outb(io + REG_STATUS, 0);
        outb(io + REG_STATUS, STATUS_ACKNOWLEDGE);
        outb(io + REG_STATUS, STATUS_ACKNOWLEDGE | STATUS_DRIVER);
        // No features: one port, no interrupts asked for.
        outl(io + REG_GUEST_FEATURES, 0);
        outw(io + REG_QUEUE_SELECT, TRANSMIT_QUEUE);
        let size = usize::from(inw(io + REG_QUEUE_SIZE));
        if size == 0 || size > MAX_QUEUE {
            outb(io + REG_STATUS, 0);
            return None;
        }
        let used = (16 * size + 6 + 2 * size).next_multiple_of(PAGE);
        memory.rings.fill(0);
        put_u16(&mut memory.rings, 16 * size, AVAIL_NO_INTERRUPT);
        let pfn = physical(&memory.rings) / PAGE as u64;
        outl(io + REG_QUEUE_PFN, u32::try_from(pfn).ok()?);
        outb(
            io + REG_STATUS,
            STATUS_ACKNOWLEDGE | STATUS_DRIVER | STATUS_DRIVER_OK,
        );
        Some(Console {
            io,
            size,
            used,
            made: 0,
            memory,
        })
    }

    fn used_index(&self) -> u16 {
        let at = &self.memory.rings[self.used + 2] as *const u8 as *const u16;
        // SAFETY: `at` is the used ring's index, inside `rings` and 2-aligned (the
        // ring starts on a page); the device writes it, so it is read afresh each time.
        unsafe { core::ptr::read_volatile(at) }
    }

    /// Sends `bytes` (at most [`REQUEST_BYTES`]) and waits for the device to take
    /// them; false if it never does.
    fn send(&mut self, bytes: &[u8]) -> bool {
        let len = bytes.len();
        self.memory.buffer[..len].copy_from_slice(bytes);
        let buffer = physical(&self.memory.buffer);
        let rings = &mut self.memory.rings;
        // Descriptor 0: the buffer, device-readable, alone.
        rings[0..8].copy_from_slice(&buffer.to_le_bytes());
        rings[8..12].copy_from_slice(&(len as u32).to_le_bytes());
        rings[12..16].fill(0);
        let avail = 16 * self.size;
        let slot = usize::from(self.made) % self.size;
        put_u16(rings, avail + 4 + 2 * slot, 0);
        self.made = self.made.wrapping_add(1);
        // The descriptor and its ring entry before the index that shows them.
        fence(Ordering::SeqCst);
        put_u16(rings, avail + 2, self.made);
        fence(Ordering::SeqCst);
        outw(self.io + REG_QUEUE_NOTIFY, TRANSMIT_QUEUE);
        for _ in 0..SPINS {
            if self.used_index() == self.made {
                return true;
            }
            core::hint::spin_loop();
        }
        false
    }
}

/// Finds and sets up the machine's virtio consoles, in slot order; how many there are.
pub fn open_all() -> usize {
    let mut consoles = CONSOLES.lock();
    let mut count = 0;
    for function in pci::find(VENDOR, DEVICE).take(MAX_CONSOLES) {
        let Some(memory) = MEMORY[count].try_lock() else {
            break;
        };
        let memory = spin::MutexGuard::leak(memory);
        match Console::open(function, memory) {
            Some(console) => {
                consoles[count] = Some(console);
                count += 1;
            }
            None => break,
        }
    }
    count
}

/// Sends `bytes` to console `index` (of [`open_all`]'s); false if it is not there or
/// stopped taking them.
pub fn write(index: usize, bytes: &[u8]) -> bool {
    let mut consoles = CONSOLES.lock();
    let Some(console) = consoles.get_mut(index).and_then(Option::as_mut) else {
        return false;
    };
    for piece in bytes.chunks(REQUEST_BYTES) {
        if !console.send(piece) {
            consoles[index] = None;
            return false;
        }
    }
    true
}
