//! The agent session's events in the chat: text joins the open answer, tool calls become
//! lines under it, an edit or command opens the review area, the session's record of the
//! turn joins the conversation, and `done` / `error` close the answer.

use crate::agent::SessionEvent;
use crate::tui::event::{Effect, ErrorView};
use crate::tui::state::{AppState, EntryEnd, ToolResult, Turn};

pub(super) fn on_event(state: &mut AppState, turn: u64, event: SessionEvent) -> Vec<Effect> {
    match event {
        SessionEvent::Retrying {
            attempt, reason, ..
        } => {
            if let Turn::Streaming { waiting, .. } = &mut state.chat.turn {
                *waiting = Some(format!("{reason}; retry {attempt}"));
            }
        }
        SessionEvent::Delta { text } => super::chat::delta(state, &text),
        SessionEvent::Usage {
            turn,
            last_request,
            cost_usd,
        } => {
            let stats = &mut state.chat.stats;
            stats.last_cost = cost_usd;
            if let Some(cost) = cost_usd {
                *stats.total_cost.get_or_insert(0.0) += cost;
            }
            if let Some((model, _)) = &stats.last_target {
                let spend = stats.by_model.entry(model.clone()).or_default();
                spend.usage += turn;
                spend.turns += 1;
                if let Some(cost) = cost_usd {
                    *spend.cost.get_or_insert(0.0) += cost;
                }
            }
            state.chat.stats.last_usage = Some(turn);
            state.chat.stats.last_request = Some(last_request);
            state.chat.stats.total_usage += turn;
        }
        // Pieces of a call the model sent with tools off are not run: nothing to show.
        SessionEvent::ToolCall {
            id: Some(id),
            name: Some(name),
            arguments,
            ..
        } if state.chat.level != crate::agent::ToolLevel::Off => {
            let call = crate::agent::outcome::describe_call(&name, &arguments);
            super::tools::started(state, id, &name, call);
        }
        SessionEvent::ToolCall { .. } => {}
        SessionEvent::ToolResult {
            id,
            ok,
            summary,
            bytes,
            edit,
            ..
        } => super::tools::finished(
            state,
            &id,
            ToolResult {
                summary,
                bytes,
                ok,
                edit,
            },
        ),
        SessionEvent::ApprovalNeeded { id, request } => {
            super::tools::approval_needed(state, turn, id, request);
        }
        SessionEvent::Approval { id, approved, by } => {
            super::tools::decided(state, &id, approved, by);
        }
        SessionEvent::CommandOutput { id, text } => super::tools::command_output(state, &id, &text),
        SessionEvent::ToolsRefused { model, reason } => {
            state.notice = Some(format!(
                "{model} does not take tools ({reason}): it answers as plain chat"
            ));
        }
        SessionEvent::Notice { text } => super::conversation::push_notice(state, text),
        SessionEvent::History { messages } => {
            state.chat.conversation.extend(messages);
            if let Turn::Streaming { recorded, .. } = &mut state.chat.turn {
                *recorded = true;
            }
        }
        SessionEvent::ContextFitted { said, messages } => {
            super::conversation::push_notice(state, said);
            *state.chat.conversation.messages_mut() = messages;
            state.chat.context = crate::tui::state::ContextTrack::default();
        }
        SessionEvent::Done { finish_reason } => {
            let effects = super::chat::finish(state, EntryEnd::Finished);
            if finish_reason.as_deref() == Some("length") {
                state.notice = Some(
                    "the answer was cut at the model's token limit: ask it to go on, or for less"
                        .into(),
                );
            }
            return effects;
        }
        SessionEvent::Error { message, hint, .. } => {
            let error = ErrorView::new(message, hint);
            return super::chat::finish(state, EntryEnd::Cut(error));
        }
    }
    Vec::new()
}

#[cfg(test)]
mod tests {
    use crate::agent::SessionEvent;
    use crate::aicore::Usage;
    use crate::tui::event::{ChatUpdate, Effect, Event};
    use crate::tui::test_support::{apply, key, picked, typed};

    fn usage(prompt_tokens: u64, completion_tokens: u64) -> Usage {
        Usage {
            prompt_tokens,
            completion_tokens,
            total_tokens: prompt_tokens + completion_tokens,
            ..Default::default()
        }
    }

    /// A turn of four tool rounds sums 4,000 prompt tokens, but its last request carried
    /// 918: the meter reads the last request (issue 17), the cost line the sum.
    #[test]
    fn the_context_meter_reads_the_last_request_not_the_sum_over_tool_rounds() {
        let mut state = picked(160, 48);
        typed(&mut state, "fix it");
        let effects = key(&mut state, crossterm::event::KeyCode::Enter);
        let Some(Effect::StartTurn { turn, .. }) = effects.last() else {
            panic!("{effects:?}");
        };
        let turn = *turn;
        for update in [
            ChatUpdate::Delta("done".into()),
            SessionEvent::Usage {
                turn: usage(4_000, 200),
                last_request: usage(918, 50),
                cost_usd: None,
            }
            .into(),
            ChatUpdate::Done,
        ] {
            apply(&mut state, Event::Chat { turn, update });
        }
        let mark = state.chat.context.mark.unwrap();
        assert_eq!(mark.usage.total_tokens, 968);
        assert_eq!(mark.messages, state.chat.conversation.messages().len());
        assert_eq!(state.chat.stats.last_usage.unwrap().prompt_tokens, 4_000);
        assert_eq!(state.chat.stats.total_usage.total_tokens, 4_200);
    }

    #[test]
    fn an_answer_cut_at_the_token_limit_is_said() {
        let mut state = picked(160, 48);
        typed(&mut state, "tell me a long story");
        let effects = key(&mut state, crossterm::event::KeyCode::Enter);
        let Some(Effect::StartTurn { turn, .. }) = effects.last() else {
            panic!("{effects:?}");
        };
        let turn = *turn;
        for update in [
            ChatUpdate::Delta("Once upon".into()),
            SessionEvent::Done {
                finish_reason: Some("length".into()),
            }
            .into(),
        ] {
            apply(&mut state, Event::Chat { turn, update });
        }
        let notice = state.notice.clone().unwrap_or_default();
        assert!(
            notice.contains("cut at the model's token limit"),
            "{notice}"
        );
    }
}
