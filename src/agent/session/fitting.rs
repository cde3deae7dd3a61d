//! Making a conversation fit the model's context before a request, and `/compact`: the one
//! wording of what was done, whichever face asked.

use crate::agent::Conversation;
use crate::agent::context::{self, CompactError, Fitted, KEEP_TURNS, UsageMark};
use crate::aicore::{ChatTarget, Client, Freshness};

/// What fitting did, as said to the user; `None` when the conversation already fit.
pub(super) async fn fit(
    client: &Client,
    target: &ChatTarget,
    conversation: &mut Conversation,
    mark: Option<UsageMark>,
    context_length: Option<u64>,
) -> Result<Option<String>, CompactError> {
    let context_length = match context_length {
        Some(length) => Some(length),
        None => catalog_context_length(client, target).await,
    };
    let fitted = context::fit(client, target.clone(), conversation, mark, context_length).await?;
    Ok(match fitted {
        Fitted::AlreadyFits => None,
        Fitted::ShortenedToolOutputs { dropped_chars } => Some(format!(
            "shortened old tool outputs by {dropped_chars} characters to fit the context"
        )),
        Fitted::Compacted { replaced_messages } => Some(format!(
            "replaced {replaced_messages} older messages with a summary to fit the context"
        )),
    })
}

/// The model's context length from the catalog (`None` when it says none or cannot be read:
/// the request then goes out as it is).
async fn catalog_context_length(client: &Client, target: &ChatTarget) -> Option<u64> {
    let models = client.models(Freshness::Cached).await.ok()?;
    let model = models.data.into_iter().find(|m| m.name == target.model())?;
    model.context_length
}

/// `/compact`: a summary in place of the turns before the last `KEEP_TURNS`; the number of
/// messages it replaced.
pub(super) async fn compact(
    client: &Client,
    target: &ChatTarget,
    conversation: &mut Conversation,
) -> Result<usize, CompactError> {
    context::compact(client, target.clone(), conversation, KEEP_TURNS).await
}
