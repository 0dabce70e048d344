//! macOS: the login session's dictionary carries `CGSSessionScreenIsLocked` while the
//! screen is locked (and lacks it otherwise).

use core_foundation::base::TCFType;
use core_foundation::boolean::CFBoolean;
use core_foundation::dictionary::{CFDictionary, CFDictionaryRef};
use core_foundation::string::CFString;

use super::LockSource;

#[link(name = "CoreGraphics", kind = "framework")]
unsafe extern "C" {
    fn CGSessionCopyCurrentDictionary() -> CFDictionaryRef;
}

pub struct SessionLock;

impl LockSource for SessionLock {
    fn read(&mut self) -> Option<bool> {
        // SAFETY: the function follows the Copy rule: we own the returned dictionary,
        // which wrap_under_create_rule releases; it returns null outside a GUI session.
        let dict = unsafe {
            let raw = CGSessionCopyCurrentDictionary();
            if raw.is_null() {
                return None;
            }
            CFDictionary::<CFString, CFBoolean>::wrap_under_create_rule(raw)
        };
        let key = CFString::from_static_string("CGSSessionScreenIsLocked");
        Some(dict.find(&key).is_some_and(|v| bool::from(v.clone())))
    }
}
