# switchyard_module(NAME [DEPS mod...] [EXTRA_SOURCES file...])
#   Builds static library sy_<NAME> from every .cc under the calling folder
#   (recursively); a folder of headers only becomes an INTERFACE library.
#   DEPS names other modules (without the sy_ prefix).
function(switchyard_module name)
  cmake_parse_arguments(M "" "" "DEPS;EXTRA_SOURCES" ${ARGN})
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cc)
  if(NOT _srcs AND NOT M_EXTRA_SOURCES)
    add_library(sy_${name} INTERFACE)
    target_link_libraries(sy_${name} INTERFACE sy_deps)
    return()
  endif()
  add_library(sy_${name} STATIC ${_srcs} ${M_EXTRA_SOURCES})
  target_link_libraries(sy_${name} PUBLIC sy_deps)
  foreach(_d ${M_DEPS})
    target_link_libraries(sy_${name} PUBLIC sy_${_d})
  endforeach()
endfunction()

# switchyard_test(NAME DEPS mod...)
#   Builds test binary test_<NAME> from every *_test.cc under the calling
#   folder, links GoogleTest and the named modules, registers with CTest.
function(switchyard_test name)
  cmake_parse_arguments(T "" "" "DEPS" ${ARGN})
  file(GLOB_RECURSE _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  if(NOT _srcs)
    return()
  endif()
  add_executable(test_${name} ${_srcs})
  target_link_libraries(test_${name} PRIVATE GTest::gtest_main GTest::gmock)
  foreach(_d ${T_DEPS})
    target_link_libraries(test_${name} PRIVATE sy_${_d})
  endforeach()
  target_compile_definitions(test_${name} PRIVATE
    SWITCHYARD_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
    SWITCHYARD_TEST_DATA_DIR="${CMAKE_CURRENT_SOURCE_DIR}")
  include(GoogleTest)
  gtest_discover_tests(test_${name} DISCOVERY_TIMEOUT 60)
endfunction()
