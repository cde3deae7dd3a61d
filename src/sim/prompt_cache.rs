//! The simulated tenant's prompt cache, so a test (and the demo) can see caching work: a
//! request whose prompt repeats a prefix an earlier request ended at a cache boundary reports
//! that prefix as cache reads. Claude caches explicitly, up to the last breakpoint the request
//! marks (Converse `cachePoint`, orchestration `cache_control`), reads any earlier entry found
//! up to 20 blocks before a breakpoint, and reports the rest up to the last one as a write; OpenAI and Gemini cache on their own at every message boundary and report
//! reads only. As with the providers, a prefix under `MIN_CACHEABLE_TOKENS` is never cached.
//! Tokens are the simulator's usual estimate (`answer::tokens`), counting tool definitions and
//! the system prompt too, since the service bills them as prompt.

use std::collections::HashSet;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Mutex;

use serde_json::{Value, json};

use super::answer::{content_text, tokens};

/// Anthropic's minimum for Sonnet and Opus, and OpenAI's for automatic caching.
pub(crate) const MIN_CACHEABLE_TOKENS: u64 = 1024;

/// How far before a breakpoint Claude checks for an earlier cache entry (Anthropic documents
/// about 20 content blocks), so a breakpoint that moved on still reads the previous one.
const LOOKBACK_BLOCKS: usize = 20;

/// How the model caches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Caching {
    /// Only at the breakpoints the request marks (Claude).
    Explicit,
    /// At every message boundary, on its own (OpenAI, Gemini).
    Automatic,
    /// Not at all (the other families).
    Off,
}

/// One part of the prompt in order: a tool definition, a system block, a message.
pub(crate) struct Segment {
    key: String,
    tokens: u64,
    breakpoint: bool,
}

/// What a prompt counts: all of it, and the parts read from and written to the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counted {
    pub(crate) prompt: u64,
    pub(crate) read: u64,
    pub(crate) write: u64,
}

impl Counted {
    /// The prompt tokens neither read from nor written to the cache (Converse `inputTokens`).
    pub(crate) fn uncached(&self) -> u64 {
        self.prompt.saturating_sub(self.read + self.write)
    }
}

/// Prefix hashes seen at cache boundaries, for the simulator's lifetime.
#[derive(Default)]
pub(crate) struct PromptCache {
    prefixes: Mutex<HashSet<u64>>,
}

impl PromptCache {
    /// Counts `segments` and remembers their cacheable prefixes for the next request.
    pub(crate) fn count(&self, segments: &[Segment], caching: Caching) -> Counted {
        let mut hasher = DefaultHasher::new();
        let mut prompt = 0;
        // Per prefix, whether a cache entry ending there may be read.
        let mut readable_at = Vec::with_capacity(segments.len());
        let mut next_point = None;
        for (index, segment) in segments.iter().enumerate().rev() {
            if segment.breakpoint {
                next_point = Some(index);
            }
            // Claude looks for earlier cache entries up to LOOKBACK_BLOCKS before a breakpoint.
            let readable = match caching {
                Caching::Explicit => next_point.is_some_and(|p| p - index <= LOOKBACK_BLOCKS),
                Caching::Automatic => true,
                Caching::Off => false,
            };
            readable_at.push(readable);
        }
        readable_at.reverse();
        // Per cacheable prefix: (hash, tokens, whether it is stored, whether it may be read).
        let mut counted = Vec::with_capacity(segments.len());
        for (segment, readable) in segments.iter().zip(readable_at) {
            segment.key.hash(&mut hasher);
            prompt += segment.tokens;
            let stored = match caching {
                Caching::Explicit => segment.breakpoint,
                Caching::Automatic => true,
                Caching::Off => false,
            };
            if prompt >= MIN_CACHEABLE_TOKENS {
                counted.push((hasher.finish(), prompt, stored, readable));
            }
        }
        let mut seen = self
            .prefixes
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let read = counted
            .iter()
            .filter(|(hash, _, _, readable)| *readable && seen.contains(hash))
            .map(|(_, tokens, _, _)| *tokens)
            .max()
            .unwrap_or(0);
        let last_stored = counted.iter().rev().find(|(_, _, stored, _)| *stored);
        let write = match (caching, last_stored) {
            (Caching::Explicit, Some((_, last, _, _))) => last.saturating_sub(read),
            _ => 0,
        };
        seen.extend(
            counted
                .iter()
                .filter(|(_, _, stored, _)| *stored)
                .map(|(hash, _, _, _)| *hash),
        );
        Counted {
            prompt: prompt.max(1),
            read,
            write,
        }
    }
}

impl Segment {
    fn new(key: &Value, text: &str, breakpoint: bool) -> Segment {
        Segment {
            key: key.to_string(),
            tokens: tokens(text),
            breakpoint,
        }
    }

    /// A chat message (OpenAI shape): its text plus a few tokens, as `answer::prompt_tokens`
    /// counts it, and its tool calls.
    /// Keyed by what it says, not how: a marked and an unmarked copy are the same prefix.
    fn message(message: &Value, breakpoint: bool) -> Segment {
        let mut text = content_text(&message["content"]);
        if let Some(calls) = message.get("tool_calls") {
            text.push_str(&calls.to_string());
        }
        let key = json!([message["role"], text, message["tool_call_id"]]);
        Segment {
            tokens: tokens(&text) + 4,
            ..Segment::new(&key, "", breakpoint)
        }
    }

    /// A tool definition, counted and keyed without its `cache_control`.
    fn tool(tool: &Value) -> Segment {
        let mut unmarked = tool.clone();
        if let Some(fields) = unmarked.as_object_mut() {
            fields.remove("cache_control");
        }
        Segment::new(&unmarked, &unmarked.to_string(), has_cache_control(tool))
    }
}

fn has_cache_control(message: &Value) -> bool {
    message.get("cache_control").is_some()
        || message["content"]
            .as_array()
            .is_some_and(|items| items.iter().any(|i| i.get("cache_control").is_some()))
}

/// OpenAI-shaped tools and messages (Azure OpenAI, orchestration); `cache_control` on a tool
/// or a message's content item marks a breakpoint after it.
pub(crate) fn openai_segments(tools: Option<&Value>, messages: &[Value]) -> Vec<Segment> {
    let tools = tools.and_then(Value::as_array).into_iter().flatten();
    tools
        .map(Segment::tool)
        .chain(
            messages
                .iter()
                .map(|m| Segment::message(m, has_cache_control(m))),
        )
        .collect()
}

fn is_cache_point(block: &Value) -> bool {
    block.get("cachePoint").is_some()
}

/// Converse blocks in order; a `cachePoint` block marks a breakpoint after the one before it.
fn converse_blocks<'a>(
    out: &mut Vec<Segment>,
    blocks: impl Iterator<Item = &'a Value>,
    text: fn(&Value) -> String,
) {
    for block in blocks {
        if is_cache_point(block) {
            if let Some(last) = out.last_mut() {
                last.breakpoint = true;
            }
        } else {
            out.push(Segment::new(block, &text(block), false));
        }
    }
}

/// What a Converse content block says: text, a tool call's input, a tool result's text.
fn converse_text(block: &Value) -> String {
    if let Some(text) = block["text"].as_str() {
        return text.to_owned();
    }
    if let Some(call) = block.get("toolUse") {
        return format!("{}{}", call["name"], call["input"]);
    }
    content_text(&block["toolResult"]["content"])
}

/// A Converse body: tools, then system blocks, then each message's blocks.
pub(crate) fn converse_segments(body: &Value) -> Vec<Segment> {
    let mut out = Vec::new();
    let list = |v: &Value| v.as_array().cloned().unwrap_or_default();
    converse_blocks(&mut out, list(&body["toolConfig"]["tools"]).iter(), |t| {
        t.to_string()
    });
    converse_blocks(&mut out, list(&body["system"]).iter(), converse_text);
    for message in list(&body["messages"]) {
        out.push(Segment::new(&message["role"], "", false));
        converse_blocks(&mut out, list(&message["content"]).iter(), converse_text);
        if let Some(last) = out.last_mut() {
            last.tokens += 4;
        }
    }
    out
}

/// A Gemini body: tools, the system instruction, then each content.
pub(crate) fn gemini_segments(body: &Value) -> Vec<Segment> {
    let parts_text = |content: &Value| content["parts"].to_string();
    let mut out: Vec<Segment> = [&body["tools"], &body["systemInstruction"]]
        .into_iter()
        .filter(|v| !v.is_null())
        .map(|v| Segment::new(v, &v.to_string(), false))
        .collect();
    let contents = body["contents"].as_array().into_iter().flatten();
    out.extend(contents.map(|c| Segment {
        tokens: tokens(&parts_text(c)) + 4,
        ..Segment::new(c, "", false)
    }));
    out
}

/// How the simulated model named `provider` caches.
pub(crate) fn caching_of(provider: &str) -> Caching {
    match provider {
        "Anthropic" => Caching::Explicit,
        "OpenAI" | "Google" => Caching::Automatic,
        _ => Caching::Off,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn long(n: usize) -> String {
        "word ".repeat(n)
    }

    fn converse(question: &str, points: bool) -> Value {
        let point = json!({"cachePoint": {"type": "default"}});
        let mut system = vec![json!({"text": long(1000)})];
        let mut user = vec![json!({"text": question})];
        if points {
            system.push(point.clone());
            user.push(point);
        }
        json!({"system": system, "messages": [{"role": "user", "content": user}]})
    }

    #[test]
    fn claude_writes_then_reads_up_to_its_breakpoints() {
        let cache = PromptCache::default();
        let first = cache.count(&converse_segments(&converse("hi", true)), Caching::Explicit);
        assert_eq!(first.read, 0);
        assert_eq!(
            first.write, first.prompt,
            "everything up to the last point is written"
        );
        let again = cache.count(&converse_segments(&converse("hi", true)), Caching::Explicit);
        assert_eq!((again.read, again.write), (first.prompt, 0));
        assert_eq!(again.prompt, first.prompt);
        // A new question reads the system prefix and writes only its own message.
        let other = cache.count(
            &converse_segments(&converse("why?", true)),
            Caching::Explicit,
        );
        assert_eq!(other.read, tokens(&long(1000)));
        assert_eq!(other.read + other.write, other.prompt);
    }

    #[test]
    fn a_moved_breakpoint_reads_the_previous_entry_within_twenty_blocks() {
        let system = json!({"role": "system", "content": long(1000)});
        let turns = |n: usize| -> Vec<Value> {
            let mut messages = vec![system.clone()];
            messages.extend((0..n).map(|i| json!({"role": "user", "content": format!("q{i}")})));
            messages
        };
        let marked_last = |messages: &[Value]| -> Vec<Segment> {
            let last = messages.len() - 1;
            messages
                .iter()
                .enumerate()
                .map(|(i, m)| Segment::message(m, i == last))
                .collect()
        };
        let cache = PromptCache::default();
        let first = cache.count(&marked_last(&turns(1)), Caching::Explicit);
        assert_eq!((first.read, first.write), (0, first.prompt));
        let near = cache.count(&marked_last(&turns(3)), Caching::Explicit);
        assert_eq!(
            near.read, first.prompt,
            "found two blocks before the new breakpoint"
        );
        let fresh = PromptCache::default();
        fresh.count(&marked_last(&turns(1)), Caching::Explicit);
        let far = fresh.count(&marked_last(&turns(23)), Caching::Explicit);
        assert_eq!(far.read, 0, "22 blocks back is beyond the lookback");
    }

    #[test]
    fn without_breakpoints_nothing_is_cached_and_the_prompt_is_the_same() {
        let cache = PromptCache::default();
        let with = PromptCache::default()
            .count(&converse_segments(&converse("hi", true)), Caching::Explicit);
        for _ in 0..2 {
            let counted = cache.count(
                &converse_segments(&converse("hi", false)),
                Caching::Explicit,
            );
            assert_eq!((counted.read, counted.write), (0, 0));
            assert_eq!(counted.prompt, with.prompt);
            assert_eq!(counted.uncached(), counted.prompt);
        }
    }

    #[test]
    fn automatic_caching_reads_a_repeated_prefix_and_never_a_short_one() {
        let cache = PromptCache::default();
        let system = json!({"role": "system", "content": long(1000)});
        let user = |q: &str| json!({"role": "user", "content": q});
        let first = cache.count(
            &openai_segments(None, &[system.clone(), user("a")]),
            Caching::Automatic,
        );
        assert_eq!((first.read, first.write), (0, 0));
        let second = cache.count(
            &openai_segments(None, &[system, user("b")]),
            Caching::Automatic,
        );
        assert_eq!(second.read, tokens(&long(1000)) + 4);
        let short = [json!({"role": "system", "content": "brief"}), user("a")];
        cache.count(&openai_segments(None, &short), Caching::Automatic);
        assert_eq!(
            cache
                .count(&openai_segments(None, &short), Caching::Automatic)
                .read,
            0
        );
        let off = PromptCache::default();
        let big = [json!({"role": "system", "content": long(2000)})];
        off.count(&openai_segments(None, &big), Caching::Off);
        assert_eq!(
            off.count(&openai_segments(None, &big), Caching::Off),
            Counted {
                prompt: tokens(&long(2000)) + 4,
                read: 0,
                write: 0
            }
        );
    }

    #[test]
    fn cache_control_marks_openai_shaped_breakpoints() {
        let tools = json!([{"type": "function", "function": {"name": "read", "description": long(1200)},
            "cache_control": {"type": "ephemeral"}}]);
        let cache = PromptCache::default();
        let messages = [json!({"role": "user", "content": "q"})];
        let first = cache.count(&openai_segments(Some(&tools), &messages), Caching::Explicit);
        assert!(first.write > 0 && first.write < first.prompt);
        let second = cache.count(&openai_segments(Some(&tools), &messages), Caching::Explicit);
        assert_eq!((second.read, second.write), (first.write, 0));
    }

    #[test]
    fn gemini_counts_tools_system_and_contents() {
        let body = json!({"systemInstruction": {"parts": [{"text": long(1200)}]},
            "contents": [{"role": "user", "parts": [{"text": "q"}]}]});
        let cache = PromptCache::default();
        let first = cache.count(&gemini_segments(&body), Caching::Automatic);
        assert!(first.prompt > tokens(&long(1200)));
        let second = cache.count(&gemini_segments(&body), Caching::Automatic);
        assert_eq!(second.read, first.prompt);
        assert_eq!(caching_of("Google"), Caching::Automatic);
        assert_eq!(caching_of("Anthropic"), Caching::Explicit);
        assert_eq!(caching_of("Mistral AI"), Caching::Off);
    }
}
