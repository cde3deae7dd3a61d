//! Server-Sent Events framing (WHATWG HTML §9.2.6): bytes → the `data` of each event, in
//! one pass over each byte, whatever the chunking. Lines end in LF, CR or CRLF (a CRLF may be
//! split across chunks); `data:` fields join with LF; comments and the other fields (`event`,
//! `id`, `retry`) are not needed by any dialect and are skipped. One event may not exceed
//! `max_event` bytes, so a server streaming an endless line is stopped early instead of
//! being held in memory. What the data means is left to `sse.rs`.

const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Why the framing stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FramingError {
    /// One event (its pending line plus the data so far) grew past the limit.
    TooLarge { limit: usize },
    /// A line was not UTF-8.
    NotUtf8,
}

/// Turns chunks into event data; keeps only the unfinished line and event between chunks.
#[derive(Debug)]
pub struct SseFramer {
    line: Vec<u8>,
    data: String,
    has_data: bool,
    /// The last chunk ended in CR: an LF first in the next chunk belongs to that line end.
    after_cr: bool,
    is_first_line: bool,
    max_event: usize,
}

impl SseFramer {
    pub fn new(max_event: usize) -> SseFramer {
        SseFramer {
            line: Vec::new(),
            data: String::new(),
            has_data: false,
            after_cr: false,
            is_first_line: true,
            max_event,
        }
    }

    /// Appends the data of every event `bytes` completes to `events`.
    pub fn feed(&mut self, bytes: &[u8], events: &mut Vec<String>) -> Result<(), FramingError> {
        let mut rest = bytes;
        while !rest.is_empty() {
            if std::mem::take(&mut self.after_cr) && rest[0] == b'\n' {
                rest = &rest[1..];
                continue;
            }
            match rest.iter().position(|b| matches!(b, b'\n' | b'\r')) {
                Some(end) => {
                    self.extend_line(&rest[..end])?;
                    self.after_cr = rest[end] == b'\r';
                    self.end_line(events)?;
                    rest = &rest[end + 1..];
                }
                None => {
                    self.extend_line(rest)?;
                    rest = &[];
                }
            }
        }
        Ok(())
    }

    /// The body ended cleanly: a last line without its line end and an event without its
    /// blank line still count.
    pub fn finish(&mut self, events: &mut Vec<String>) -> Result<(), FramingError> {
        if !self.line.is_empty() {
            self.end_line(events)?;
        }
        self.dispatch(events);
        Ok(())
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), FramingError> {
        self.line.extend_from_slice(bytes);
        if self.line.len() + self.data.len() > self.max_event {
            return Err(FramingError::TooLarge {
                limit: self.max_event,
            });
        }
        Ok(())
    }

    fn end_line(&mut self, events: &mut Vec<String>) -> Result<(), FramingError> {
        let mut line = std::mem::take(&mut self.line);
        // The spec ignores one byte-order mark at the very start of the stream.
        if std::mem::take(&mut self.is_first_line) && line.starts_with(BOM) {
            line.drain(..BOM.len());
        }
        let line = String::from_utf8(line).map_err(|_| FramingError::NotUtf8)?;
        if line.is_empty() {
            self.dispatch(events);
            return Ok(());
        }
        let (field, value) = match line.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (line.as_str(), ""),
        };
        if field == "data" {
            if self.has_data {
                self.data.push('\n');
            }
            self.data.push_str(value);
            self.has_data = true;
        }
        Ok(())
    }

    fn dispatch(&mut self, events: &mut Vec<String>) {
        if std::mem::take(&mut self.has_data) {
            events.push(std::mem::take(&mut self.data));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn frame(chunks: &[&[u8]]) -> Result<Vec<String>, FramingError> {
        let mut framer = SseFramer::new(1 << 20);
        let mut events = Vec::new();
        for chunk in chunks {
            framer.feed(chunk, &mut events)?;
        }
        framer.finish(&mut events)?;
        Ok(events)
    }

    #[test]
    fn fields_comments_and_line_ends() {
        let body = b"\xEF\xBB\xBF: comment\r\nevent: x\rdata: a\ndata:b\r\n\r\ndata\n\nid: 7\n\ndata: last";
        assert_eq!(frame(&[body]).unwrap(), ["a\nb", "", "last"]);
    }

    #[test]
    fn crlf_split_across_chunks_is_one_line_end() {
        assert_eq!(
            frame(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]).unwrap(),
            ["a\nb"]
        );
    }

    #[test]
    fn an_event_past_the_limit_stops_the_framing() {
        let mut framer = SseFramer::new(16);
        let mut events = Vec::new();
        framer.feed(b"data: short\n\n", &mut events).unwrap();
        let err = framer.feed(&[b'x'; 32], &mut events).unwrap_err();
        assert_eq!(err, FramingError::TooLarge { limit: 16 });
        assert_eq!(events, ["short"]);
        let mut framer = SseFramer::new(16);
        let err = framer
            .feed(b"data: 0123456789\ndata: 0123456789\n", &mut events)
            .unwrap_err();
        assert_eq!(err, FramingError::TooLarge { limit: 16 });
    }

    #[test]
    fn bytes_that_are_not_utf8_are_refused() {
        assert_eq!(frame(&[b"data: \xff\n\n"]), Err(FramingError::NotUtf8));
    }

    proptest! {
        #[test]
        fn any_chunking_gives_the_same_events(
            lines in proptest::collection::vec("(data|event|id|:)?(: ?)?[a-zé€ ]{0,6}", 0..12),
            ends in proptest::collection::vec(0usize..3, 12),
            cuts in proptest::collection::vec(0usize..200, 0..6),
        ) {
            let mut body = Vec::new();
            for (line, end) in lines.iter().zip(&ends) {
                body.extend_from_slice(line.as_bytes());
                body.extend_from_slice([&b"\n"[..], b"\r", b"\r\n"][*end]);
            }
            let whole = frame(&[&body]);
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(body.len())).collect();
            cuts.sort_unstable();
            let mut chunks: Vec<&[u8]> = Vec::new();
            let mut from = 0;
            for cut in cuts.into_iter().chain([body.len()]) {
                chunks.push(&body[from..cut]);
                from = cut;
            }
            prop_assert_eq!(whole, frame(&chunks));
        }
    }
}
