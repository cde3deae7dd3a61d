//! An attached image in every dialect's request body: where it goes and that its bytes are
//! the file's, base64 as each API documents.

use serde_json::{Value, json};

use super::{Foundation, foundation_request, orchestration_request};
use crate::aicore::image::{Image, samples};
use crate::aicore::{ChatRequest, Deployment, Message, Role};

fn image() -> Image {
    Image::from_bytes(samples::png(2, 3)).unwrap()
}

fn request() -> ChatRequest {
    let mut question = Message::new(Role::User, "what is in it?");
    question.images = vec![image()];
    ChatRequest {
        messages: vec![
            Message::new(Role::System, "be terse"),
            question,
            Message::new(Role::Assistant, "a png"),
            Message::new(Role::User, "and now?"),
        ],
        ..ChatRequest::default()
    }
}

fn foundation(executable: &str, model: &str) -> Value {
    let req = request();
    let at = Foundation {
        base: "https://h/d1",
        model,
        req: &req,
        stream: true,
    };
    foundation_request(executable, &at).unwrap().body
}

#[test]
fn openai_sends_an_image_url_part_with_a_data_url() {
    let body = foundation("azure-openai", "gpt-4o");
    assert_eq!(
        body["messages"][1],
        json!({"role": "user", "content": [
            {"type": "text", "text": "what is in it?"},
            {"type": "image_url", "image_url": {"url": image().data_url()}},
        ]})
    );
    assert!(
        image()
            .data_url()
            .starts_with("data:image/png;base64,iVBORw0KGgo")
    );
    // Messages without images stay plain strings.
    assert_eq!(
        body["messages"][3],
        json!({"role": "user", "content": "and now?"})
    );
}

#[test]
fn bedrock_sends_an_image_block_with_base64_bytes() {
    let body = foundation("aws-bedrock", "anthropic--claude-4.5-sonnet");
    assert_eq!(
        body["messages"][0]["content"],
        json!([
            {"text": "what is in it?"},
            {"image": {"format": "png", "source": {"bytes": image().base64()}}},
        ])
    );
}

#[test]
fn gemini_sends_inline_data() {
    let body = foundation("gcp-vertexai", "gemini-2.5-pro");
    assert_eq!(
        body["contents"][0]["parts"],
        json!([
            {"text": "what is in it?"},
            {"inlineData": {"mimeType": "image/png", "data": image().base64()}},
        ])
    );
}

fn orchestration(req: &ChatRequest) -> Value {
    let deployment = Deployment {
        id: "d9".into(),
        scenario_id: "orchestration".into(),
        executable_id: Some("orchestration".into()),
        configuration_name: None,
        model_name: None,
        model_version: None,
        status: "RUNNING".into(),
        target_status: None,
        url: Some("https://h/v2/inference/deployments/d9".into()),
        created_at: None,
        modified_at: None,
        start_time: None,
    };
    orchestration_request(&deployment, "gpt-4o", req, false, false, "https://h/v2")
        .unwrap()
        .body
}

#[test]
fn orchestration_puts_images_in_content_items_of_history_and_template() {
    let parts = json!([
        {"type": "text", "text": "what is in it?"},
        {"type": "image_url", "image_url": {"url": image().data_url()}},
    ]);
    let body = orchestration(&request());
    assert_eq!(body["messages_history"][1]["content"], parts);
    // The question with an image: the placeholder and the image side by side, the text
    // still a placeholder value, never template text.
    let mut req = request();
    req.messages.truncate(2);
    let body = orchestration(&req);
    let template = &body["config"]["modules"]["prompt_templating"]["prompt"]["template"];
    assert_eq!(
        template[0]["content"],
        json!([
            {"type": "text", "text": "{{?input}}"},
            {"type": "image_url", "image_url": {"url": image().data_url()}},
        ])
    );
    assert_eq!(body["placeholder_values"]["input"], "what is in it?");
}
