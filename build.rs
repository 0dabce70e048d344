//! Windows builds carry the player's icon and version inside the .exe, so Explorer,
//! the task bar and "Open with" show it. Other systems need nothing here.

fn main() {
    println!("cargo:rerun-if-changed=assets/icon/makapix-player.ico");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return;
    }
    let mut res = winresource::WindowsResource::new();
    res.set_icon("assets/icon/makapix-player.ico")
        .set("ProductName", "Makapix Player")
        .set("FileDescription", "Makapix Player");
    // A missing resource compiler (rc.exe or MinGW's windres) stops the build with its
    // own message; an .exe without its icon would look broken to every user.
    if let Err(e) = res.compile() {
        panic!("could not embed the Windows icon and version: {e}");
    }
}
