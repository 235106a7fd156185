// Real image encodings for HTTP bodies: the sensor recognises formats and dimensions from the
// first body bytes, so these must be what encoders actually emit.
#pragma once

#include <cstdint>

#include "tools/generator/byte_writer.h"
#include "tools/generator/rng.h"

namespace bw::gen {

// The classic 43-byte transparent 1x1 GIF89a used by most tracking pixels.
Bytes gif_pixel();
// A 1x1 fully transparent RGBA PNG with valid chunk CRCs and zlib stream (stored block).
Bytes png_pixel();
// A baseline JFIF JPEG of the given dimensions (SOF0); the entropy-coded scan is random bytes
// with 0xff stuffed as a real encoder would, padded to roughly `size` bytes.
Bytes jpeg_image(Rng& rng, std::uint16_t width, std::uint16_t height, std::size_t size);

}  // namespace bw::gen
