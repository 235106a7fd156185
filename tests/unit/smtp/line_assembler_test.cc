#include "sensor/extract/smtp/line_assembler.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace bw::extract::smtp {
namespace {

struct Piece {
  std::string text;
  bool first;
  bool last;
  friend bool operator==(const Piece&, const Piece&) = default;
};

std::vector<Piece> pieces(const std::vector<std::string_view>& chunks) {
  LineAssembler lines;
  std::vector<Piece> out;
  const auto keep = [&](const LinePiece& p) {
    out.push_back({std::string(p.text), p.first, p.last});
  };
  for (const std::string_view chunk : chunks)
    lines.feed(chunk, keep);
  lines.finish(keep);
  return out;
}

TEST(LineAssembler, LinesWithCrLfOrLfAcrossChunks) {
  EXPECT_EQ(
      pieces({"one\r\ntw", "o\r", "\n\nthree"}),
      (std::vector<Piece>{
          {"one", true, true}, {"two", true, true}, {"", true, true}, {"three", true, true}}));
}

TEST(LineAssembler, LongLineComesInBoundedPieces) {
  const std::string line(2 * LineAssembler::kCapacity + 10, 'x');
  const std::string input = line + "\r\nend\n";
  const std::size_t k = LineAssembler::kCapacity;
  const std::vector<Piece> expected = {{std::string(k, 'x'), true, false},
                                       {std::string(k, 'x'), false, false},
                                       {std::string(10, 'x'), false, true},
                                       {"end", true, true}};
  // Whole, and fed a byte at a time (held in the buffer).
  EXPECT_EQ(pieces({input}), expected);
  std::vector<std::string_view> bytes;
  for (std::size_t i = 0; i < input.size(); ++i)
    bytes.push_back(std::string_view(input).substr(i, 1));
  EXPECT_EQ(pieces(bytes), expected);
}

TEST(LineAssembler, CrAtTheBufferEdgeStaysWithItsLf) {
  const std::string head(LineAssembler::kCapacity - 1, 'y');
  const std::vector<Piece> got = pieces({head, "\r", "\n"});
  EXPECT_EQ(got, (std::vector<Piece>{{head, true, true}}));
  const std::vector<Piece> spilled = pieces({head + "z", "\r", "\n"});
  EXPECT_EQ(spilled, (std::vector<Piece>{{head + "z", true, false}, {"", false, true}}));
}

}  // namespace
}  // namespace bw::extract::smtp
