//! Fault switches: what the simulator should break, parsed from a comma-separated spec.
//!
//! Counters (`429=N`, `503=N`, `lm-503=N`, `reject-token=N`) are consumed by the request
//! handlers through the `take_*` methods; stream faults are read by `stream`.

use std::time::Duration;

/// Every fault name `Faults::parse` knows, for its error message.
const KNOWN: &str = "token-ttl=SECS, reject-token=N, auth-fail, 429=N, retry-after=SECS, 503=N, \
     html-errors, stall-after=K, cut-after=K, error-after=K, bad-chunk-after=K, slow=MS, lm-503=N, \
     python-repr, hold-stream=N, huge-tool-args=MIB, huge-thinking=MIB";

/// Fault switches of a running simulator. `Default` means "behave".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Faults {
    /// `token-ttl=SECS`: lifetime of tokens issued from now on.
    pub token_ttl: Option<Duration>,
    /// `reject-token=N`: the next N bearer-authenticated requests get 401 `Jwt is expired`.
    pub reject_token: u32,
    /// `auth-fail`: the token endpoint answers 401 `invalid_client` for everyone.
    pub auth_fail: bool,
    /// `429=N`: the next N chat requests get 429 with `Retry-After`.
    pub http_429: u32,
    /// `retry-after=SECS`: the `Retry-After` of those 429s (default 1).
    pub retry_after: Option<u64>,
    /// `503=N`: the next N chat requests get 503.
    pub http_503: u32,
    /// `html-errors`: 429/503 bodies are an HTML proxy page instead of JSON.
    pub html_errors: bool,
    /// `stall-after=K`: after K content chunks the stream goes silent but stays open.
    pub stall_after: Option<u32>,
    /// `cut-after=K`: after K content chunks the connection is dropped without `[DONE]`.
    pub cut_after: Option<u32>,
    /// `error-after=K`: after K content chunks an in-stream error event, then the end.
    pub error_after: Option<u32>,
    /// `bad-chunk-after=K`: after K content chunks one `data: {not json` event, then the rest.
    pub bad_chunk_after: Option<u32>,
    /// `slow=MS`: delay between stream chunks.
    pub slow: Option<Duration>,
    /// `lm-503=N`: the next N `/v2/lm/*` calls get 503.
    pub lm_503: u32,
    /// `python-repr`: Bedrock converse-stream payloads are Python `ascii()` reprs of the
    /// events instead of JSON (single quotes, `True`/`False`/`None`, `\xNN`/`\uNNNN`/`\UNNNNNNNN`).
    pub python_repr: bool,
    /// `hold-stream=N`: the Nth chat stream from now stops before its finishing events until
    /// `POST /_sim/release` (or [`crate::sim::SimServer::release`]): a test's explicit "now".
    pub hold_stream: Option<u32>,
    /// `huge-tool-args=MIB`: a streamed tool call's arguments start with MIB MiB of spaces
    /// (JSON whitespace, so the call stays valid), sent lazily 64 KiB a chunk: a server
    /// flooding the client with arguments.
    pub huge_tool_args: Option<u64>,
    /// `huge-thinking=MIB`: Claude on Bedrock, asked to think, first streams MIB MiB of
    /// thinking text, 64 KiB a chunk: a server flooding the client with thinking.
    pub huge_thinking: Option<u64>,
}

impl Faults {
    /// Parses `a,b=1,...`; an empty spec means no faults. Errors name the bad item.
    pub fn parse(spec: &str) -> Result<Faults, String> {
        let mut faults = Faults::default();
        for item in spec
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            let (name, value) = match item.split_once('=') {
                Some((name, value)) => (name.trim(), Some(value.trim())),
                None => (item, None),
            };
            let number = || parse_number(name, value);
            match name {
                "token-ttl" => faults.token_ttl = Some(Duration::from_secs(number()?)),
                "reject-token" => faults.reject_token = count(number()?),
                "auth-fail" => faults.auth_fail = flag(name, value)?,
                "429" => faults.http_429 = count(number()?),
                "retry-after" => faults.retry_after = Some(number()?),
                "503" => faults.http_503 = count(number()?),
                "html-errors" => faults.html_errors = flag(name, value)?,
                "stall-after" => faults.stall_after = Some(count(number()?)),
                "cut-after" => faults.cut_after = Some(count(number()?)),
                "error-after" => faults.error_after = Some(count(number()?)),
                "bad-chunk-after" => faults.bad_chunk_after = Some(count(number()?)),
                "slow" => faults.slow = Some(Duration::from_millis(number()?)),
                "lm-503" => faults.lm_503 = count(number()?),
                "python-repr" => faults.python_repr = flag(name, value)?,
                "hold-stream" => faults.hold_stream = Some(count(number()?).max(1)),
                "huge-tool-args" => faults.huge_tool_args = Some(number()?),
                "huge-thinking" => faults.huge_thinking = Some(number()?),
                unknown => {
                    return Err(format!(
                        "unknown fault '{unknown}': known faults are {KNOWN}"
                    ));
                }
            }
        }
        Ok(faults)
    }

    /// `Retry-After` seconds for simulated 429s.
    pub fn retry_after_secs(&self) -> u64 {
        self.retry_after.unwrap_or(1)
    }

    /// Consumes one `reject-token` if any is left.
    pub(crate) fn take_reject_token(&mut self) -> bool {
        take(&mut self.reject_token)
    }

    /// Consumes one `429` if any is left.
    pub(crate) fn take_429(&mut self) -> bool {
        take(&mut self.http_429)
    }

    /// Consumes one `503` if any is left.
    pub(crate) fn take_503(&mut self) -> bool {
        take(&mut self.http_503)
    }

    /// Consumes one `lm-503` if any is left.
    /// Counts one stream start against `hold-stream=N`; `true` for the Nth.
    pub(crate) fn take_hold(&mut self) -> bool {
        match self.hold_stream {
            Some(1) => {
                self.hold_stream = None;
                true
            }
            Some(n) => {
                self.hold_stream = Some(n - 1);
                false
            }
            None => false,
        }
    }

    pub(crate) fn take_lm_503(&mut self) -> bool {
        take(&mut self.lm_503)
    }
}

fn take(counter: &mut u32) -> bool {
    if *counter == 0 {
        return false;
    }
    *counter -= 1;
    true
}

fn count(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

fn parse_number(name: &str, value: Option<&str>) -> Result<u64, String> {
    value
        .and_then(|value| value.parse::<u64>().ok())
        .ok_or_else(|| format!("fault '{name}' needs a number"))
}

fn flag(name: &str, value: Option<&str>) -> Result<bool, String> {
    match value {
        None => Ok(true),
        Some(_) => Err(format!("fault '{name}' takes no value")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_fault() {
        let faults = Faults::parse(
            "token-ttl=5, reject-token=2,auth-fail,429=3,retry-after=7,503=1,html-errors,\
             stall-after=4,cut-after=5,error-after=6,bad-chunk-after=1,slow=20,lm-503=2,python-repr,hold-stream=2,\
             huge-tool-args=300,huge-thinking=50",
        )
        .unwrap();
        assert_eq!(
            faults,
            Faults {
                token_ttl: Some(Duration::from_secs(5)),
                reject_token: 2,
                auth_fail: true,
                http_429: 3,
                retry_after: Some(7),
                http_503: 1,
                html_errors: true,
                stall_after: Some(4),
                cut_after: Some(5),
                error_after: Some(6),
                bad_chunk_after: Some(1),
                slow: Some(Duration::from_millis(20)),
                lm_503: 2,
                python_repr: true,
                hold_stream: Some(2),
                huge_tool_args: Some(300),
                huge_thinking: Some(50),
            }
        );
    }

    #[test]
    fn empty_spec_is_no_faults() {
        assert_eq!(Faults::parse("").unwrap(), Faults::default());
        assert_eq!(Faults::parse(" , ").unwrap(), Faults::default());
        assert_eq!(Faults::default().retry_after_secs(), 1);
    }

    #[test]
    fn errors_name_the_bad_item() {
        let unknown = Faults::parse("429=1,x").unwrap_err();
        assert!(
            unknown.starts_with("unknown fault 'x': known faults are "),
            "{unknown}"
        );
        assert!(unknown.contains("bad-chunk-after=K"), "{unknown}");
        assert_eq!(
            Faults::parse("429").unwrap_err(),
            "fault '429' needs a number"
        );
        assert_eq!(
            Faults::parse("slow=fast").unwrap_err(),
            "fault 'slow' needs a number"
        );
        assert_eq!(
            Faults::parse("auth-fail=1").unwrap_err(),
            "fault 'auth-fail' takes no value"
        );
    }

    #[test]
    fn counters_run_down() {
        let mut faults = Faults::parse("429=2").unwrap();
        assert!(faults.take_429());
        assert!(faults.take_429());
        assert!(!faults.take_429());
    }
}
