# Third-party libraries, all from Debian packages (scripts/install-deps).
# sy_deps carries them to every module; modules needing little still link it,
# since the libraries are shared objects and the cost is only link time.
set(Boost_NO_WARN_NEW_VERSIONS ON)
find_package(Boost 1.81 EXACT REQUIRED COMPONENTS url)
find_package(OpenSSL REQUIRED)
find_package(simdjson REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(fmt REQUIRED)
find_package(spdlog REQUIRED)
find_package(SQLite3 REQUIRED)
find_package(Threads REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

add_library(sy_deps INTERFACE)
target_link_libraries(sy_deps INTERFACE
  Boost::headers Boost::url OpenSSL::SSL OpenSSL::Crypto simdjson::simdjson
  yaml-cpp fmt::fmt spdlog::spdlog SQLite::SQLite3 PkgConfig::PCRE2 Threads::Threads)
target_compile_definitions(sy_deps INTERFACE
  BOOST_ASIO_NO_DEPRECATED BOOST_BEAST_USE_STD_STRING_VIEW SPDLOG_FMT_EXTERNAL
  BOOST_ASIO_RECYCLING_ALLOCATOR_CACHE_SIZE=8)
target_include_directories(sy_deps INTERFACE ${CMAKE_SOURCE_DIR}/src)
target_compile_options(sy_deps INTERFACE -Wall -Wextra -Wno-unused-parameter
  $<$<CXX_COMPILER_ID:GNU>:-Wno-maybe-uninitialized -Wno-uninitialized>)

find_package(CLI11 REQUIRED)
if(NOT SWITCHYARD_FUZZ)
  find_package(GTest REQUIRED)
  find_package(benchmark QUIET)
endif()
