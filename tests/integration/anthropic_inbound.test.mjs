// The official `@anthropic-ai/sdk` client against the gateway's Anthropic-
// compatible endpoint POST /v1/messages, served by an OpenAI-format model on
// the provider emulator: messages.create (non-stream and stream),
// messages.stream() with finalMessage(), a tool-use round trip, and errors in
// Anthropic's shape. The emulator's request log shows the translation to
// OpenAI's chat format.
import Anthropic from '@anthropic-ai/sdk';
import assert from 'node:assert/strict';
import {after, before, describe, test} from 'node:test';

import {Emulator} from './lib/emulator.mjs';
import {baseConfig, Gateway} from './lib/gateway.mjs';
import {
  anthropicProvider,
  geminiProvider,
  kEmulatorAnswerPrefix,
  kEmulatorToolArgs,
  kProviderKey,
  onlyUpstreamRequest,
  openaiProvider,
} from './lib/providers_helpers.mjs';

let emu;
let gw;
let client;

before(async () => {
  emu = await Emulator.start();
  gw = await Gateway.start(baseConfig(
      {
        oai: openaiProvider(emu),
        gem: geminiProvider(emu),
        oai_rate_limited: openaiProvider(emu, 'status=429,retry_after=3'),
        oai_unavailable: openaiProvider(emu, 'status=503'),
        oai_error_event: openaiProvider(emu, 'error_event=3'),
        anth: anthropicProvider(emu),
      },
      [
        {name: 'gpt-4o', deployments: [{provider: 'oai', model: 'gpt-4o-2024-08-06'}]},
        {name: 'gemini', deployments: [{provider: 'gem', model: 'gemini-2.0-flash'}]},
        {
          name: 'gpt-4o-rate-limited',
          deployments: [{provider: 'oai_rate_limited', model: 'gpt-4o'}]
        },
        {name: 'gpt-4o-unavailable', deployments: [{provider: 'oai_unavailable', model: 'gpt-4o'}]},
        {
          name: 'gpt-4o-midstream-error',
          deployments: [{provider: 'oai_error_event', model: 'gpt-4o'}]
        },
        {name: 'claude', deployments: [{provider: 'anth', model: 'claude-3-5-sonnet-20241022'}]},
      ]));
  client = new Anthropic({baseURL: gw.url, apiKey: 'sk-ant-client', maxRetries: 0, timeout: 10000});
});

after(async () => {
  await gw?.stop();
  await emu?.stop();
});

const kChatPath = /\/v1\/chat\/completions$/;
const kSystem = 'You are a terse assistant.';
const kQuestion = 'Say hello in five words.';
const textRequest = {
  model: 'gpt-4o',
  max_tokens: 256,
  system: kSystem,
  messages: [{role: 'user', content: kQuestion}],
};

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: {
    type: 'object',
    properties: {city: {type: 'string', description: 'City name'}},
    required: ['city'],
  },
};
const toolRequest = {
  model: 'gpt-4o',
  max_tokens: 256,
  tools: [weatherTool],
  tool_choice: {type: 'auto'},
  messages: [{role: 'user', content: 'What is the weather in Paris today?'}],
};

function textOf(message) {
  return message.content.filter((b) => b.type === 'text').map((b) => b.text).join('');
}

function checkTextMessage(msg) {
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  assert.match(msg.id, /^msg_/);
  assert.equal(msg.model, 'gpt-4o', 'the requested model is echoed');
  assert.equal(msg.content.length, 1);
  assert.equal(msg.content[0].type, 'text');
  assert.ok(
      msg.content[0].text.startsWith(`${kEmulatorAnswerPrefix}${kQuestion}`), msg.content[0].text);
  assert.equal(msg.stop_reason, 'end_turn');
  assert.equal(msg.stop_sequence ?? null, null);
  assert.ok(msg.usage.input_tokens > 0);
  assert.equal(msg.usage.output_tokens, 12);
}

describe('messages.create', () => {
  test('non-stream: text, end_turn, usage; the upstream got an OpenAI chat request', async () => {
    await emu.reset();
    const {data: msg, response} = await client.messages.create(textRequest).withResponse();
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type'), /^application\/json/);
    checkTextMessage(msg);

    const rec = await onlyUpstreamRequest(emu, kChatPath);
    assert.equal(rec.headers.authorization, `Bearer ${kProviderKey}`);
    assert.equal(rec.headers['x-api-key'], undefined, 'the client\'s key is not forwarded');
    const b = rec.json;
    assert.equal(b.model, 'gpt-4o-2024-08-06');
    assert.deepEqual(b.messages, [
      {role: 'system', content: kSystem},
      {role: 'user', content: kQuestion},
    ]);
    assert.equal(b.max_tokens ?? b.max_completion_tokens, 256);
    assert.ok(!b.stream);
  });

  test('stream: the raw events come in Anthropic\'s documented order', async () => {
    const ref = await client.messages.create(textRequest);
    await emu.reset();
    const stream = await client.messages.create({...textRequest, stream: true});
    const types = [];
    let text = '';
    let stop = null;
    let outputTokens = null;
    let inputTokens = null;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === 'message_start') {
        assert.equal(ev.message.role, 'assistant');
        assert.match(ev.message.id, /^msg_/);
        assert.deepEqual(ev.message.content, []);
        inputTokens = ev.message.usage.input_tokens;
      }
      if (ev.type === 'content_block_start') assert.equal(ev.content_block.type, 'text');
      if (ev.type === 'content_block_delta') {
        assert.equal(ev.delta.type, 'text_delta');
        text += ev.delta.text;
      }
      if (ev.type === 'message_delta') {
        stop = ev.delta.stop_reason;
        outputTokens = ev.usage.output_tokens;
        if (ev.usage.input_tokens != null) inputTokens = ev.usage.input_tokens;
      }
    }
    const deltas = types.filter((t) => t === 'content_block_delta').length;
    assert.ok(deltas >= 2, `only ${deltas} text deltas`);
    const core = types.filter((t) => t !== 'ping');
    assert.deepEqual(core, [
      'message_start',
      'content_block_start',
      ...Array(deltas).fill('content_block_delta'),
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    assert.equal(text, textOf(ref));
    assert.equal(stop, 'end_turn');
    assert.equal(outputTokens, ref.usage.output_tokens);
    assert.equal(inputTokens, ref.usage.input_tokens);

    const rec = await onlyUpstreamRequest(emu, kChatPath);
    assert.equal(rec.json.stream, true);
  });

  test('messages.stream(): finalMessage() equals the non-stream message', async () => {
    const ref = await client.messages.create(textRequest);
    const stream = client.messages.stream(textRequest);
    let streamedText = '';
    stream.on('text', (t) => {
      streamedText += t;
    });
    const msg = await stream.finalMessage();
    checkTextMessage(msg);
    assert.deepEqual(msg.content, ref.content);
    assert.equal(msg.stop_reason, ref.stop_reason);
    assert.equal(msg.usage.input_tokens, ref.usage.input_tokens);
    assert.equal(msg.usage.output_tokens, ref.usage.output_tokens);
    assert.equal(streamedText, textOf(ref));
  });

  test('max_tokens reached → stop_reason max_tokens', async () => {
    const msg = await client.messages.create({...textRequest, max_tokens: 3});
    assert.equal(msg.stop_reason, 'max_tokens');
    assert.equal(msg.usage.output_tokens, 3);
  });

  test('a Gemini-backed model serves /v1/messages too', async () => {
    const msg = await client.messages.create({...textRequest, model: 'gemini'});
    assert.equal(msg.model, 'gemini');
    assert.ok(textOf(msg).startsWith(kEmulatorAnswerPrefix));
    assert.equal(msg.stop_reason, 'end_turn');
    const final = await client.messages.stream({...textRequest, model: 'gemini'}).finalMessage();
    assert.deepEqual(final.content, msg.content);
  });

  test('an Anthropic-backed model: Anthropic in, OpenAI inside, Anthropic out', async () => {
    await emu.reset();
    const msg = await client.messages.create({...textRequest, model: 'claude'});
    assert.equal(msg.model, 'claude');
    assert.ok(textOf(msg).startsWith(`${kEmulatorAnswerPrefix}${kQuestion}`));
    assert.equal(msg.stop_reason, 'end_turn');
    const up = await onlyUpstreamRequest(emu, /\/v1\/messages$/);
    assert.equal(up.json.model, 'claude-3-5-sonnet-20241022');
    assert.equal(up.json.max_tokens, 256);
    const system = typeof up.json.system === 'string' ? up.json.system :
                                                        up.json.system.map((p) => p.text).join('');
    assert.equal(system, kSystem);
    const final = await client.messages.stream({...toolRequest, model: 'claude'}).finalMessage();
    assert.equal(final.stop_reason, 'tool_use');
    assert.deepEqual(final.content.find((b) => b.type === 'tool_use')?.input, kEmulatorToolArgs);
  });
});

describe('tool use', () => {
  test('round trip: tool_use block back, tool_result in, text out', async () => {
    await emu.reset();
    const first = await client.messages.create(toolRequest);
    assert.equal(first.stop_reason, 'tool_use');
    const uses = first.content.filter((b) => b.type === 'tool_use');
    assert.equal(uses.length, 1);
    const [use] = uses;
    assert.ok(use.id.length > 0);
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, kEmulatorToolArgs);

    const up1 = (await onlyUpstreamRequest(emu, kChatPath)).json;
    assert.deepEqual(up1.tools, [{
                       type: 'function',
                       function: {
                         name: 'get_weather',
                         description: 'Current weather for a city',
                         parameters: weatherTool.input_schema,
                       },
                     }]);
    assert.equal(up1.tool_choice, 'auto');

    await emu.reset();
    const toolResult = 'Sunny, 18 degrees Celsius.';
    const second = await client.messages.create({
      ...toolRequest,
      messages: [
        ...toolRequest.messages,
        {role: 'assistant', content: first.content},
        {
          role: 'user',
          content: [
            {type: 'tool_result', tool_use_id: use.id, content: toolResult},
            {type: 'text', text: 'Summarize that in one sentence.'},
          ],
        },
      ],
    });
    assert.equal(second.stop_reason, 'end_turn');
    assert.ok(textOf(second).startsWith(kEmulatorAnswerPrefix), textOf(second));
    assert.equal(second.content.filter((b) => b.type === 'tool_use').length, 0);

    const up2 = (await onlyUpstreamRequest(emu, kChatPath)).json;
    const roles = up2.messages.map((m) => m.role);
    assert.deepEqual(roles, ['user', 'assistant', 'tool', 'user']);
    const call = up2.messages[1].tool_calls[0];
    assert.equal(call.id, use.id);
    assert.equal(call.type, 'function');
    assert.equal(call.function.name, 'get_weather');
    assert.deepEqual(JSON.parse(call.function.arguments), kEmulatorToolArgs);
    assert.equal(up2.messages[2].tool_call_id, use.id);
    const toolContent = typeof up2.messages[2].content === 'string' ?
        up2.messages[2].content :
        up2.messages[2].content.map((p) => p.text).join('');
    assert.equal(toolContent, toolResult);
  });

  test('tool_choice {type: tool} forces the named function upstream', async () => {
    await emu.reset();
    const msg = await client.messages.create(
        {...toolRequest, tool_choice: {type: 'tool', name: 'get_weather'}});
    assert.equal(msg.stop_reason, 'tool_use');
    const up = (await onlyUpstreamRequest(emu, kChatPath)).json;
    assert.deepEqual(up.tool_choice, {type: 'function', function: {name: 'get_weather'}});
  });

  test('stream: input_json_delta events assemble the tool input', async () => {
    const stream = client.messages.stream(toolRequest);
    const types = [];
    stream.on('streamEvent', (ev) => types.push(ev.type));
    const msg = await stream.finalMessage();
    assert.equal(msg.stop_reason, 'tool_use');
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use, JSON.stringify(msg.content));
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, kEmulatorToolArgs);
    assert.equal(types[0], 'message_start');
    assert.equal(types.at(-1), 'message_stop');
  });
});

describe('errors in Anthropic\'s shape', () => {
  function checkErrorBody(err, type) {
    assert.equal(err.error?.type, 'error', JSON.stringify(err.error));
    assert.equal(err.error.error.type, type);
    assert.equal(typeof err.error.error.message, 'string');
    assert.ok(err.error.error.message.length > 0);
  }

  async function failure(promise) {
    try {
      await promise;
    } catch (e) {
      return e;
    }
    assert.fail('the call must fail');
  }

  test('unknown model → NotFoundError (404 not_found_error)', async () => {
    const err = await failure(client.messages.create({...textRequest, model: 'no-such-model'}));
    assert.ok(err instanceof Anthropic.NotFoundError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(err.status, 404);
    checkErrorBody(err, 'not_found_error');
    assert.match(err.error.error.message, /no-such-model/);
  });

  test('unknown model, stream → NotFoundError before any event', async () => {
    const err = await failure(
        client.messages.stream({...textRequest, model: 'no-such-model'}).finalMessage());
    assert.ok(err instanceof Anthropic.NotFoundError, `got ${err?.constructor?.name}: ${err}`);
    checkErrorBody(err, 'not_found_error');
  });

  test('missing max_tokens → BadRequestError (400 invalid_request_error)', async () => {
    const {max_tokens, ...noMax} = textRequest;
    const err = await failure(client.messages.create(noMax));
    assert.ok(err instanceof Anthropic.BadRequestError, `got ${err?.constructor?.name}: ${err}`);
    checkErrorBody(err, 'invalid_request_error');
    assert.match(err.error.error.message, /max_tokens/);
  });

  test('upstream 429 → RateLimitError with Retry-After', async () => {
    const err =
        await failure(client.messages.create({...textRequest, model: 'gpt-4o-rate-limited'}));
    assert.ok(err instanceof Anthropic.RateLimitError, `got ${err?.constructor?.name}: ${err}`);
    checkErrorBody(err, 'rate_limit_error');
    assert.equal(err.headers.get('retry-after'), '3');
  });

  test('an upstream error mid-stream ends the stream with an error event', async () => {
    const stream = client.messages.stream({...textRequest, model: 'gpt-4o-midstream-error'});
    const types = [];
    stream.on('streamEvent', (ev) => types.push(ev.type));
    const err = await failure(stream.finalMessage());
    assert.ok(err instanceof Anthropic.APIError, `got ${err?.constructor?.name}: ${err}`);
    assert.equal(types[0], 'message_start', 'the stream had started');
    assert.ok(!types.includes('message_stop'), 'no clean end after the failure');
  });

  test('upstream 503 → overloaded_error', async () => {
    const err =
        await failure(client.messages.create({...textRequest, model: 'gpt-4o-unavailable'}));
    assert.ok(err instanceof Anthropic.APIError, `got ${err}`);
    assert.ok(err.status >= 500, `status ${err.status}`);
    checkErrorBody(err, 'overloaded_error');
  });
});
