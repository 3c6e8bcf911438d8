# Warnings as an INTERFACE target linked PRIVATE by the project's own targets, so that nothing
# leaks into the flags of projects that consume attnmf.
add_library(attnmf_warnings INTERFACE)
target_compile_options(attnmf_warnings INTERFACE
  $<$<CXX_COMPILER_ID:GNU,Clang>:-Wall -Wextra -Wpedantic -Wshadow -Wfloat-conversion
                                 -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual>)
