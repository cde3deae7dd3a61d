"""The official OpenAI and Anthropic Python SDKs against `sapcode --demo serve`.

Run by tests/serve_sdk.rs with SAPCODE_SERVE_URL (http://127.0.0.1:PORT) and
SAPCODE_SERVE_KEY set. Each SDK streams text and does a tool round, parsing every event with
its own types; a shape the SDK cannot read fails here.
"""

import json
import os
import unittest

import anthropic
import openai

URL = os.environ["SAPCODE_SERVE_URL"]
KEY = os.environ["SAPCODE_SERVE_KEY"]

WEATHER = {
    "name": "get_weather",
    "description": "Current weather of a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}
QUESTION = "What is the weather in Oslo? Use get_weather."


class OpenAISdk(unittest.TestCase):
    def setUp(self):
        self.client = openai.OpenAI(base_url=URL + "/v1", api_key=KEY, max_retries=0)

    def test_models_list(self):
        ids = [m.id for m in self.client.models.list()]
        self.assertIn("gpt-4o", ids)

    def test_streams_text_with_usage(self):
        stream = self.client.chat.completions.create(
            model="gpt-4o",
            messages=[{"role": "user", "content": "hello"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        text, usage, finish = "", None, None
        for chunk in stream:
            if chunk.usage:
                usage = chunk.usage
            for choice in chunk.choices:
                text += choice.delta.content or ""
                finish = choice.finish_reason or finish
        self.assertIn("**gpt-4o** (simulated)", text)
        self.assertEqual(finish, "stop")
        self.assertGreater(usage.completion_tokens, 0)

    def test_tool_round(self):
        tools = [{"type": "function", "function": WEATHER}]
        messages = [{"role": "user", "content": QUESTION}]
        # The SDK's own stream helper assembles the call from the chunks.
        with self.client.chat.completions.stream(
            model="gpt-4o", messages=messages, tools=tools
        ) as stream:
            for _ in stream:
                pass
            first = stream.get_final_completion()
        choice = first.choices[0]
        self.assertEqual(choice.finish_reason, "tool_calls")
        call = choice.message.tool_calls[0]
        self.assertEqual(call.function.name, "get_weather")
        self.assertIsInstance(json.loads(call.function.arguments), dict)
        messages.append(choice.message.model_dump(exclude_none=True))
        messages.append({"role": "tool", "tool_call_id": call.id, "content": "sunny, 21 C"})
        second = self.client.chat.completions.create(
            model="gpt-4o", messages=messages, tools=tools
        )
        self.assertIn("sunny, 21 C", second.choices[0].message.content)
        self.assertGreater(second.usage.total_tokens, 0)

    def test_unknown_model_is_not_found(self):
        with self.assertRaises(openai.NotFoundError) as caught:
            self.client.chat.completions.create(
                model="gpt-9", messages=[{"role": "user", "content": "hi"}]
            )
        self.assertIn("gpt-9", str(caught.exception))

    def test_wrong_key_is_refused(self):
        client = openai.OpenAI(base_url=URL + "/v1", api_key="wrong", max_retries=0)
        with self.assertRaises(openai.AuthenticationError):
            client.models.list()


class AnthropicSdk(unittest.TestCase):
    def setUp(self):
        self.client = anthropic.Anthropic(base_url=URL, api_key=KEY, max_retries=0)

    def test_streams_text(self):
        with self.client.messages.stream(
            model="claude-sonnet-4-5-20250929",
            max_tokens=1024,
            system=[{"type": "text", "text": "Be terse."}],
            messages=[{"role": "user", "content": "hello"}],
        ) as stream:
            text = "".join(stream.text_stream)
            final = stream.get_final_message()
        self.assertIn("anthropic--claude-4.5-sonnet", text)
        self.assertEqual(final.stop_reason, "end_turn")
        self.assertGreater(final.usage.output_tokens, 0)

    def test_tool_round(self):
        tools = [
            {
                "name": WEATHER["name"],
                "description": WEATHER["description"],
                "input_schema": WEATHER["parameters"],
            }
        ]
        messages = [{"role": "user", "content": QUESTION}]
        with self.client.messages.stream(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools, messages=messages
        ) as stream:
            first = stream.get_final_message()
        self.assertEqual(first.stop_reason, "tool_use")
        use = next(block for block in first.content if block.type == "tool_use")
        self.assertEqual(use.name, "get_weather")
        self.assertIsInstance(use.input, dict)
        messages.append({"role": "assistant", "content": first.content})
        messages.append(
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": use.id, "content": "sunny, 21 C"}
                ],
            }
        )
        second = self.client.messages.create(
            model="claude-sonnet-4-5", max_tokens=1024, tools=tools, messages=messages
        )
        self.assertEqual(second.stop_reason, "end_turn")
        self.assertIn("sunny, 21 C", second.content[0].text)

    def test_count_tokens(self):
        counted = self.client.messages.count_tokens(
            model="claude-sonnet-4-5", messages=[{"role": "user", "content": "hello " * 100}]
        )
        self.assertGreater(counted.input_tokens, 100)

    def test_unknown_model_is_not_found(self):
        with self.assertRaises(anthropic.NotFoundError) as caught:
            self.client.messages.create(
                model="claude-opus-9-9",
                max_tokens=10,
                messages=[{"role": "user", "content": "hi"}],
            )
        self.assertIn("unknown model", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
