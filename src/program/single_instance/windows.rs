//! Windows: the pipe admits this user alone (a DACL naming the user's SID, in
//! place of the default that lets everyone read), and a launch checks that the
//! pipe's server runs as this user before it sends anything: another user
//! could create a pipe of the same name first.
//!
//! Compile-checked by the MinGW cross build (scripts/build-msi.sh); not run here.

use std::io;

use interprocess::local_socket::{ListenerOptions, Stream};
use interprocess::os::windows::local_socket::ListenerOptionsExt as _;
use interprocess::os::windows::security_descriptor::SecurityDescriptor;
use windows_sys::Win32::Foundation::{CloseHandle, HANDLE, LocalFree};
use windows_sys::Win32::Security::Authorization::ConvertSidToStringSidW;
use windows_sys::Win32::Security::{
    EqualSid, GetTokenInformation, TOKEN_QUERY, TOKEN_USER, TokenUser,
};
use windows_sys::Win32::System::Threading::{
    GetCurrentProcess, OpenProcess, OpenProcessToken, PROCESS_QUERY_LIMITED_INFORMATION,
};

/// `options` with a DACL that grants this user, and no one else, the pipe.
pub(super) fn only_this_user(options: ListenerOptions<'_>) -> io::Result<ListenerOptions<'_>> {
    // SAFETY: the pseudo-handle of this process needs no closing.
    let me = unsafe { user_of(GetCurrentProcess())? };
    let sid = sid_string(&me)?;
    // Protected (P): no inherited entries; GA: all access, for this SID only.
    let sddl = widestring::U16CString::from_str(format!("D:P(A;;GA;;;{sid})"))
        .map_err(io::Error::other)?;
    let descriptor = SecurityDescriptor::deserialize(&sddl)?;
    Ok(options.security_descriptor(descriptor))
}

/// Whether the process at the other end of `stream` runs as this user.
pub(super) fn same_user(stream: &Stream) -> bool {
    use interprocess::local_socket::traits::StreamCommon as _;
    let peer = match stream.peer_creds().map(|c| c.pid()) {
        Ok(Some(pid)) => pid,
        Ok(None) => return false,
        Err(e) => {
            tracing::warn!("the player's local pipe cannot tell who is on the other end: {e}");
            return false;
        }
    };
    // SAFETY: plain Win32 calls on handles this function opens and closes.
    unsafe {
        let Ok(me) = user_of(GetCurrentProcess()) else {
            return false;
        };
        let process = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, 0, peer);
        if process.is_null() {
            return false;
        }
        let them = user_of(process);
        CloseHandle(process);
        match them {
            Ok(them) => EqualSid(sid_of(&me), sid_of(&them)) != 0,
            Err(_) => false,
        }
    }
}

/// The `TOKEN_USER` of `process`, in a buffer aligned for it.
///
/// # Safety
/// `process` must be a valid process handle with query rights.
unsafe fn user_of(process: HANDLE) -> io::Result<Vec<u64>> {
    let mut token: HANDLE = std::ptr::null_mut();
    // SAFETY: `token` receives a handle closed below.
    if unsafe { OpenProcessToken(process, TOKEN_QUERY, &mut token) } == 0 {
        return Err(io::Error::last_os_error());
    }
    let mut needed = 0u32;
    // SAFETY: a size query: no buffer is written.
    unsafe { GetTokenInformation(token, TokenUser, std::ptr::null_mut(), 0, &mut needed) };
    let mut buffer = vec![0u64; (needed as usize).div_ceil(8).max(1)];
    let size = (buffer.len() * 8) as u32;
    // SAFETY: `buffer` holds `size` writable bytes, aligned for TOKEN_USER.
    let ok = unsafe {
        GetTokenInformation(
            token,
            TokenUser,
            buffer.as_mut_ptr().cast(),
            size,
            &mut needed,
        )
    };
    let result = if ok == 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(buffer)
    };
    // SAFETY: `token` was opened above.
    unsafe { CloseHandle(token) };
    result
}

/// The SID inside a `TOKEN_USER` buffer from `user_of`.
fn sid_of(user: &[u64]) -> *mut core::ffi::c_void {
    // SAFETY: `user_of` filled the buffer with a TOKEN_USER.
    unsafe { (*user.as_ptr().cast::<TOKEN_USER>()).User.Sid }
}

fn sid_string(user: &[u64]) -> io::Result<String> {
    let mut text: *mut u16 = std::ptr::null_mut();
    // SAFETY: the SID is valid while `user` lives; `text` is freed with LocalFree.
    unsafe {
        if ConvertSidToStringSidW(sid_of(user), &mut text) == 0 {
            return Err(io::Error::last_os_error());
        }
        let sid = widestring::U16CStr::from_ptr_str(text).to_string_lossy();
        LocalFree(text.cast());
        Ok(sid)
    }
}
