//! The simulated model's answer to a compaction request (sapcode's `/compact`, or any
//! client asking to summarise a `<conversation>`): the questions asked and the tools used,
//! read from the transcript in the request, so the summary is about that conversation.

use super::answer::Reply;

/// A summary when `question` asks for one of a quoted conversation, else `None`.
pub(crate) fn reply(model: &str, question: &str) -> Option<Reply> {
    let lowered = question.to_lowercase();
    let asks = lowered.contains("<conversation>")
        && (lowered.contains("summarise") || lowered.contains("summarize"));
    if !asks {
        return None;
    }
    let transcript = question
        .split_once("<conversation>")
        .and_then(|(_, rest)| rest.split_once("</conversation>"))
        .map_or("", |(inside, _)| inside);
    let mut lines = Vec::new();
    let mut tools: Vec<&str> = Vec::new();
    for block in transcript.split("\n[") {
        let block = block.trim_start_matches('[');
        if let Some(text) = block.strip_prefix("user]\n") {
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
            let short: String = first.chars().take(100).collect();
            lines.push(format!("- The user asked: {short}"));
        }
        for line in block.lines() {
            if let Some(call) = line.strip_prefix("(called ") {
                let name = call.split_whitespace().next().unwrap_or("");
                if !name.is_empty() && !tools.contains(&name) {
                    tools.push(name);
                }
            }
        }
    }
    if lines.is_empty() {
        lines.push("- No questions yet.".into());
    }
    if !tools.is_empty() {
        lines.push(format!("- Tools used: {}.", tools.join(", ")));
    }
    lines.push(format!(
        "- Open: nothing pending. (summary by **{model}**, simulated)"
    ));
    Some(Reply::Text(lines.join("\n")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summarises_the_quoted_questions_and_tools() {
        let question = "<conversation>\n[user]\nwhy does it fail?\n\n[assistant]\n\n(called read_file {\"path\":\"a\"})\n\n[tool result]\nx\n\n[user]\nfix it\n\n</conversation>\n\nSummarise the conversation above.";
        let Some(Reply::Text(text)) = reply("gpt-4o", question) else {
            panic!("expected a summary");
        };
        assert_eq!(
            text,
            "- The user asked: why does it fail?\n- The user asked: fix it\n- Tools used: read_file.\n- Open: nothing pending. (summary by **gpt-4o**, simulated)"
        );
        assert_eq!(reply("gpt-4o", "summarise this please"), None);
    }
}
