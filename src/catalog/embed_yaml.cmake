# Writes a C++ source holding the catalog YAML files as raw string literals.
# Usage: cmake -DPROVIDERS=<file> -DMODELS=<file> -DTEMPLATE=<file.cc.in> -DOUT=<file.cc>
#              -P embed_yaml.cmake
foreach(_var PROVIDERS MODELS TEMPLATE OUT)
  if(NOT DEFINED ${_var})
    message(FATAL_ERROR "embed_yaml.cmake: ${_var} is not set")
  endif()
endforeach()
file(READ "${PROVIDERS}" SY_PROVIDERS_YAML)
file(READ "${MODELS}" SY_MODELS_YAML)
foreach(_pair "PROVIDERS;SY_PROVIDERS_YAML" "MODELS;SY_MODELS_YAML")
  list(GET _pair 0 _file_var)
  list(GET _pair 1 _text_var)
  string(FIND "${${_text_var}}" ")sycatalog\"" _clash)
  if(NOT _clash EQUAL -1)
    message(FATAL_ERROR "${${_file_var}} contains the raw-string delimiter )sycatalog\"")
  endif()
endforeach()
# configure_file leaves OUT untouched when its content would not change.
configure_file("${TEMPLATE}" "${OUT}" @ONLY)
