//! Topic names under `makapix/player/{player_key}/` (protocol section 3).

/// The topics of one player.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Topics {
    base: String,
}

/// What an incoming topic is, for a player's own subscriptions.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<'a> {
    Command,
    /// `response/{request_id}`.
    Response(&'a str),
    ViewAck,
    /// Anything else (not ours, or a topic this version does not know).
    Other,
}

impl Topics {
    pub fn new(player_key: &str) -> Self {
        Self {
            base: format!("makapix/player/{player_key}"),
        }
    }

    fn join(&self, suffix: &str) -> String {
        format!("{}/{suffix}", self.base)
    }

    pub fn command(&self) -> String {
        self.join("command")
    }
    /// The subscription filter for every response.
    pub fn responses(&self) -> String {
        self.join("response/+")
    }
    pub fn response(&self, request_id: &str) -> String {
        self.join(&format!("response/{request_id}"))
    }
    pub(crate) fn view_ack(&self) -> String {
        self.join("view/ack")
    }
    pub fn request(&self, request_id: &str) -> String {
        self.join(&format!("request/{request_id}"))
    }
    pub fn status(&self) -> String {
        self.join("status")
    }
    pub fn view(&self) -> String {
        self.join("view")
    }
    pub fn capabilities(&self) -> String {
        self.join("capabilities")
    }
    pub fn state(&self) -> String {
        self.join("state")
    }
    pub(crate) fn command_ack(&self) -> String {
        self.join("command/ack")
    }

    /// The three filters a player subscribes to after every connect, in order.
    pub fn subscriptions(&self) -> [String; 3] {
        [self.command(), self.responses(), self.view_ack()]
    }

    pub(crate) fn classify<'a>(&self, topic: &'a str) -> Incoming<'a> {
        let Some(rest) = topic
            .strip_prefix(self.base.as_str())
            .and_then(|r| r.strip_prefix('/'))
        else {
            return Incoming::Other;
        };
        match rest {
            "command" => Incoming::Command,
            "view/ack" => Incoming::ViewAck,
            _ => match rest.strip_prefix("response/") {
                Some(id) if !id.is_empty() && !id.contains('/') => Incoming::Response(id),
                _ => Incoming::Other,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "0b8f6c3e-1d2a-4f5b-9c7d-8e9f0a1b2c3d";

    #[test]
    fn names_follow_the_protocol_table() {
        let t = Topics::new(KEY);
        assert_eq!(t.command(), format!("makapix/player/{KEY}/command"));
        assert_eq!(t.responses(), format!("makapix/player/{KEY}/response/+"));
        assert_eq!(t.request("r1"), format!("makapix/player/{KEY}/request/r1"));
        assert_eq!(t.command_ack(), format!("makapix/player/{KEY}/command/ack"));
        assert_eq!(
            t.subscriptions(),
            [t.command(), t.responses(), t.view_ack()]
        );
    }

    #[test]
    fn incoming_topics_are_classified_and_foreign_ones_ignored() {
        let t = Topics::new(KEY);
        assert_eq!(t.classify(&t.command()), Incoming::Command);
        assert_eq!(t.classify(&t.view_ack()), Incoming::ViewAck);
        assert_eq!(t.classify(&t.response("abc")), Incoming::Response("abc"));
        assert_eq!(t.classify(&t.response("a/b")), Incoming::Other);
        assert_eq!(t.classify(&t.response("")), Incoming::Other);
        assert_eq!(
            t.classify("makapix/player/someone-else/command"),
            Incoming::Other
        );
        assert_eq!(
            t.classify(&format!("makapix/player/{KEY}x/command")),
            Incoming::Other
        );
    }
}
