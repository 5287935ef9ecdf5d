//! One page of file data. In the kernel it is a physical frame, so that mmap can map the
//! very page that read and write use (one page cache, two views that always agree); in
//! host unit tests it is a heap buffer.

#[cfg(not(test))]
use crate::error::Error;
use crate::error::Result;

pub const PAGE_SIZE: usize = 4096;

/// A page owned by a file (one reference on its frame, dropped with the page).
#[derive(Debug)]
pub struct Page {
    #[cfg(not(test))]
    phys: u64,
    #[cfg(test)]
    data: crate::sync::Mutex<alloc::boxed::Box<[u8; PAGE_SIZE]>>,
}

/// Pages of file data in the system (tmpfs holds all of it in memory).
#[cfg(not(test))]
static FILE_PAGES: core::sync::atomic::AtomicUsize = core::sync::atomic::AtomicUsize::new(0);
/// The most file data may take, fixed at the first page: half the memory free then, so
/// a full file system leaves the other half to processes and the kernel (ENOSPC past it).
#[cfg(not(test))]
static FILE_PAGE_LIMIT: spin::Once<usize> = spin::Once::new();

#[cfg(not(test))]
impl Page {
    /// A zero-filled page, counted against the file-data limit.
    pub fn zeroed() -> Result<Page> {
        use core::sync::atomic::Ordering;
        let limit = *FILE_PAGE_LIMIT.call_once(|| crate::mm::frame::FRAMES.lock().free_count() / 2);
        if FILE_PAGES.fetch_add(1, Ordering::Relaxed) >= limit {
            FILE_PAGES.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::NoSpace);
        }
        let Some(phys) = crate::mm::frame::alloc() else {
            FILE_PAGES.fetch_sub(1, Ordering::Relaxed);
            return Err(Error::OutOfMemory);
        };
        nymph_hal::paging::zero_frame(phys);
        Ok(Page { phys })
    }

    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        nymph_hal::paging::read_frame(self.phys, offset, buf);
    }

    pub fn write(&self, offset: usize, bytes: &[u8]) {
        nymph_hal::paging::write_frame(self.phys, offset, bytes);
    }

    /// The frame, for mapping it into an address space (which takes its own reference
    /// with `frame::share`).
    pub fn phys(&self) -> u64 {
        self.phys
    }

    /// Whether an address space maps the page (holds a reference besides the file's).
    pub fn mapped(&self) -> bool {
        crate::mm::frame::is_shared(self.phys)
    }
}

#[cfg(not(test))]
impl Drop for Page {
    fn drop(&mut self) {
        FILE_PAGES.fetch_sub(1, core::sync::atomic::Ordering::Relaxed);
        crate::mm::frame::release(self.phys);
    }
}

#[cfg(test)]
impl Page {
    pub fn zeroed() -> Result<Page> {
        Ok(Page {
            data: crate::sync::Mutex::new(alloc::boxed::Box::new([0; PAGE_SIZE])),
        })
    }

    pub fn read(&self, offset: usize, buf: &mut [u8]) {
        buf.copy_from_slice(&self.data.lock()[offset..offset + buf.len()]);
    }

    pub fn write(&self, offset: usize, bytes: &[u8]) {
        self.data.lock()[offset..offset + bytes.len()].copy_from_slice(bytes);
    }

    /// Host tests map nothing.
    pub fn mapped(&self) -> bool {
        false
    }
}
