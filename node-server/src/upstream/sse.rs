//! An incremental Server-Sent-Events parser (the WHATWG `text/event-stream` format, as far as an
//! OpenAI-compatible stream uses it): bytes go in as they arrive, split anywhere, and complete
//! events come out.
//!
//! Lines end with `\n`, `\r\n` or `\r` (a `\r\n` split across two reads is one line end). `data:`
//! lines of one event are joined with `\n`; an empty line ends the event; lines starting with `:`
//! are comments; other fields (`event:`, `id:`, `retry:`) are ignored. A line is decoded as UTF-8
//! (invalid bytes become U+FFFD) only once it is complete, so a character split across reads is
//! never broken. OpenAI's end marker, the data `[DONE]`, is its own event kind.

/// Bytes one event may hold (its data plus the line being read); more is an error, so an upstream
/// that never ends a line cannot exhaust memory.
pub const MAX_EVENT_BYTES: usize = 1 << 20;

/// A complete event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SseEvent {
    /// An event's data (its `data:` lines joined with `\n`).
    Data(String),
    /// The data `[DONE]`: the stream is over.
    Done,
}

/// An event grew past [`MAX_EVENT_BYTES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("an event of the upstream's stream exceeds {MAX_EVENT_BYTES} bytes")]
pub struct EventTooLarge;

/// Parser state between reads.
#[derive(Debug, Default)]
pub struct SseParser {
    /// The line being read, without its end.
    line: Vec<u8>,
    /// The event's data so far, each `data:` value followed by `\n` (as the standard builds it).
    data: String,
    /// The previous byte was `\r`: a `\n` right after it ends nothing.
    after_cr: bool,
}

impl SseParser {
    /// Takes the next bytes of the stream and returns the events they complete.
    ///
    /// # Errors
    /// [`EventTooLarge`] when an event grows past [`MAX_EVENT_BYTES`].
    pub fn feed(&mut self, bytes: &[u8]) -> Result<Vec<SseEvent>, EventTooLarge> {
        let mut events = Vec::new();
        for &byte in bytes {
            let after_cr = std::mem::replace(&mut self.after_cr, byte == b'\r');
            match byte {
                b'\n' if after_cr => {}
                b'\n' | b'\r' => events.extend(self.end_line()),
                _ => {
                    self.line.push(byte);
                    if self.line.len() + self.data.len() > MAX_EVENT_BYTES {
                        return Err(EventTooLarge);
                    }
                }
            }
        }
        Ok(events)
    }

    /// Interprets the completed line; an empty one dispatches the event.
    fn end_line(&mut self) -> Option<SseEvent> {
        let line = String::from_utf8_lossy(&self.line).into_owned();
        self.line.clear();
        if line.is_empty() {
            return self.dispatch();
        }
        let (field, value) = line
            .split_once(':')
            .map_or((line.as_str(), ""), |(field, value)| {
                (field, value.strip_prefix(' ').unwrap_or(value))
            });
        if field == "data" {
            self.data.push_str(value);
            self.data.push('\n');
        }
        None
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let mut data = std::mem::take(&mut self.data);
        data.pop()?;
        Some(if data == "[DONE]" {
            SseEvent::Done
        } else {
            SseEvent::Data(data)
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn parse_all(bytes: &[u8]) -> Vec<SseEvent> {
        SseParser::default().feed(bytes).unwrap()
    }

    fn data(text: &str) -> SseEvent {
        SseEvent::Data(text.to_owned())
    }

    #[test]
    fn data_lines_comments_and_done() {
        let stream = b": keep-alive\n\ndata: {\"a\":1}\n\nevent: x\nid: 7\ndata:first\ndata:  second\n\ndata: [DONE]\n\n";
        assert_eq!(
            parse_all(stream),
            vec![data("{\"a\":1}"), data("first\n second"), SseEvent::Done]
        );
    }

    #[test]
    fn every_line_ending_works_and_empty_events_are_not_dispatched() {
        let stream = b"data: a\r\n\r\ndata: b\r\rdata: c\n\n\n\nid: 1\n\ndata:\n\n";
        assert_eq!(
            parse_all(stream),
            vec![data("a"), data("b"), data("c"), data("")]
        );
    }

    #[test]
    fn crlf_and_utf8_split_across_reads() {
        let mut parser = SseParser::default();
        let stream = "data: h\u{e9}llo \u{1f980}\r\n\r\n".as_bytes();
        let mut events = Vec::new();
        for byte in stream {
            events.extend(parser.feed(std::slice::from_ref(byte)).unwrap());
        }
        assert_eq!(events, vec![data("h\u{e9}llo \u{1f980}")]);
    }

    #[test]
    fn an_unfinished_event_is_not_dispatched() {
        assert_eq!(parse_all(b"data: partial\n"), Vec::new());
    }

    #[test]
    fn an_endless_line_is_an_error() {
        let mut parser = SseParser::default();
        let chunk = vec![b'x'; 4096];
        let mut fed = 0;
        let result = loop {
            match parser.feed(&chunk) {
                Ok(_) => fed += chunk.len(),
                Err(error) => break error,
            }
        };
        assert_eq!(result, EventTooLarge);
        assert!(fed <= MAX_EVENT_BYTES);
    }

    /// One event written with the given line ending, with an optional comment before it.
    fn write_event(out: &mut Vec<u8>, lines: &[String], ending: &str, comment: bool) {
        if comment {
            out.extend_from_slice(format!(": ping{ending}").as_bytes());
        }
        for line in lines {
            out.extend_from_slice(format!("data: {line}{ending}").as_bytes());
        }
        out.extend_from_slice(ending.as_bytes());
    }

    proptest! {
        #[test]
        fn any_split_gives_the_same_events(
            events in prop::collection::vec(
                (
                    prop::collection::vec("[^\r\n]{0,12}", 1..3),
                    prop::sample::select(vec!["\n", "\r\n", "\r"]),
                    any::<bool>(),
                ),
                0..8,
            ),
            cuts in prop::collection::vec(any::<prop::sample::Index>(), 0..12),
        ) {
            let mut stream = Vec::new();
            let mut expected = Vec::new();
            for (lines, ending, comment) in &events {
                write_event(&mut stream, lines, ending, *comment);
                let joined = lines.join("\n");
                let done = joined == "[DONE]";
                expected.push(if done { SseEvent::Done } else { SseEvent::Data(joined) });
            }
            let mut cuts: Vec<usize> = cuts.iter().map(|i| i.index(stream.len() + 1)).collect();
            cuts.extend([0, stream.len()]);
            cuts.sort_unstable();
            let mut parser = SseParser::default();
            let mut got = Vec::new();
            for window in cuts.windows(2) {
                got.extend(parser.feed(&stream[window[0]..window[1]]).unwrap());
            }
            prop_assert_eq!(&got, &expected);
            prop_assert_eq!(got, parse_all(&stream));
        }
    }
}
