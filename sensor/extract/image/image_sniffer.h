// Recognises the image formats tracking pixels are served as, from the first bytes of a response
// body, whatever Content-Type claims: a beacon labelled text/html that is really a 1x1 GIF is
// exactly what the sensor looks for.
#pragma once

#include "sensor/common/bytes.h"
#include "sensor/extract/records.h"

namespace bw::extract::image {

// Never reads outside body_prefix. A format recognised from its signature whose dimensions lie
// beyond the prefix is reported with dimensions_known = false.
ImageInfo sniff_image(ByteSpan body_prefix);

}  // namespace bw::extract::image
