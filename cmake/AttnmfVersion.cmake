# The version stored in every result file: `git describe` when built from a checkout, else the
# project version.
set(ATTNMF_GIT_DESCRIBE "${PROJECT_VERSION}")
set(ATTNMF_GIT_DESCRIBE_ONLY "")  # the bare `git describe`, for attnmf --version (empty: none)
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${CMAKE_CURRENT_SOURCE_DIR}/.git")
  execute_process(COMMAND "${GIT_EXECUTABLE}" describe --always --dirty --tags
                  WORKING_DIRECTORY "${CMAKE_CURRENT_SOURCE_DIR}"
                  OUTPUT_VARIABLE _describe OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET
                  RESULT_VARIABLE _rc)
  if(_rc EQUAL 0 AND _describe)
    set(ATTNMF_GIT_DESCRIBE "${PROJECT_VERSION}+${_describe}")
    set(ATTNMF_GIT_DESCRIBE_ONLY "${_describe}")
  endif()
endif()
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/cmake/version.hpp.in
               ${CMAKE_CURRENT_BINARY_DIR}/generated/attnmf/version.hpp @ONLY)
