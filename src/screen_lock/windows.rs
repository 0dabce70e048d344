//! Windows: the session's own flags (`WTSSessionInfoEx`), which say whether the
//! workstation is locked.

use windows_sys::Win32::System::RemoteDesktop::{
    WTS_CURRENT_SERVER_HANDLE, WTS_CURRENT_SESSION, WTS_SESSIONSTATE_LOCK, WTS_SESSIONSTATE_UNLOCK,
    WTSFreeMemory, WTSINFOEXW, WTSQuerySessionInformationW, WTSSessionInfoEx,
};

use super::LockSource;

pub struct SessionLock;

impl LockSource for SessionLock {
    fn read(&mut self) -> Option<bool> {
        let mut buffer = std::ptr::null_mut();
        let mut bytes = 0u32;
        // SAFETY: on success Windows hands back a buffer of `bytes` bytes holding a
        // WTSINFOEXW, which is read once and then freed with WTSFreeMemory as required.
        unsafe {
            let ok = WTSQuerySessionInformationW(
                WTS_CURRENT_SERVER_HANDLE,
                WTS_CURRENT_SESSION,
                WTSSessionInfoEx,
                &mut buffer,
                &mut bytes,
            );
            if ok == 0 || buffer.is_null() {
                return None;
            }
            let info = buffer.cast::<WTSINFOEXW>();
            let flags = (bytes as usize >= std::mem::size_of::<WTSINFOEXW>() && (*info).Level == 1)
                .then(|| (*info).Data.WTSInfoExLevel1.SessionFlags);
            WTSFreeMemory(buffer.cast());
            match flags? {
                f if f == WTS_SESSIONSTATE_LOCK as i32 => Some(true),
                f if f == WTS_SESSIONSTATE_UNLOCK as i32 => Some(false),
                _ => None,
            }
        }
    }
}
