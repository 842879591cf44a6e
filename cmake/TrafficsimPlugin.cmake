# trafficsim_add_plugin(NAME SOURCES src... [OUTPUT_DIR dir] [INSTALL_DIR dir] [NO_INSTALL])
#
# Declares a trafficsim scenario plugin: a MODULE library named trafficsim_<NAME>.so,
# hidden visibility, linked against trafficsim::sdk only, written to OUTPUT_DIR
# (default: <build>/plugins, or the project's plugin folder in the trafficsim tree) and
# installed to INSTALL_DIR (default: <libdir>/trafficsim/plugins, where an installed
# trafficsim-host of the same prefix finds it). Unknown arguments are an error.
#
# Shipped with the SDK package: find_package(trafficsim) makes it available.

include_guard(GLOBAL)
include(GNUInstallDirs)

function(trafficsim_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "NO_INSTALL" "OUTPUT_DIR;INSTALL_DIR" "SOURCES")
  if(arg_UNPARSED_ARGUMENTS OR arg_KEYWORDS_MISSING_VALUES)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): unknown or incomplete arguments: "
                        "${arg_UNPARSED_ARGUMENTS} ${arg_KEYWORDS_MISSING_VALUES}")
  endif()
  if(NOT name MATCHES "^[a-z][a-z0-9_]*$" OR name MATCHES "^.{33}")
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): the name must be 1-32 characters of a-z, 0-9 and _, "
                        "starting with a letter")
  endif()
  if(NOT arg_SOURCES)
    message(FATAL_ERROR "trafficsim_add_plugin(${name}): SOURCES is required")
  endif()
  if(NOT arg_OUTPUT_DIR)
    if(DEFINED TRAFFICSIM_PLUGIN_OUTPUT_DIR)
      set(arg_OUTPUT_DIR "${TRAFFICSIM_PLUGIN_OUTPUT_DIR}")
    else()
      set(arg_OUTPUT_DIR "${CMAKE_BINARY_DIR}/plugins")
    endif()
  endif()
  if(NOT arg_INSTALL_DIR)
    set(arg_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/trafficsim/plugins")
  endif()

  set(target trafficsim_plugin_${name})
  add_library(${target} MODULE ${arg_SOURCES})
  target_link_libraries(${target} PRIVATE trafficsim::sdk)
  target_compile_features(${target} PRIVATE cxx_std_20)
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME "trafficsim_${name}"
    PREFIX ""
    SUFFIX ".so"
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON
    LIBRARY_OUTPUT_DIRECTORY "${arg_OUTPUT_DIR}")
  if(NOT arg_NO_INSTALL)
    # Plugins writable by group or others are refused by the host: install them 0755.
    install(TARGETS ${target} LIBRARY DESTINATION "${arg_INSTALL_DIR}"
            PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
  endif()
endfunction()
