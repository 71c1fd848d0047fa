// Secret redaction for anything that may reach a log line. Pure functions,
// thread-safe.
//
// redact_secrets() replaces, wherever they occur in the text:
//  - the credential (8+ token characters) after "Bearer " / "Basic " (any
//    case) → "[REDACTED]";
//  - tokens that look like provider API keys: "sk-", "sk_" (OpenAI,
//    Anthropic "sk-ant-", Switchyard virtual keys, Stripe-style), "AIza"
//    (Google) and "AKIA" (AWS access key id) followed by at least 8 key
//    characters [A-Za-z0-9_-] → the prefix plus "[REDACTED]".
// Text with none of these comes back unchanged.
#pragma once

#include <string>
#include <string_view>

namespace sy::telemetry {

inline constexpr std::string_view kRedacted = "[REDACTED]";

std::string redact_secrets(std::string_view text);

// True when redact_secrets() would change the text.
bool contains_secret(std::string_view text);

}  // namespace sy::telemetry
