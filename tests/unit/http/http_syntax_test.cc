#include "sensor/extract/http/http_syntax.h"

#include <gtest/gtest.h>

#include <string>

#include "sensor/extract/http/body_reader.h"
#include "tests/unit/http/http_test_support.h"

namespace bw::extract::http {
namespace {

using testing::span_of;

TEST(HttpSyntax, RequestStartNeedsMethodAndSpace) {
  EXPECT_EQ(match_request_start(span_of("GET /"), true), StartMatch::kYes);
  EXPECT_EQ(match_request_start(span_of("M-SEARCH * HTTP/1.1"), true), StartMatch::kYes);
  EXPECT_EQ(match_request_start(span_of("GE"), true), StartMatch::kNeedMore);
  EXPECT_EQ(match_request_start(span_of(""), true), StartMatch::kNeedMore);
  EXPECT_EQ(match_request_start(span_of("get /"), true), StartMatch::kNo);  // methods are cased
  EXPECT_EQ(match_request_start(span_of("BREW /pot"), true), StartMatch::kNo);
  EXPECT_EQ(match_request_start(span_of("BREW /pot"), false), StartMatch::kYes);
  EXPECT_EQ(match_request_start(span_of("GET\t/"), false), StartMatch::kNo);
  EXPECT_EQ(match_request_start(span_of(" GET /"), false), StartMatch::kNo);
  EXPECT_EQ(match_request_start(span_of("\x16\x03\x01\x02\x00"), false), StartMatch::kNo);
  EXPECT_EQ(match_request_start(span_of("ABCDEFGHIJKLMNOPQ /"), false), StartMatch::kNo);
  EXPECT_EQ(match_request_start(span_of("ABCDEFGHIJKLMNOP /"), false), StartMatch::kYes);
}

TEST(HttpSyntax, LooksLikeHttpRequest) {
  EXPECT_TRUE(looks_like_http_request(span_of("POST /collect HTTP/1.1\r\n")));
  EXPECT_TRUE(looks_like_http_request(span_of("OPTIONS * HTTP/1.1\r\n")));
  EXPECT_FALSE(looks_like_http_request(span_of("GET")));
  EXPECT_FALSE(looks_like_http_request(span_of("SSH-2.0-OpenSSH_9.2\r\n")));
  EXPECT_FALSE(looks_like_http_request(span_of("HTTP/1.1 200 OK\r\n")));
}

TEST(HttpSyntax, ResponseStart) {
  EXPECT_EQ(match_response_start(span_of("HTTP/1.1 200 OK")), StartMatch::kYes);
  EXPECT_EQ(match_response_start(span_of("HTT")), StartMatch::kNeedMore);
  EXPECT_EQ(match_response_start(span_of("HTX")), StartMatch::kNo);
  EXPECT_EQ(match_response_start(span_of("http/1.1 200")), StartMatch::kNo);
}

TEST(HttpSyntax, FindLineEndSkipsWhatWasScanned) {
  std::size_t scanned = 0;
  EXPECT_FALSE(find_line_end(span_of("GET / HT"), scanned));
  EXPECT_EQ(scanned, 8u);
  EXPECT_EQ(find_line_end(span_of("GET / HTTP/1.1\r\nHost"), scanned), 16u);
  EXPECT_EQ(scanned, 0u);
  // The hint is trusted: bytes it covers are not searched again.
  scanned = 3;
  EXPECT_FALSE(find_line_end(span_of("a\nbc"), scanned));
}

TEST(HttpSyntax, LineTextAndEmptyLines) {
  EXPECT_EQ(line_text(span_of("Host: a\r\n")), "Host: a");
  EXPECT_EQ(line_text(span_of("Host: a\n")), "Host: a");
  EXPECT_EQ(empty_line_length(span_of("\r\nGET")), 2u);
  EXPECT_EQ(empty_line_length(span_of("\nGET")), 1u);
  EXPECT_EQ(empty_line_length(span_of("\r")), 0u);
  EXPECT_EQ(empty_line_length(span_of("GET")), 0u);
}

TEST(HttpSyntax, RequestLine) {
  RequestLine line;
  ASSERT_TRUE(parse_request_line("GET /p.gif?id=7 HTTP/1.1", line));
  EXPECT_EQ(line.method, "GET");
  EXPECT_EQ(line.target, "/p.gif?id=7");
  EXPECT_EQ(line.version, "HTTP/1.1");
  ASSERT_TRUE(parse_request_line("GET http://a.example/x HTTP/1.0 ", line));
  EXPECT_EQ(line.target, "http://a.example/x");
  ASSERT_TRUE(parse_request_line("GET /a b HTTP/1.1", line));
  EXPECT_EQ(line.target, "/a b");
  EXPECT_FALSE(line.simple);
  ASSERT_TRUE(parse_request_line("GET /", line));  // HTTP/0.9
  EXPECT_TRUE(line.simple);
  EXPECT_EQ(line.target, "/");
  EXPECT_EQ(line.version, "HTTP/0.9");
  EXPECT_FALSE(parse_request_line("POST /", line));  // 0.9 knew only GET
  EXPECT_FALSE(parse_request_line("GET", line));
  EXPECT_FALSE(parse_request_line("GET  HTTP/1.1", line));
  EXPECT_FALSE(parse_request_line("G(T / HTTP/1.1", line));
  EXPECT_FALSE(parse_request_line("GET / HTTP/1", line));
  EXPECT_FALSE(parse_request_line("GET / HTTP/1.1x", line));
}

TEST(HttpSyntax, StatusLine) {
  StatusLine line;
  ASSERT_TRUE(parse_status_line("HTTP/1.1 200 OK", line));
  EXPECT_EQ(line.status, 200);
  EXPECT_EQ(line.version, "HTTP/1.1");
  ASSERT_TRUE(parse_status_line("HTTP/1.0 404", line));
  EXPECT_EQ(line.status, 404);
  ASSERT_TRUE(parse_status_line("HTTP/1.1 204 ", line));
  EXPECT_EQ(line.status, 204);
  EXPECT_FALSE(parse_status_line("HTTP/1.1 2000 OK", line));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 20 OK", line));
  EXPECT_FALSE(parse_status_line("HTTP/1.1 099 Low", line));
  EXPECT_FALSE(parse_status_line("HTTP/1.1  200 OK", line));
  EXPECT_FALSE(parse_status_line("HTTPS/1.1 200 OK", line));
}

TEST(HttpSyntax, HeaderField) {
  HeaderField field;
  ASSERT_TRUE(split_header_field("Host:  pixel.example \t", field));
  EXPECT_EQ(field.name, "Host");
  EXPECT_EQ(field.value, "pixel.example");
  ASSERT_TRUE(split_header_field("X-Empty:", field));
  EXPECT_EQ(field.value, "");
  ASSERT_TRUE(split_header_field("Location: http://a:8080/b", field));
  EXPECT_EQ(field.value, "http://a:8080/b");
  EXPECT_FALSE(split_header_field("Host : a", field));
  EXPECT_FALSE(split_header_field(": a", field));
  EXPECT_FALSE(split_header_field("no colon here", field));
  EXPECT_TRUE(is_continuation_line(" more"));
  EXPECT_TRUE(is_continuation_line("\tmore"));
  EXPECT_FALSE(is_continuation_line("Host: a"));
}

TEST(HttpSyntax, ContentLength) {
  EXPECT_EQ(parse_content_length("0"), 0u);
  EXPECT_EQ(parse_content_length("43"), 43u);
  EXPECT_EQ(parse_content_length("43, 43"), 43u);
  EXPECT_EQ(parse_content_length("999999999999999999"), 999999999999999999u);
  EXPECT_FALSE(parse_content_length("43, 44"));
  EXPECT_FALSE(parse_content_length(""));
  EXPECT_FALSE(parse_content_length("-1"));
  EXPECT_FALSE(parse_content_length("+5"));
  EXPECT_FALSE(parse_content_length("4 3"));
  EXPECT_FALSE(parse_content_length("0x10"));
  EXPECT_FALSE(parse_content_length("1000000000000000000"));
}

TEST(HttpSyntax, ChunkSize) {
  EXPECT_EQ(parse_chunk_size("1a"), 26u);
  EXPECT_EQ(parse_chunk_size("1A;name=value"), 26u);
  EXPECT_EQ(parse_chunk_size("5 ; ext"), 5u);
  EXPECT_EQ(parse_chunk_size("0"), 0u);
  EXPECT_EQ(parse_chunk_size("fffffffffffffff"), 0xfffffffffffffffu);
  EXPECT_FALSE(parse_chunk_size("ffffffffffffffff"));
  EXPECT_FALSE(parse_chunk_size(""));
  EXPECT_FALSE(parse_chunk_size("g"));
  EXPECT_FALSE(parse_chunk_size("-1"));
}

TEST(HttpSyntax, Codings) {
  EXPECT_TRUE(final_coding_is_chunked("chunked"));
  EXPECT_TRUE(final_coding_is_chunked("gzip, Chunked"));
  EXPECT_FALSE(final_coding_is_chunked("chunked, gzip"));
  EXPECT_FALSE(final_coding_is_chunked(""));
  EXPECT_TRUE(has_content_coding("gzip"));
  EXPECT_TRUE(has_content_coding("identity, br"));
  EXPECT_FALSE(has_content_coding("identity"));
  EXPECT_FALSE(has_content_coding(""));
}

TEST(HttpSyntax, CaseInsensitiveCompare) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Content-Length", "content-lengt"));
  EXPECT_FALSE(iequals("a", "b"));
  EXPECT_EQ(trim_whitespace(" \t a b \t"), "a b");
}

// Feeds a body the way the parser does: unconsumed bytes come back with the next ones.
struct BodyRun {
  std::size_t consumed = 0;
  bool malformed = false;
};

BodyRun walk_body(BodyReader& reader, std::string_view stream, std::size_t segment) {
  BodyRun run;
  std::string pending;
  std::size_t scanned = 0;
  for (std::size_t at = 0; at < stream.size() && !reader.done(); at += segment) {
    pending.append(stream.substr(at, segment));
    for (;;) {
      if (reader.done() || pending.empty()) break;
      const BodyReader::Step step = reader.advance(span_of(pending), scanned);
      if (step.status == BodyReader::Status::kMalformed) {
        run.malformed = true;
        return run;
      }
      pending.erase(0, step.consumed);
      run.consumed += step.consumed;
      if (step.status == BodyReader::Status::kNeedMore) break;
    }
  }
  return run;
}

// RFC 9112 7.1 style body with extensions and a trailer field.
constexpr std::string_view kChunkedBody =
    "4\r\nWiki\r\n5;note=x\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nExpires: never\r\n\r\n";

TEST(BodyReader, ChunkedAtEverySegmentSize) {
  const std::string stream = std::string(kChunkedBody) + "HTTP/1.1 200 OK\r\n";
  for (std::size_t segment = 1; segment <= stream.size(); ++segment) {
    BodyReader reader;
    reader.start(BodyReader::Framing::kChunked);
    const BodyRun run = walk_body(reader, stream, segment);
    EXPECT_FALSE(run.malformed) << segment;
    EXPECT_TRUE(reader.done()) << segment;
    EXPECT_EQ(run.consumed, kChunkedBody.size()) << segment;
  }
}

TEST(BodyReader, ContentAheadFollowsChunks) {
  BodyReader reader;
  reader.start(BodyReader::Framing::kChunked);
  std::size_t scanned = 0;
  EXPECT_EQ(reader.content_ahead(), 0u);  // size line first
  EXPECT_EQ(reader.advance(span_of("4\r\nWi"), scanned).consumed, 3u);
  EXPECT_EQ(reader.content_ahead(), 4u);
  EXPECT_EQ(reader.advance(span_of("Wi"), scanned).consumed, 2u);
  EXPECT_EQ(reader.content_ahead(), 2u);
}

TEST(BodyReader, LengthAndUntilClose) {
  BodyReader length;
  length.start(BodyReader::Framing::kLength, 5);
  std::size_t scanned = 0;
  EXPECT_EQ(length.advance(span_of("abcdefg"), scanned).consumed, 5u);
  EXPECT_TRUE(length.done());

  BodyReader empty;
  empty.start(BodyReader::Framing::kLength, 0);
  EXPECT_TRUE(empty.done());

  BodyReader until_close;
  until_close.start(BodyReader::Framing::kUntilClose);
  EXPECT_EQ(until_close.advance(span_of("HTTP/1.1 200 OK\r\n"), scanned).consumed, 17u);
  EXPECT_FALSE(until_close.done());
}

TEST(BodyReader, MalformedChunking) {
  for (std::string_view bad : {"zz\r\n", "4\r\nWikiX\r\n", "4\r\nWiki\rX", "\r\n"}) {
    BodyReader reader;
    reader.start(BodyReader::Framing::kChunked);
    EXPECT_TRUE(walk_body(reader, bad, bad.size()).malformed) << bad;
  }
  BodyReader endless;
  endless.start(BodyReader::Framing::kChunked);
  EXPECT_TRUE(walk_body(endless, std::string(kMaxHeaderBytes, '1'), 1000).malformed);
}

}  // namespace
}  // namespace bw::extract::http
