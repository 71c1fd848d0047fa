#include "server/client_format.h"

#include "providers/anthropic/inbound.h"
#include "server/request_id.h"

namespace sy::server {

namespace {

class OpenAiFormat final : public ClientFormat {
 public:
  Response error(const api::ApiError& e) const override { return error_response(e); }
  Expected<std::string, api::ApiError> body(std::string openai_body) override {
    return openai_body;
  }
  Expected<std::monostate, api::ApiError> stream(std::string_view sse, std::string& out) override {
    out.append(sse);
    return std::monostate{};
  }
  Expected<std::monostate, api::ApiError> finish(std::string&) override { return std::monostate{}; }
  void stream_error(const api::ApiError& e, std::string& out) const override {
    out += "data: ";
    out += api::error_body(e);
    out += "\n\n";
  }
};

class AnthropicFormat final : public ClientFormat {
 public:
  explicit AnthropicFormat(std::string model)
      : model_(std::move(model)), stream_("msg_" + new_request_id().substr(8), model_) {}

  Response error(const api::ApiError& e) const override {
    return {e.status, "application/json", providers::anthropic::anthropic_error_body(e), {}};
  }
  Expected<std::string, api::ApiError> body(std::string openai_body) override {
    return providers::anthropic::openai_response_to_messages(openai_body, model_);
  }
  Expected<std::monostate, api::ApiError> stream(std::string_view sse, std::string& out) override {
    return stream_.feed(sse, out);
  }
  Expected<std::monostate, api::ApiError> finish(std::string& out) override {
    return stream_.finish(out);
  }
  void stream_error(const api::ApiError& e, std::string& out) const override {
    providers::anthropic::append_anthropic_error_event(out, e);
  }

 private:
  std::string model_;
  providers::anthropic::OpenAiToAnthropicStream stream_;
};

}  // namespace

std::unique_ptr<ClientFormat> openai_format() { return std::make_unique<OpenAiFormat>(); }
std::unique_ptr<ClientFormat> anthropic_format(std::string requested_model) {
  return std::make_unique<AnthropicFormat>(std::move(requested_model));
}

}  // namespace sy::server
