// CRC-32 (IEEE 802.3, reflected, as zlib's crc32) for spool record checksums.
// Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace sy::store::spool {

uint32_t crc32(std::string_view bytes, uint32_t crc = 0);

} // namespace sy::store::spool
