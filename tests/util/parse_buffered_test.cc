#include "util/parse_buffered.h"

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>

#include <string>

namespace sy::util {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;

void fill(beast::flat_buffer& buffer, std::string_view bytes) {
  auto room = buffer.prepare(bytes.size());
  boost::asio::buffer_copy(room, boost::asio::buffer(bytes.data(), bytes.size()));
  buffer.commit(bytes.size());
}

// Parses the header as async_read_header would leave it: header done, the
// rest of the bytes still in the buffer.
template <class Parser>
void parse_header(Parser& parser, beast::flat_buffer& buffer) {
  beast::error_code ec;
  while (!parser.is_header_done()) {
    buffer.consume(parser.put(buffer.data(), ec));
    ASSERT_FALSE(ec) << ec.message();
  }
}

TEST(ParseBuffered, BodyThatCameWithTheHeaderCompletesTheRequest) {
  beast::flat_buffer buffer;
  fill(buffer, "POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\n\r\n{\"a\":\"bc\"}\n");
  http::request_parser<http::string_body> parser;
  parse_header(parser, buffer);
  ASSERT_FALSE(parser.is_done());
  beast::error_code ec;
  parse_buffered(parser, buffer, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "{\"a\":\"bc\"}\n");
  EXPECT_EQ(buffer.size(), 0u);
}

TEST(ParseBuffered, APartialBodyAsksForMoreWithoutAnError) {
  beast::flat_buffer buffer;
  fill(buffer, "POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\n12345");
  http::request_parser<http::string_body> parser;
  parse_header(parser, buffer);
  beast::error_code ec;
  parse_buffered(parser, buffer, ec);
  EXPECT_FALSE(ec) << ec.message();
  EXPECT_FALSE(parser.is_done());
  EXPECT_EQ(buffer.size(), 0u);
  fill(buffer, "67890");
  parse_buffered(parser, buffer, ec);
  EXPECT_TRUE(parser.is_done());
  EXPECT_EQ(parser.get().body(), "1234567890");
}

TEST(ParseBuffered, EmptyBufferDoesNothing) {
  beast::flat_buffer buffer;
  fill(buffer, "POST / HTTP/1.1\r\nContent-Length: 3\r\n\r\n");
  http::request_parser<http::string_body> parser;
  parse_header(parser, buffer);
  beast::error_code ec;
  parse_buffered(parser, buffer, ec);
  EXPECT_FALSE(ec);
  EXPECT_FALSE(parser.is_done());
}

TEST(ParseBuffered, ChunkedBodyOverTheLimitIsAnError) {
  beast::flat_buffer buffer;
  fill(buffer,
       "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
       "10\r\n0123456789abcdef\r\n0\r\n\r\n");
  http::request_parser<http::string_body> parser;
  parser.body_limit(8);
  parse_header(parser, buffer);
  beast::error_code ec;
  parse_buffered(parser, buffer, ec);
  EXPECT_EQ(ec, http::error::body_limit);
}

TEST(ParseBuffered, ChunkedResponseIntoAFullBufferBodyReportsNeedBuffer) {
  beast::flat_buffer buffer;
  fill(buffer,
       "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
       "9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n");
  http::response_parser<http::buffer_body> parser;
  parse_header(parser, buffer);
  // A 12-byte body buffer: the first piece fills it before the body ends.
  char out[12];
  std::string body;
  bool needed_buffer = false;
  while (!parser.is_done()) {
    parser.get().body().data = out;
    parser.get().body().size = sizeof out;
    beast::error_code ec;
    parse_buffered(parser, buffer, ec);
    ASSERT_TRUE(!ec || ec == http::error::need_buffer) << ec.message();
    needed_buffer = needed_buffer || ec == http::error::need_buffer;
    body.append(out, sizeof out - parser.get().body().size);
  }
  EXPECT_TRUE(needed_buffer);
  EXPECT_EQ(body, "data: 1\n\ndata: 2\n\n");  // every byte, in order
  EXPECT_EQ(buffer.size(), 0u);
}

}  // namespace
}  // namespace sy::util
