// Cuts a byte stream into lines (LF-terminated, an optional CR before the LF removed) without
// holding more than kCapacity bytes: a longer line is handed over in pieces, so that a part made
// of one 10 MB line streams through like any other. Pieces of a line are flagged first / last;
// a line that fits is one piece with both flags, which is when a boundary can be recognised.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstring>
#include <string_view>

namespace bw::extract::smtp {

struct LinePiece {
  std::string_view text;
  bool first = true;
  bool last = true;
  bool whole() const { return first && last; }
};

class LineAssembler {
 public:
  // RFC 5322 caps lines at 998 characters; real HTML parts exceed it, and are then cut in pieces.
  static constexpr std::size_t kCapacity = 1024;

  void reset() {
    held_ = 0;
    continuing_ = false;
  }

  template <typename OnPiece>
  void feed(std::string_view bytes, OnPiece&& on_piece) {
    while (!bytes.empty()) {
      const std::size_t lf = bytes.find('\n');
      const bool complete = lf != std::string_view::npos;
      std::string_view chunk = bytes.substr(0, complete ? lf : bytes.size());
      bytes.remove_prefix(complete ? lf + 1 : bytes.size());
      if (held_ == 0 && complete) {
        deliver_line(chunk, on_piece);  // the common case: no copy
        continue;
      }
      hold(chunk, on_piece);
      if (complete) {
        deliver_line({buffer_.data(), held_}, on_piece);
        held_ = 0;
      }
    }
  }

  // The input ended: a last line without its LF is delivered as it is.
  template <typename OnPiece>
  void finish(OnPiece&& on_piece) {
    if (held_ > 0 || continuing_) deliver_line({buffer_.data(), held_}, on_piece);
    reset();
  }

 private:
  template <typename OnPiece>
  void deliver_line(std::string_view line, OnPiece& on_piece) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    while (line.size() > kCapacity) {
      on_piece(LinePiece{line.substr(0, kCapacity), !continuing_, false});
      continuing_ = true;
      line.remove_prefix(kCapacity);
    }
    on_piece(LinePiece{line, !continuing_, true});
    continuing_ = false;
  }

  // A full buffer is handed over as a middle piece, except a final CR that may belong to the LF.
  template <typename OnPiece>
  void hold(std::string_view chunk, OnPiece& on_piece) {
    while (!chunk.empty()) {
      if (held_ == kCapacity) {
        const std::size_t keep = buffer_[held_ - 1] == '\r' ? 1 : 0;
        on_piece(LinePiece{{buffer_.data(), held_ - keep}, !continuing_, false});
        continuing_ = true;
        buffer_[0] = '\r';
        held_ = keep;
      }
      const std::size_t n = std::min(kCapacity - held_, chunk.size());
      std::memcpy(buffer_.data() + held_, chunk.data(), n);
      held_ += n;
      chunk.remove_prefix(n);
    }
  }

  std::array<char, kCapacity> buffer_;
  std::size_t held_ = 0;
  bool continuing_ = false;  // earlier pieces of the current line were handed over
};

}  // namespace bw::extract::smtp
