#include "upstream/request_head.h"

#include <gtest/gtest.h>

#include <boost/beast/http.hpp>

#include <sstream>

namespace sy::upstream {
namespace {

namespace http = boost::beast::http;

// What Exchange sent before serialize_head(): Beast's serializer.
std::string beast_bytes(const HttpRequest& req, std::string_view host) {
  http::request<http::string_body> msg;
  msg.method_string(req.method);
  msg.target(req.target);
  msg.version(11);
  msg.set(http::field::host, host);
  msg.set(http::field::user_agent, "switchyard");
  for (const auto& [k, v] : req.headers) msg.insert(k, v);
  msg.body() = req.body;
  msg.prepare_payload();
  std::ostringstream out;
  out << msg;
  return out.str();
}

HttpRequest sample() {
  HttpRequest req;
  req.target = "/v1/chat/completions?api-version=2024-10-21";
  req.headers = {{"content-type", "application/json"},
                 {"authorization", "Bearer sk-upstream"},
                 {"traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"},
                 {"X-Custom", "a, b"},
                 {"anthropic-version", "2023-06-01"}};
  req.body = R"({"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]})";
  return req;
}

TEST(RequestHead, SameBytesAsBeast) {
  HttpRequest req = sample();
  auto head = serialize_head(req, "api.example.com:8443");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(*head + req.body, beast_bytes(req, "api.example.com:8443"));
}

TEST(RequestHead, EmptyPostBodyStillSendsContentLength) {
  HttpRequest req = sample();
  req.body.clear();
  req.headers.clear();
  auto head = serialize_head(req, "h");
  ASSERT_TRUE(head.has_value());
  EXPECT_EQ(*head, beast_bytes(req, "h"));
  EXPECT_NE(head->find("Content-Length: 0\r\n"), std::string::npos);
}

TEST(RequestHead, LeavesUnusualRequestsToBeast) {
  HttpRequest get = sample();
  get.method = "GET";
  EXPECT_FALSE(serialize_head(get, "h").has_value());
  HttpRequest length = sample();
  length.headers.emplace_back("Content-LENGTH", "3");
  EXPECT_FALSE(serialize_head(length, "h").has_value());
  for (const char* name : {"user-agent", "HOST", "X-custom"}) {
    HttpRequest repeated = sample();  // Beast would group it with the first occurrence
    repeated.headers.emplace_back(name, "again");
    EXPECT_FALSE(serialize_head(repeated, "h").has_value()) << name;
    // ...and the fallback still sends it: Beast's bytes are what goes out.
    EXPECT_NE(beast_bytes(repeated, "h").find(std::string(name) + ": again"), std::string::npos);
  }
  HttpRequest chunked = sample();
  chunked.headers.emplace_back("transfer-encoding", "chunked");
  EXPECT_FALSE(serialize_head(chunked, "h").has_value());
}

}  // namespace
}  // namespace sy::upstream
