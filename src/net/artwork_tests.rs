//! The fetcher's pure parts: vault URLs and cache file names.

use super::*;

fn post(shard: &str, art_url: Option<&str>) -> MakapixPost {
    MakapixPost {
        post_id: 7,
        title: None,
        storage_key: "abc".into(),
        storage_shard: shard.into(),
        native_format: "gif".into(),
        art_url: art_url.map(str::to_owned),
    }
}

#[test]
fn the_vault_url_uses_the_shard_verbatim_and_art_url_wins() {
    assert_eq!(
        url("https://vault.makapix.club/", &post("8c/4f/2a", None)),
        "https://vault.makapix.club/8c/4f/2a/abc.gif"
    );
    assert_eq!(
        url("https://v", &post("ab/cd", Some("https://cdn/x.gif"))),
        "https://cdn/x.gif"
    );
}

#[test]
fn a_hostile_shard_or_format_makes_one_plain_file_name() {
    let mut p = post("../../etc", None);
    p.native_format = "/../sh".into();
    let name = cache_name(&p);
    assert!(!name.contains('/') && !name.starts_with('.'), "{name}");
    assert!(name.ends_with(".img"), "{name}");
}

#[test]
fn art_url_only_posts_are_cached_under_names_of_their_urls() {
    let only_url = |id, url: &str| MakapixPost {
        post_id: id,
        title: None,
        storage_key: String::new(),
        storage_shard: String::new(),
        native_format: String::new(),
        art_url: Some(url.to_owned()),
    };
    let a = cache_name(&only_url(1, "https://cdn.example/a/one.png"));
    let b = cache_name(&only_url(2, "https://cdn.example/a/two.png"));
    let c = cache_name(&only_url(3, "https://cdn.example/a/two.gif?v=2"));
    assert_ne!(a, b, "two URLs, two files");
    assert_ne!(b, c);
    assert!(a.ends_with(".png") && c.ends_with(".gif"), "{a} {c}");
    assert_eq!(a, cache_name(&only_url(9, "https://cdn.example/a/one.png")));
    let long = format!("https://cdn.example/{}", "x".repeat(400));
    let (l1, l2) = (
        cache_name(&only_url(4, &format!("{long}1.png"))),
        cache_name(&only_url(5, &format!("{long}2.png"))),
    );
    assert_ne!(l1, l2, "long URLs differing at the end");
    assert!(!l1.contains('/') && !l1.starts_with('.'), "{l1}");
}
